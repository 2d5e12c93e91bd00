/**
 * Where a connection's writes land, said without revealing a credential: the dialect, TEST or LIVE
 * (projects keys carry the mode), the API's origin, and a fingerprint of the keys. Each resource
 * records it as the `target` input and output, so a change of tenant or mode under the same
 * connection name is a visible `~ target` line in preview and replaces the resource (its users are
 * added at the new target), instead of "no changes" while state claims users the new target lacks.
 */
import { createHmac, scryptSync } from "node:crypto";
import { vendorOf } from "../dialects/registry";
import type { Connection } from "../dialects/types";

export type Mode = "TEST" | "LIVE";

export interface Target {
    /** e.g. `projects TEST http://127.0.0.1:4010/projects · keys 3f9a0c1b2d4e` */
    text: string;
    mode?: Mode;
    /** 12 hex characters; changes when any credential of the connection changes. */
    keys: string;
}

const cache = new Map<string, Target>();

/**
 * scrypt, salted with the dialect and origin, truncated to 48 bits: the fingerprint is in state and
 * in preview output, so guessing a weak key from it must be slow, and it must never equal a key.
 * Computed once per connection per provider process (about 30 ms).
 */
export function targetOf(conn: Connection): Target {
    // Origin and path only: a query string or fragment (a token, say) must not reach state or preview.
    const url = new URL(conn.baseUrl);
    const origin = `${url.origin}${url.pathname}`.replace(/\/+$/, "");
    const material = [conn.apiKey ?? "", conn.apiSecret ?? "", conn.secretKey ?? ""].join("\n");
    const cacheKey = `${conn.dialect}\n${origin}\n${material}`;
    const hit = cache.get(cacheKey);
    if (hit) return hit;
    const salt = `pulumi-tenant-users target v1\n${conn.dialect}\n${origin}`;
    const keys = scryptSync(material, salt, 6, { N: 1 << 14, r: 8, p: 1 }).toString("hex");
    const mode = vendorOf(conn.dialect).modeOf?.(conn);
    const target: Target = { text: `${conn.dialect}${mode ? ` ${mode}` : ""} ${origin} · keys ${keys}`, keys, ...(mode ? { mode } : {}) };
    cache.set(cacheKey, target);
    return target;
}

/** The mode a recorded target text names (`undefined` for dialects without modes). */
export function recordedMode(text: string): Mode | undefined {
    const m = /^\S+ (TEST|LIVE) /.exec(text);
    return m ? (m[1] as Mode) : undefined;
}

/** The key fingerprint a recorded target text names. */
export function recordedKeys(text: string): string | undefined {
    return /· keys ([0-9a-f]+)$/.exec(text)?.[1];
}

/**
 * A keyed hash over personal data for what must be stable and stored in plain text (a resource id,
 * a roster's summary): keyed by the connection's credentials, which never reach state, so a guess
 * of an email cannot be confirmed from state alone.
 */
export function personalDigest(conn: Connection, text: string, length = 12): string {
    const key = [conn.dialect, conn.apiKey ?? "", conn.apiSecret ?? "", conn.secretKey ?? ""].join("\n");
    return createHmac("sha256", key).update(text).digest("hex").slice(0, length);
}
