import type { VendorDescriptor } from "./vendor";

/**
 * Geldstuck (seed 001): the tenants API without a phone. Geldstuck ignores unknown fields, so a
 * phone is never sent (the schema refuses one earlier).
 */
export const geldstuck: VendorDescriptor<"geldstuck"> = {
    name: "geldstuck",
    fields: ["email", "name"],
    credentials: { apiKey: "GELDSTUCK_PUBLIC_KEY", apiSecret: "GELDSTUCK_SECRET_KEY" },
    defaultBaseUrl: "https://api.geldstuck.com",
    maxBatch: 10_000,
    bulkNamesEachOutcome: false,
    authHint: "check the API key and API secret configured for this Geldstuck tenant",
    refusalFields: { email_invalid: "email", name_invalid: "name" },
    createClient(conn, http) {
        const { TenantsApiClient } = require("./tenants-api") as typeof import("./tenants-api");
        return new TenantsApiClient(geldstuck, conn, http);
    },
};
