import type { VendorDescriptor } from "./vendor";

/**
 * The projects user API (seed 002): bulk only, one TEST or LIVE secret key. The seed names no
 * host, so `baseUrl` is required.
 */
export const projects: VendorDescriptor<"projects"> = {
    name: "projects",
    fields: ["email", "name", "country"],
    credentials: { secretKey: "PROJECTS_SECRET_KEY" },
    maxBatch: 1_000,
    bulkNamesEachOutcome: true,
    authHint: "check the secret key (sk_test_… writes TEST, sk_live_… writes LIVE)",
    refusalFields: {
        invalid_email: "email",
        missing_email: "email",
        duplicate_in_request: "email",
        invalid_name: "name",
        invalid_country: "country",
    },
    // The key is the mode: `sk_test_…` writes TEST; anything else is treated as LIVE, the safe side.
    modeOf: (conn) => (conn.secretKey?.startsWith("sk_test_") ? "TEST" : "LIVE"),
    createClient(conn, http) {
        const { ProjectsClient } = require("./projects-api") as typeof import("./projects-api");
        return new ProjectsClient(projects, conn, http);
    },
};
