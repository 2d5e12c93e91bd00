/**
 * How a roster's users travel through Pulumi: one compressed string, marked secret. A string
 * changes as one `[secret]` line in `pulumi preview --diff` (an array or map input would be printed
 * whole: Node dynamic providers have no detailed diff), it is encrypted in state (emails are personal
 * data), and deflate keeps 100,000 users within a few MB of state. Shared by both processes.
 */
import { createHash } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";

const PREFIX = "tu1:";

export function pack(value: unknown): string {
    return PREFIX + deflateRawSync(Buffer.from(JSON.stringify(value)), { level: 6 }).toString("base64");
}

export function unpack<T>(packed: string): T {
    if (typeof packed !== "string" || !packed.startsWith(PREFIX)) {
        throw new Error("roster users are not in the expected packed form (was the state written by another tool?)");
    }
    return JSON.parse(inflateRawSync(Buffer.from(packed.slice(PREFIX.length), "base64")).toString("utf8")) as T;
}

/** A short, stable, non-reversible name for a set of rows: shows in preview that the set changed. */
export function fingerprint(value: unknown): string {
    return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 12);
}

export function summarize(count: number, value: unknown, noun = "users"): string {
    return `${count.toLocaleString("en-US")} ${noun} · ${fingerprint(value)}`;
}

type Fields = { email: string; name?: string | null; phone?: string | null; country?: string | null };

/** `N users · fingerprint` over a canonical form (sorted by email), so declared and recorded sets compare. */
export function rosterSummary(users: Fields[]): string {
    const canonical = users.map((u) => [u.email, u.name ?? null, u.phone ?? null, u.country ?? null])
        .sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
    return summarize(canonical.length, canonical);
}
