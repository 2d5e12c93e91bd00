import type { HttpClient } from "../http/client";
import { TenantsApiClient } from "./tenants-api";
import type { Connection } from "./types";

/**
 * Geldstuck (seed 001): the tenants API without a phone. Geldstuck ignores
 * unknown fields, so a phone is never sent (the schema refuses one earlier).
 */
export class GeldstuckClient extends TenantsApiClient {
  constructor(conn: Connection, http: HttpClient) {
    super("geldstuck", ["email", "name"], conn, http);
  }
}
