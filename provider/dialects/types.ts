import type { Dialect, NormalizedUser } from "../schema/user";

export type { Dialect, NormalizedUser };

/** Where and as whom to talk to a vendor. Credentials never leave the provider process. */
export interface Connection {
    dialect: Dialect;
    /** e.g. `https://api.zquence.com` or `http://127.0.0.1:4010/zquence`. */
    baseUrl: string;
    /** Zquence and Geldstuck: sent as `x-api-key`. */
    apiKey?: string;
    /** Zquence and Geldstuck: sent as `x-api-secret`. */
    apiSecret?: string;
    /** projects: sent as `Authorization`. */
    secretKey?: string;
}

/**
 * - `created`: this call created the user.
 * - `adopted`: the vendor already held the user before this call.
 * - `present`: the user exists now, but whether this call created it cannot be
 *   told (a bulk answer that mixes created and skipped, an answer obtained
 *   after a retry whose first attempt may have landed, or a success answer
 *   that does not say, with a `warning`).
 * - `failed`: the vendor refused this user; `error` says why.
 */
export type OutcomeKind = "created" | "adopted" | "present" | "failed";

export interface UserOutcome {
    email: string;
    kind: OutcomeKind;
    /** The vendor's id, when the answer carries one (single adds, projects). */
    id?: string;
    /** What the vendor holds, when the answer says (keys absent, never undefined). */
    user?: { name?: string; phone?: string; country?: string };
    error?: { code: string; message: string };
    /**
     * Something in the vendor's answer that could not be attributed to this user
     * (why it is `present`), or did not match what was sent. For the log; it
     * names no email and no credential.
     */
    warning?: string;
}

export interface DialectClient {
    readonly dialect: Dialect;
    /** Most users one bulk request may carry (the vendor descriptor's `maxBatch`). */
    readonly maxBatch: number;
    /**
     * Whether a bulk answer says, for each user, created or already there (projects). Zquence and
     * Geldstuck only count created and skipped users, so a bulk mixing both leaves each `present`.
     */
    readonly bulkNamesEachOutcome: boolean;
    /** Adds one user; `idempotencyKey` must be the same across retries of one create. */
    addUser(user: NormalizedUser, idempotencyKey: string): Promise<UserOutcome>;
    /**
     * Adds de-duplicated users in one request; outcomes come back in the same
     * order and number. Throws a RangeError beyond `maxBatch` or on a duplicate.
     */
    addUsersBulk(users: NormalizedUser[]): Promise<UserOutcome[]>;
}
