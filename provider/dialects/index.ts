import { AuthenticationError, ValidationError } from "../errors";
import { sharedHttpClient } from "../http/client";
import type { HttpClient } from "../http/client";
import { missingCredentials, vendorOf } from "./registry";
import type { Connection, DialectClient, UserOutcome } from "./types";

export type { Connection, DialectClient, OutcomeKind, UserOutcome } from "./types";
export { mapTenantsResponse, TenantsApiClient, ADD_USER, ADD_USER_BULK } from "./tenants-api";
export { mapProjectsResponse, ProjectsClient, USERS_PATH } from "./projects-api";
export { CREDENTIAL_KEYS, DIALECT_FIELDS, DIALECTS, missingCredentials, VENDORS, vendorOf } from "./registry";
export type { CredentialKey, Dialect, UserField, VendorDescriptor } from "./registry";
export type { MapContext } from "./shared";

/**
 * The client for a connection's dialect. Without `http`, it shares the
 * process-wide keep-alive pool of `conn.baseUrl`. Missing credentials fail
 * here, before any request, naming what is missing (never its value).
 */
export function createDialectClient(conn: Connection, http?: HttpClient): DialectClient {
    const vendor = vendorOf(conn.dialect);
    const absent = missingCredentials(conn);
    if (absent.length > 0) {
        throw new AuthenticationError({
            message: `${conn.dialect} needs ${absent.join(" and ")} in its connection settings`,
            dialect: conn.dialect,
        });
    }
    return vendor.createClient(conn, http ?? sharedHttpClient(conn.baseUrl));
}

/** The ValidationError a caller throws for a `failed` outcome (the vendor refused that user). */
export function failedOutcomeError(outcome: UserOutcome, dialect: Connection["dialect"], row?: number): ValidationError {
    const code = outcome.error?.code ?? "failed";
    const why = outcome.error?.message ?? `${dialect} refused the user`;
    const blamed = vendorOf(dialect).refusalFields;
    return new ValidationError({
        message: `${outcome.email}: ${why} (${code})`,
        field: Object.hasOwn(blamed, code) ? blamed[code]! : "user",
        dialect,
        vendorCode: code,
        ...(row === undefined ? {} : { row }),
    });
}
