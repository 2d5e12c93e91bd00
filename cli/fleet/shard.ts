/**
 * Splitting a fleet across the jobs of a CI matrix. Shard I of N takes every N-th tenant of the
 * names sorted, starting at the I-th: the N jobs cover each tenant exactly once, their sizes differ
 * by at most one, and the split depends only on the set of names (not on their order in the file).
 * Adding a tenant may move others to another shard; that is harmless, because the state lives in
 * the shared store and any runner can apply any stack.
 */

export interface Shard {
    /** 1-based. */
    index: number;
    count: number;
}

export const WHOLE_FLEET: Shard = { index: 1, count: 1 };

/** Parses `I/N` (1 ≤ I ≤ N); throws a message fit for the user otherwise. */
export function parseShard(text: string): Shard {
    const m = /^(\d+)\/(\d+)$/.exec(text.trim());
    if (!m) throw new Error(`--shard must look like I/N (e.g. 1/4), got "${text}"`);
    const index = Number(m[1]);
    const count = Number(m[2]);
    if (count < 1 || index < 1 || index > count) throw new Error(`--shard ${text}: I must be between 1 and N, and N at least 1`);
    return { index, count };
}

/** The tenants of one shard, in the order of the file. */
export function selectShard<T extends { name: string }>(tenants: readonly T[], shard: Shard): T[] {
    const sorted = tenants.map((t) => t.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const mine = new Set(sorted.filter((_, i) => i % shard.count === shard.index - 1));
    return tenants.filter((t) => mine.has(t.name));
}
