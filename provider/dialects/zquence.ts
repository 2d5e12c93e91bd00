import type { HttpClient } from "../http/client";
import { TenantsApiClient } from "./tenants-api";
import type { Connection } from "./types";

/** Zquence (seed 000): the tenants API with a phone number. */
export class ZquenceClient extends TenantsApiClient {
  constructor(conn: Connection, http: HttpClient) {
    super("zquence", ["email", "name", "phone"], conn, http);
  }
}
