import type { VendorDescriptor } from "./vendor";

/** Zquence (seed 000): the tenants API with a phone number. */
export const zquence: VendorDescriptor<"zquence"> = {
    name: "zquence",
    fields: ["email", "name", "phone"],
    credentials: { apiKey: "ZQUENCE_PUBLIC_KEY", apiSecret: "ZQUENCE_SECRET_KEY" },
    defaultBaseUrl: "https://api.zquence.com",
    maxBatch: 10_000,
    bulkNamesEachOutcome: false,
    authHint: "check the API key and API secret configured for this Zquence tenant",
    refusalFields: { email_invalid: "email", phone_invalid: "phone", name_invalid: "name" },
    createClient(conn, http) {
        const { TenantsApiClient } = require("./tenants-api") as typeof import("./tenants-api");
        return new TenantsApiClient(zquence, conn, http);
    },
};
