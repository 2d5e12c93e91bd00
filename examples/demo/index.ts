/**
 * The demo program (the root Pulumi.yaml points here; `npm run demo` runs it against the emulator).
 * Three TenantUsers on the default connection (Zquence), one of whom the vendor already holds, and a
 * roster on a second, named connection (Geldstuck). `demo:extraUsers` grows the roster.
 */
import * as pulumi from "@pulumi/pulumi";
import { TenantUser, TenantUserRoster } from "pulumi-tenant-users";

const demo = new pulumi.Config("demo");

const ada = new TenantUser("ada", { email: "ada@example.com", name: "Ada Lovelace", phone: "+14155552671" });
// Added to the emulator before the first `up`: the stack adopts her.
const grace = new TenantUser("grace", { email: "grace@example.com", name: "Grace Hopper" });
const alan = new TenantUser("alan", { email: "Alan@Example.com", name: "Alan Turing" });

const staff = Array.from({ length: 25 }, (_, i) => ({ email: `staff${i}@example.com`, name: `Staff ${i}` }));
const extra = Array.from({ length: demo.getNumber("extraUsers") ?? 0 }, (_, i) => ({ email: `new${i}@example.com`, name: `New ${i}` }));
const roster = new TenantUserRoster("staff", { users: [...staff, ...extra], connection: "geldstuck" });

export const statuses = { ada: ada.status, grace: grace.status, alan: alan.status };
export const alanEmail = alan.email;
export const rosterUsers = roster.userCount;
export const rosterCreatedThisRun = roster.createdEmails;
