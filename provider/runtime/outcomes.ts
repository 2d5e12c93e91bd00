/**
 * What an add's failure says about the vendor's state. A refusal (4xx) of a call's only attempt wrote
 * nothing; a lost answer (dropped connection, timeout, 5xx, an answer we cannot read) may have been
 * committed, and so may any call whose earlier attempt's answer was lost, whatever its last answer
 * (a 429 after a dropped send). Users of such a call are recorded as unsettled, and when the next `up`
 * finds them existing they are `present` (we may have created them), never `adopted`: an adopted user
 * is one that existed before we asked.
 */
import { ConnectionError, MalformedResponseError, TenantUsersError } from "../errors";
import type { OutcomeKind } from "../dialects/types";

/** Whether the vendor may have committed a call that failed with `error`. */
export function mayHaveLanded(error: unknown): boolean {
    if (error instanceof ConnectionError || error instanceof MalformedResponseError) return true;
    if (!(error instanceof TenantUsersError)) return false;
    return error.afterLostAttempt === true || (error.status !== undefined && error.status >= 500);
}

/**
 * Whether the engine runs without checkpoints (`PULUMI_SKIP_CHECKPOINTS`, the fast path for many
 * TenantUsers): a killed `up` then records nothing, not even what it had added, so the next `up`
 * finds our own users existing and cannot tell them from users the vendor held before.
 */
export function checkpointsSkipped(env: NodeJS.ProcessEnv = process.env): boolean {
    const v = (env.PULUMI_SKIP_CHECKPOINTS ?? "").toLowerCase();
    return v === "true" || v === "1";
}

/**
 * The outcome to record: an "existing" user is `present`, not `adopted`, when an earlier add of it
 * may have landed (its answer was lost), or when no record of earlier adds can be trusted (no checkpoints).
 */
export function settledKind(kind: OutcomeKind, wasUnsettled: boolean): OutcomeKind {
    return kind === "adopted" && (wasUnsettled || checkpointsSkipped()) ? "present" : kind;
}
