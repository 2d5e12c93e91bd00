/**
 * Nightly CRM sync: every contact of a CRM export becomes a Geldstuck user.
 *
 * The vendor's recipe for this job is a script: read the export, de-duplicate, cut it into
 * chunks, POST each chunk, sleep and retry on 429, log `failed[]`. Declared as a roster, the
 * same job is a few lines, and each night's `pulumi up` sends only the contacts that are new.
 */
import * as pulumi from "@pulumi/pulumi";
import { readUsersCsv, TenantUserRoster } from "pulumi-tenant-users";

const config = new pulumi.Config("crm");

// "Email Address" and "Full Name" are recognised; Geldstuck stores no phone, so that column is ignored.
const contacts = readUsersCsv(config.get("exportFile") ?? "crm-export.csv", { columns: { phone: null } });

const crm = new TenantUserRoster("crm", {
    users: contacts, // identical duplicate rows merge; conflicting ones fail the preview
    chunkSize: config.getNumber("chunkSize") ?? 1000,
    onInvalid: "report", // a contact without a usable email is listed, not fatal
});

export const userCount = crm.userCount;
export const createdCount = crm.createdCount;
// Rows Geldstuck refused (retried next night) and rows left out as invalid; secret, as they hold emails.
export const failed = crm.failed;
export const invalid = crm.invalid;
