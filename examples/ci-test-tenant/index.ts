/**
 * CI test tenant: each CI run seeds the users its end-to-end tests log in as, in the projects
 * API's TEST mode, on a stack of its own (`ci-<run id>`), and destroys that stack at the end.
 *
 * The LIVE key is never touched: an `sk_test_…` key writes TEST, an `sk_live_…` key would write
 * LIVE, and this program refuses anything but a TEST key before any user is declared.
 */
import * as pulumi from "@pulumi/pulumi";
import { type RosterUser, TenantUserRoster } from "pulumi-tenant-users";

// Checked before any resource is declared. The key is only compared here: it is not exported,
// logged, or captured in state. A key left to the PROJECTS_SECRET_KEY variable is refused too.
const secretKey = pulumi.runtime.getConfig("tenant-users:secretKey") ?? "";
if (!secretKey.startsWith("sk_test_")) {
    const what = secretKey.startsWith("sk_live_") ? "a LIVE key (sk_live_…)" : secretKey ? "not a TEST key (sk_test_…)" : "not set";
    throw new pulumi.RunError(
        `tenant-users:secretKey is ${what}. This program seeds TEST mode only and stops ` +
            "before declaring any user: pulumi config set --secret tenant-users:secretKey < sk_test-key-file",
    );
}

const seed = new pulumi.Config("seed");
const personas: RosterUser[] = [
    { email: "qa-admin@example.com", name: "QA Admin", country: "GB" },
    { email: "qa-editor@example.com", name: "QA Editor", country: "FR" },
    { email: "qa-viewer@example.com", name: "QA Viewer", country: "US" },
];
const shoppers: RosterUser[] = Array.from({ length: seed.getNumber("shoppers") ?? 20 }, (_, i) => ({
    email: `shopper${i + 1}@example.com`,
    name: `Shopper ${i + 1}`,
    country: "DE",
}));
const users = [...personas, ...shoppers];

const testUsers = new TenantUserRoster("test-users", { users });

export const stack = pulumi.getStack();
// Emails are personal data: secret in state, read with `pulumi stack output --show-secrets emails`.
export const emails = pulumi.secret(users.map((u) => u.email));
export const seeded = testUsers.userCount;
// A later run against the same TEST data adopts what earlier runs created (the API has no delete).
export const created = testUsers.createdCount;
export const adopted = testUsers.adoptedCount;
