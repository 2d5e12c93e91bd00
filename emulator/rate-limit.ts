/**
 * A token bucket per API key: `burst` tokens, refilled at `requestsPerSecond`.
 * Headers follow draft-ietf-httpapi-ratelimit-headers:
 *   RateLimit-Policy: "default";q=<burst>;w=<seconds to refill the bucket>
 *   RateLimit: "default";r=<tokens left>;t=<seconds until full, or until the next token on a 429>
 */
import type { RateLimitSettings } from "./types";

interface Bucket {
    tokens: number;
    updatedAt: number;
    /** The settings the bucket was filled under; a change starts a fresh bucket. */
    signature: string;
}

export interface RateDecision {
    allowed: boolean;
    headers: Record<string, string>;
    /** Seconds until one token is available (only when refused). */
    retryAfterSeconds?: number;
}

/** Formats a Retry-After value: delta-seconds, or an IMF-fixdate that many seconds from `now`. */
export function retryAfterValue(seconds: number, form: "seconds" | "date", now: number): string {
    if (form === "seconds") return String(seconds);
    return new Date(Math.ceil((now + seconds * 1000) / 1000) * 1000).toUTCString();
}

export class RateLimiter {
    private readonly buckets = new Map<string, Bucket>();

    /** Takes one token from `key`'s bucket if it has one. */
    take(key: string, settings: Required<RateLimitSettings>, now: number): RateDecision {
        const { requestsPerSecond: rps, burst } = settings;
        const signature = `${rps}/${burst}`;
        let bucket = this.buckets.get(key);
        if (bucket === undefined || bucket.signature !== signature) {
            bucket = { tokens: burst, updatedAt: now, signature };
            this.buckets.set(key, bucket);
        }
        const elapsed = Math.max(0, now - bucket.updatedAt) / 1000;
        bucket.tokens = Math.min(burst, bucket.tokens + elapsed * rps);
        bucket.updatedAt = now;
        const policy = `"default";q=${burst};w=${Math.max(1, Math.ceil(burst / rps))}`;
        if (bucket.tokens >= 1) {
            bucket.tokens -= 1;
            const reset = Math.ceil((burst - bucket.tokens) / rps);
            return {
                allowed: true,
                headers: { "ratelimit-policy": policy, ratelimit: `"default";r=${Math.floor(bucket.tokens)};t=${reset}` },
            };
        }
        const wait = Math.max(1, Math.ceil((1 - bucket.tokens) / rps));
        return {
            allowed: false,
            retryAfterSeconds: wait,
            headers: {
                "ratelimit-policy": policy,
                ratelimit: `"default";r=0;t=${wait}`,
                "retry-after": retryAfterValue(wait, settings.retryAfter, now),
            },
        };
    }

    /** Forgets the buckets whose key starts with `prefix` (all when omitted). */
    forget(prefix?: string): void {
        if (prefix === undefined) {
            this.buckets.clear();
            return;
        }
        for (const key of this.buckets.keys()) if (key.startsWith(prefix)) this.buckets.delete(key);
    }
}
