/**
 * What an add's failure says about the vendor's state. A refusal (4xx) wrote nothing; a lost answer
 * (dropped connection, timeout, 5xx, an answer we cannot read) may have been committed. Users of such
 * a call are recorded as unsettled, and when the next `up` finds them existing they are `present`
 * (we may have created them), never `adopted`: an adopted user is one that existed before we asked.
 */
import { ConnectionError, MalformedResponseError, TenantUsersError } from "../errors";
import type { OutcomeKind } from "../dialects/types";

/** Whether the vendor may have committed a call that failed with `error`. */
export function mayHaveLanded(error: unknown): boolean {
    if (error instanceof ConnectionError || error instanceof MalformedResponseError) return true;
    return error instanceof TenantUsersError && error.status !== undefined && error.status >= 500;
}

/** The outcome to record for a user whose earlier add may have landed: "existing" could be our own. */
export function settledKind(kind: OutcomeKind, wasUnsettled: boolean): OutcomeKind {
    return wasUnsettled && kind === "adopted" ? "present" : kind;
}
