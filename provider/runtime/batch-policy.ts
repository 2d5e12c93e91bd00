/**
 * How a batch of concurrent `TenantUser` creates becomes vendor calls (the batcher decides *when*
 * a batch goes, this decides *how*). Each resource gets its own settled result, so one user's
 * failure fails only that user's resource.
 */
import type { DialectClient, UserOutcome } from "../dialects/types";
import type { NormalizedUser } from "../schema";

export interface BatchItem {
    user: NormalizedUser;
    idempotencyKey: string;
}

/** One resource's result: its outcome, or the error of the call that carried it. */
export type BatchResult = PromiseSettledResult<UserOutcome>;

/**
 * Up to this many users, a batch for a dialect whose bulk answer only counts outcomes (Zquence,
 * Geldstuck) goes as concurrent single adds rather than one bulk, which would leave every user of
 * a mixed batch `present`. Small batches are where a user reads each status (a handful of declared
 * users, one of them already at the vendor); large ones are where requests count.
 */
export const SINGLE_ADDS_UP_TO = 4;

/**
 * The vendor calls for a batch of concurrent creates. Two resources declaring the same email share
 * one row (the bulk endpoints want unique emails). Single adds carry an Idempotency-Key and tell
 * created from adopted exactly, each settling on its own; the projects API's bulk answer names each
 * user, so it always gets one bulk. A bulk call that fails for good fails every user it carried.
 */
export async function flushBatch(client: DialectClient, items: BatchItem[]): Promise<BatchResult[]> {
    const unique = [...new Map(items.map((i) => [i.user.email, i])).values()];
    let results: BatchResult[];
    if (unique.length === 1 || (!client.bulkNamesEachOutcome && unique.length <= SINGLE_ADDS_UP_TO)) {
        results = await Promise.allSettled(unique.map((i) => client.addUser(i.user, i.idempotencyKey)));
    } else {
        try {
            results = (await client.addUsersBulk(unique.map((i) => i.user))).map((value) => ({ status: "fulfilled", value }));
        } catch (reason) {
            results = unique.map(() => ({ status: "rejected", reason }));
        }
    }
    const byEmail = new Map(unique.map((item, i) => [item.user.email, results[i]!]));
    return items.map((i) => byEmail.get(i.user.email)!);
}
