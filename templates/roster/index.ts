/**
 * The users of one SaaS tenant, declared: every row of users.csv is a user of the tenant this
 * stack's config names (`tenant-users:dialect`, `tenant-users:baseUrl`, credentials as secrets).
 * Add rows and run `pulumi up`: only the new ones are sent. Removing a row forgets the user; the
 * vendor keeps it (the APIs have no delete).
 */
import * as pulumi from "@pulumi/pulumi";
import { readUsersCsv, TenantUserRoster } from "pulumi-tenant-users";

const config = new pulumi.Config();

const users = new TenantUserRoster("users", {
    users: readUsersCsv(config.get("usersFile") ?? "users.csv"),
    // A row without a usable email is listed in `invalid` instead of stopping the preview.
    onInvalid: "report",
});

export const summary = users.summary;
export const createdCount = users.createdCount;
export const adoptedCount = users.adoptedCount;
// Rows the vendor refused (retried on the next up) and rows that never reached it: secrets, as emails are personal data.
export const failed = users.failed;
export const invalid = users.invalid;
