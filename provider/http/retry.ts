/** How hard to retry. Every field has a default in {@link DEFAULT_RETRY}. */
export interface RetryOptions {
    /** Attempts in all, the first included. @default 10 */
    maxAttempts: number;
    /** First backoff ceiling; doubles each attempt. @default 250 */
    baseDelayMs: number;
    /** Backoff ceiling. @default 15000 */
    maxDelayMs: number;
    /** Longest Retry-After honoured; a longer one ends the retries. @default 60000 */
    maxRetryAfterMs: number;
    /** Clock for Retry-After dates. @default Date.now */
    now: () => number;
    /** Jitter source in [0, 1). @default Math.random */
    random: () => number;
}

export const DEFAULT_RETRY: Readonly<RetryOptions> = {
    maxAttempts: 10,
    baseDelayMs: 250,
    maxDelayMs: 15_000,
    maxRetryAfterMs: 60_000,
    now: () => Date.now(),
    random: () => Math.random(),
};

/** What one attempt ended with: an answer, or a transport failure. */
export type AttemptOutcome =
    | { kind: "response"; status: number; retryAfter?: string; vendorCode?: string }
    | { kind: "network"; code?: string; message: string };

export interface RetryDecision {
    retry: boolean;
    delayMs: number;
    reason: string;
}

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

// Failures that another attempt cannot fix: a bad host name, a bad request
// object, a client we closed ourselves.
const PERMANENT_NETWORK = new Set([
    "ENOTFOUND",
    "ERR_INVALID_URL",
    "ERR_INVALID_ARG_TYPE",
    "ERR_INVALID_ARG_VALUE",
    "UND_ERR_INVALID_ARG",
    "UND_ERR_NOT_SUPPORTED",
    "UND_ERR_CLOSED",
    "UND_ERR_DESTROYED",
]);

// Failures that happen before a byte of the request leaves: a retry after
// one of these cannot duplicate work on the server.
const BEFORE_SEND = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

/** Parses `Retry-After` (delay seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
    if (value === undefined) return undefined;
    const text = value.trim();
    if (text === "") return undefined;
    if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    return Math.max(0, at - now);
}

/** Full-jitter exponential backoff: uniform in [0, min(max, base·2^(attempt-1))). */
export function backoffDelay(attempt: number, opts: Pick<RetryOptions, "baseDelayMs" | "maxDelayMs" | "random">): number {
    const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, attempt - 1));
    return Math.floor(Math.max(0, Math.min(1, opts.random())) * ceiling);
}

export function describeOutcome(outcome: AttemptOutcome): string {
    if (outcome.kind === "network") return `network error ${outcome.code ?? ""}${outcome.code ? " " : ""}(${outcome.message})`;
    return `${outcome.status}${outcome.vendorCode ? ` ${outcome.vendorCode}` : ""}`;
}

/** True when a request that ended this way may have been processed by the server. */
export function mayHaveReachedServer(outcome: AttemptOutcome): boolean {
    if (outcome.kind === "network") return !BEFORE_SEND.has(outcome.code ?? "");
    return outcome.status >= 500;
}

function retryable(outcome: AttemptOutcome): boolean {
    if (outcome.kind === "network") return !PERMANENT_NETWORK.has(outcome.code ?? "");
    if (RETRY_STATUSES.has(outcome.status)) return true;
    // Our own earlier attempt still holds the key: wait for it, then replay.
    return outcome.status === 409 && outcome.vendorCode === "idempotency_key_in_use";
}

/**
 * Decides whether to make another attempt after `attempt` attempts (1 after
 * the first) and how long to wait. Pure: time and randomness come from opts.
 */
export function shouldRetry(outcome: AttemptOutcome, attempt: number, options: Partial<RetryOptions> = {}): RetryDecision {
    const opts = { ...DEFAULT_RETRY, ...options };
    const what = describeOutcome(outcome);
    if (!retryable(outcome)) {
        const why = outcome.kind === "response" && outcome.status < 400 ? "" : ": not retryable";
        return { retry: false, delayMs: 0, reason: `${what}${why}` };
    }
    const retryAfterMs =
        outcome.kind === "response" && outcome.status === 429 ? parseRetryAfter(outcome.retryAfter, opts.now()) : undefined;
    const shown = retryAfterMs === undefined ? what : `${what} (Retry-After ${formatMs(retryAfterMs)})`;
    if (attempt >= opts.maxAttempts) {
        return { retry: false, delayMs: 0, reason: `${shown}: gave up after ${attempt} attempt${attempt === 1 ? "" : "s"}` };
    }
    if (retryAfterMs !== undefined) {
        if (retryAfterMs > opts.maxRetryAfterMs) {
            return { retry: false, delayMs: 0, reason: `${shown}: longer than the ${formatMs(opts.maxRetryAfterMs)} we wait at most` };
        }
        // The server named the wait; backoff on top would only slow us down.
        return { retry: true, delayMs: retryAfterMs, reason: shown };
    }
    return { retry: true, delayMs: backoffDelay(attempt, opts), reason: shown };
}

export function formatMs(ms: number): string {
    return ms % 1000 === 0 ? `${ms / 1000} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}
