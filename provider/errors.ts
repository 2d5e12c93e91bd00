import type { Dialect } from "./dialects/registry";

/** Stable codes, one per error class, for programs that branch on `err.code`. */
export type TenantUsersErrorCode =
    | "authentication_failed"
    | "validation_failed"
    | "rate_limited"
    | "conflict"
    | "vendor_error"
    | "connection_failed"
    | "malformed_response";

export interface ErrorDetails {
    message: string;
    status?: number;
    requestId?: string;
    dialect?: Dialect;
    /** Method and path, e.g. `POST /v1/users`: never a base URL or header. */
    endpoint?: string;
    attempts?: number;
    /** The vendor's own error code, e.g. `email_invalid`. */
    vendorCode?: string;
    /** Values scrubbed from the message on top of the known key patterns. */
    secrets?: readonly (string | undefined)[];
    cause?: unknown;
    /**
     * An earlier attempt of the same call may have reached the vendor and its answer was lost, so the
     * call may have been committed whatever this final answer says (a 429 or 409 after a dropped send).
     */
    afterLostAttempt?: boolean;
}

const KEY_PATTERNS: readonly RegExp[] = [
    /\b(?:x-api-key|x-api-secret|authorization|api[_-]?key|api[_-]?secret|secret[_-]?key)\b["']?\s*[:=]\s*["']?(?:Bearer\s+)?[^\s"',;}]+/gi,
    /\bBearer\s+[^\s"',;}]+/gi,
    /\b[a-z]{2}_(?:sk|pk)_[A-Za-z0-9_]+/g,
    /\b(?:sk|pk|rk)_(?:test|live)_[A-Za-z0-9_]+/g,
    /\bwhsec_[A-Za-z0-9+/=_]+/g,
];

/**
 * Removes credentials from text that may echo a request: the exact values
 * we sent, and anything shaped like a vendor key or an auth header.
 */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
    let out = text;
    for (const secret of secrets) {
        // Short values would blank out ordinary words; real keys are long.
        if (secret && secret.length >= 4) out = out.split(secret).join("[redacted]");
    }
    for (const pattern of KEY_PATTERNS) out = out.replace(pattern, "[redacted]");
    return out;
}

function facts(d: ErrorDetails): string {
    const parts = [
        d.dialect && d.endpoint ? `${d.dialect} ${d.endpoint}` : (d.dialect ?? d.endpoint),
        d.status !== undefined ? `HTTP ${d.status}` : undefined,
        d.requestId ? `request ${d.requestId}` : undefined,
        d.attempts !== undefined ? `${d.attempts} attempt${d.attempts === 1 ? "" : "s"}` : undefined,
    ].filter((p): p is string => p !== undefined);
    return parts.length > 0 ? ` [${parts.join(", ")}]` : "";
}

/** Base of every error this package raises; branch on `code` or `instanceof`. */
export abstract class TenantUsersError extends Error {
    abstract override readonly name: string;
    abstract readonly code: TenantUsersErrorCode;
    declare readonly status?: number;
    declare readonly requestId?: string;
    declare readonly dialect?: Dialect;
    declare readonly endpoint?: string;
    declare readonly attempts?: number;
    declare readonly vendorCode?: string;
    /** See {@link ErrorDetails.afterLostAttempt}. */
    declare readonly afterLostAttempt?: boolean;

    constructor(d: ErrorDetails) {
        super(redact(d.message, d.secrets) + facts(d), d.cause === undefined ? undefined : { cause: d.cause });
        // Only keys that carry a value, so logs and JSON show no `undefined`s.
        if (d.status !== undefined) this.status = d.status;
        if (d.requestId !== undefined) this.requestId = d.requestId;
        if (d.dialect !== undefined) this.dialect = d.dialect;
        if (d.endpoint !== undefined) this.endpoint = d.endpoint;
        if (d.attempts !== undefined) this.attempts = d.attempts;
        if (d.vendorCode !== undefined) this.vendorCode = redact(d.vendorCode, d.secrets);
        if (d.afterLostAttempt) this.afterLostAttempt = true;
    }
}

/** Raised when the vendor refuses the credentials (401) or their permissions (403): fix the configured keys. */
export class AuthenticationError extends TenantUsersError {
    override readonly name = "AuthenticationError" as const;
    readonly code = "authentication_failed" as const;
}

/**
 * Raised when a user's data is refused, by the schema at preview or by the
 * vendor (400): fix the named field (and row, a 0-based index, for rosters).
 */
export class ValidationError extends TenantUsersError {
    override readonly name = "ValidationError" as const;
    readonly code = "validation_failed" as const;
    readonly field: string;
    declare readonly row?: number;
    constructor(d: ErrorDetails & { field: string; row?: number }) {
        super(d);
        this.field = d.field;
        if (d.row !== undefined) this.row = d.row;
    }
}

/** Raised when the vendor still answers 429 after every retry: wait `retryAfterMs`, or send fewer requests. */
export class RateLimitError extends TenantUsersError {
    override readonly name = "RateLimitError" as const;
    readonly code = "rate_limited" as const;
    declare readonly retryAfterMs?: number;
    constructor(d: ErrorDetails & { retryAfterMs?: number }) {
        super(d);
        if (d.retryAfterMs !== undefined) this.retryAfterMs = d.retryAfterMs;
    }
}

/**
 * Raised on 409 (a request with the same Idempotency-Key is still running,
 * after every retry) or 422 (the key was reused with another body): run again.
 */
export class ConflictError extends TenantUsersError {
    override readonly name = "ConflictError" as const;
    readonly code = "conflict" as const;
}

/** Raised on a 5xx after every retry, or a 4xx no other class covers: the vendor's code says why. */
export class VendorError extends TenantUsersError {
    override readonly name = "VendorError" as const;
    readonly code = "vendor_error" as const;
}

/** Raised when no answer arrived after every retry (refused, reset, dropped, timed out): check the URL and network. */
export class ConnectionError extends TenantUsersError {
    override readonly name = "ConnectionError" as const;
    readonly code = "connection_failed" as const;
}

/**
 * Raised when an answer cannot be read (an HTML error page, truncated JSON,
 * fields of the wrong type or counts that do not add up): names the endpoint
 * and what was wrong. The request may have taken effect; running again is safe.
 */
export class MalformedResponseError extends TenantUsersError {
    override readonly name = "MalformedResponseError" as const;
    readonly code = "malformed_response" as const;
}
