/**
 * Every error the emulator answers with: its HTTP status, its stable `code`
 * and its exact message. Tests assert against these constants, so a message
 * changes in one place only.
 */

export type ErrorCode =
    | "unauthorized"
    | "control_forbidden"
    | "control_host_refused"
    | "not_found"
    | "tenant_not_found"
    | "unsupported_media_type"
    | "body_too_large"
    | "invalid_json"
    | "invalid_request"
    | "body_invalid"
    | "email_invalid"
    | "phone_invalid"
    | "name_invalid"
    | "empty_array"
    | "too_many_users"
    | "missing_body"
    | "invalid_format"
    | "idempotency_key_invalid"
    | "idempotency_key_reuse"
    | "idempotency_key_in_use"
    | "rate_limited"
    | "internal_error"
    | "service_unavailable";

export interface ErrorDef {
    readonly status: number;
    readonly code: ErrorCode;
    readonly message: string;
    readonly param?: string;
}

function def(status: number, code: ErrorCode, message: string, param?: string): ErrorDef {
    return param === undefined ? { status, code, message } : { status, code, message, param };
}

/** The catalogue. Keys name the situation; several situations may share a code. */
export const Errors = {
    unauthorized: def(401, "unauthorized", "Missing or invalid API credentials."),
    controlUnauthorized: def(401, "unauthorized", "Missing or invalid x-emulator-control token."),
    controlForbidden: def(403, "control_forbidden", "Tenant credentials cannot call the control API; send x-emulator-control."),
    controlHostRefused: def(
        403,
        "control_host_refused",
        "The control API of an emulator on loopback answers only requests addressed to loopback (Host: 127.0.0.1, [::1] or localhost).",
    ),
    notFound: def(404, "not_found", "No such route."),
    tenantNotFound: def(404, "tenant_not_found", "No such tenant."),
    unsupportedMediaType: def(415, "unsupported_media_type", "Content-Type must be application/json."),
    bodyTooLarge: def(413, "body_too_large", "Request body exceeds 16 MiB."),
    invalidJson: def(400, "invalid_json", "Request body is not valid JSON."),
    contentLengthMismatch: def(400, "invalid_request", "Content-Length does not match the request body."),
    malformedRequest: def(400, "invalid_request", "The request could not be read."),

    // Zquence and Geldstuck
    bodyNotObject: def(400, "body_invalid", "Request body must be a JSON object describing one user."),
    bodyNotArray: def(400, "body_invalid", "Request body must be a JSON array of users."),
    emailMissing: def(400, "email_invalid", "email is required.", "email"),
    emailInvalid: def(400, "email_invalid", "email is not a valid email address.", "email"),
    nameInvalid: def(400, "name_invalid", "name must be a string of 1 to 200 characters.", "name"),
    phoneInvalid: def(400, "phone_invalid", "phone must be in E.164 format, e.g. +14155552671.", "phone"),
    bulkEmpty: def(400, "empty_array", "The users array must contain at least one user."),
    bulkTooMany: def(400, "too_many_users", "At most 10,000 users per request."),
    idempotencyKeyInvalid: def(400, "idempotency_key_invalid", "Idempotency-Key must be 1 to 255 characters.", "Idempotency-Key"),
    idempotencyKeyReuse: def(422, "idempotency_key_reuse", "This Idempotency-Key was already used with a different request body."),
    idempotencyKeyInUse: def(409, "idempotency_key_in_use", "A request with this Idempotency-Key is still being processed; retry later."),

    // projects
    missingBody: def(400, "missing_body", "Request body is missing or empty."),
    invalidFormat: def(400, "invalid_format", "users is missing or is not an array."),
    emptyArray: def(400, "empty_array", "users must contain at least 1 user."),
    tooManyUsers: def(400, "too_many_users", "users must contain at most 1000 users."),

    // limits and injected faults
    rateLimited: def(429, "rate_limited", "Too many requests; retry after the time given in Retry-After."),
    internalError: def(500, "internal_error", "An unexpected error occurred."),
    serviceUnavailable: def(503, "service_unavailable", "The service is temporarily unavailable."),

    // control API
    invalidControlRequest: def(400, "invalid_request", "The control request is invalid."),
} as const satisfies Record<string, ErrorDef>;

/** Per-row error of a Zquence/Geldstuck bulk, in `failed[].error`. */
export type BulkRowError = "email_invalid" | "phone_invalid" | "name_invalid" | "user_invalid";
export const BulkRowErrors = {
    emailInvalid: "email_invalid",
    phoneInvalid: "phone_invalid",
    nameInvalid: "name_invalid",
    userInvalid: "user_invalid",
} as const satisfies Record<string, BulkRowError>;

/** Per-user reason of a projects issue with `status: "invalid"`. */
export type ProjectsInvalidReason = "invalid_email" | "invalid_country" | "duplicate_in_request" | "missing_email" | "invalid_name";
export const ProjectsReasons = {
    invalidEmail: "invalid_email",
    invalidCountry: "invalid_country",
    duplicateInRequest: "duplicate_in_request",
    missingEmail: "missing_email",
    invalidName: "invalid_name",
} as const satisfies Record<string, ProjectsInvalidReason>;

export interface ErrorBody {
    error: { code: ErrorCode; message: string; request_id: string; param?: string };
}

/** Builds the JSON body every error response carries. */
export function errorBody(def: ErrorDef, requestId: string, message?: string): ErrorBody {
    const error: ErrorBody["error"] = { code: def.code, message: message ?? def.message, request_id: requestId };
    if (def.param !== undefined) error.param = def.param;
    return { error };
}

/** Thrown by handlers; the error handler turns it into `errorBody`. */
export class EmulatorError extends Error {
    override readonly name = "EmulatorError";
    readonly status: number;
    readonly code: ErrorCode;
    readonly def: ErrorDef;
    readonly detail: string | undefined;
    readonly headers: Record<string, string>;

    constructor(def: ErrorDef, opts: { detail?: string; headers?: Record<string, string> } = {}) {
        super(opts.detail ?? def.message);
        this.def = def;
        this.status = def.status;
        this.code = def.code;
        this.detail = opts.detail;
        this.headers = opts.headers ?? {};
    }
}
