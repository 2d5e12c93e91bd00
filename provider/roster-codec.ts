/**
 * How a roster's users travel through Pulumi: one compressed string, marked secret. A string
 * changes as one `[secret]` line in `pulumi preview --diff` (an array or map input would be printed
 * whole: Node dynamic providers have no detailed diff), it is encrypted in state (emails are personal
 * data), and deflate keeps 100,000 users within a few MB of state. Shared by both processes.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { NormalizedUser } from "./schema/user";

const PREFIX = "tu1:";

/** A string that holds a packed `T`; the type names which of the three shapes travels where. */
export type Packed<T> = string & { readonly __packs?: T };

/** The rows as the program declared them (not yet checked): the `users` input the program sends. */
export interface DeclaredRows {
    rows: unknown[];
}

/** A row left out with `onInvalid: "report"`; `row` counts from 1. */
export interface InvalidRow {
    row: number;
    email?: string;
    field: string;
    reason: string;
}

/** The checked roster: the `users` input after `check` (normalized, de-duplicated users and the rows left out). */
export interface DesiredUsers {
    users: NormalizedUser[];
    invalid: InvalidRow[];
}

/**
 * One user recorded in state: [email, name, phone, country, status, vendor id]; tuples keep state small.
 * Status `c` created, `a` adopted, `p` present, `u` unsettled: sent in a call whose answer was lost,
 * recorded only by a failed `up` and sent again by the next one.
 */
export type RecordedUser = [string, string | null, string | null, string | null, "c" | "a" | "p" | "u", string | null];

export function pack<T>(value: T): Packed<T> {
    return PREFIX + deflateRawSync(Buffer.from(JSON.stringify(value)), { level: 6 }).toString("base64");
}

export function unpack<T>(packed: Packed<T>): T {
    if (typeof packed !== "string" || !packed.startsWith(PREFIX)) {
        throw new Error("roster users are not in the expected packed form (was the state written by another tool?)");
    }
    return JSON.parse(inflateRawSync(Buffer.from(packed.slice(PREFIX.length), "base64")).toString("utf8")) as T;
}

type Fields = { email: string; name?: string | null; phone?: string | null; country?: string | null };

/**
 * The roster's one `summary` formula: `N users · fingerprint` over a canonical form (sorted by
 * email), so that the declared users (after `check`) and the recorded ones compare, and preview
 * shows a change as one `old => new` line. `digest` is a keyed hash (the provider keys it with the
 * connection's credentials): the summary is plain text in state, and must not confirm a guessed user.
 */
export function rosterSummary(users: Fields[], digest: (text: string) => string): string {
    const canonical = users
        .map((u) => [u.email, u.name ?? null, u.phone ?? null, u.country ?? null])
        .sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
    return `${canonical.length.toLocaleString("en-US")} users · ${digest(JSON.stringify(canonical))}`;
}
