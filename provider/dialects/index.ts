import { AuthenticationError, ValidationError } from "../errors";
import { sharedHttpClient } from "../http/client";
import type { HttpClient } from "../http/client";
import { GeldstuckClient } from "./geldstuck";
import { ProjectsClient } from "./projects-api";
import { ZquenceClient } from "./zquence";
import type { Connection, DialectClient, UserOutcome } from "./types";

export type { Connection, DialectClient, OutcomeKind, UserOutcome } from "./types";
export { mapTenantsResponse, TenantsApiClient, ADD_USER, ADD_USER_BULK } from "./tenants-api";
export { mapProjectsResponse, ProjectsClient, USERS_PATH } from "./projects-api";
export { ZquenceClient } from "./zquence";
export { GeldstuckClient } from "./geldstuck";
export type { MapContext } from "./shared";

/**
 * The client for a connection's dialect. Without `http`, it shares the
 * process-wide keep-alive pool of `conn.baseUrl`. Missing credentials fail
 * here, before any request, naming what is missing (never its value).
 */
export function createDialectClient(conn: Connection, http?: HttpClient): DialectClient {
  const missing = (names: (keyof Connection)[]) => names.filter((n) => !conn[n]);
  const need = (names: (keyof Connection)[]) => {
    const absent = missing(names);
    if (absent.length > 0) {
      throw new AuthenticationError({ message: `${conn.dialect} needs ${absent.join(" and ")} in its connection settings`, dialect: conn.dialect });
    }
  };
  switch (conn.dialect) {
    case "zquence":
      need(["apiKey", "apiSecret"]);
      return new ZquenceClient(conn, http ?? sharedHttpClient(conn.baseUrl));
    case "geldstuck":
      need(["apiKey", "apiSecret"]);
      return new GeldstuckClient(conn, http ?? sharedHttpClient(conn.baseUrl));
    case "projects":
      need(["secretKey"]);
      return new ProjectsClient(conn, http ?? sharedHttpClient(conn.baseUrl));
    default:
      throw new RangeError(`unknown dialect ${JSON.stringify((conn as { dialect: unknown }).dialect)}; use zquence, geldstuck or projects`);
  }
}

// Vendor refusal codes of the three dialects, by the field they blame.
const FIELD_OF_CODE: Readonly<Record<string, string>> = {
  email_invalid: "email", invalid_email: "email", missing_email: "email", duplicate_in_request: "email",
  phone_invalid: "phone", name_invalid: "name", invalid_name: "name", invalid_country: "country",
};

/** The ValidationError a caller throws for a `failed` outcome (the vendor refused that user). */
export function failedOutcomeError(outcome: UserOutcome, dialect: Connection["dialect"], row?: number): ValidationError {
  const code = outcome.error?.code ?? "failed";
  const why = outcome.error?.message ?? `${dialect} refused the user`;
  return new ValidationError({
    message: `${outcome.email}: ${why} (${code})`,
    field: FIELD_OF_CODE[code] ?? "user",
    dialect,
    vendorCode: code,
    ...(row === undefined ? {} : { row }),
  });
}
