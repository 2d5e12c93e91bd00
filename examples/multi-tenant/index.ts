/**
 * Two tenants in one program: Acme on Zquence and Globex on the projects API, each a named
 * connection of `tenant-users:connections` with its own credentials (config secrets).
 * Every resource says which tenant it belongs to with `connection`.
 */
import { TenantUser, TenantUserRoster } from "pulumi-tenant-users";

// Acme (Zquence): a few people, one resource each.
const wile = new TenantUser("acme-wile", {
    connection: "acme",
    email: "wile.e@acme.example",
    name: "Wile E. Coyote",
    phone: "+14155550101",
});
const road = new TenantUser("acme-road", { connection: "acme", email: "road.runner@acme.example", name: "Road Runner" });

// Globex (projects API): the staff list as one roster.
const globex = new TenantUserRoster("globex-staff", {
    connection: "globex",
    users: [
        { email: "hank.scorpio@globex.example", name: "Hank Scorpio", country: "US" },
        { email: "homer@globex.example", name: "Homer Simpson", country: "US" },
        { email: "mindy@globex.example", name: "Mindy Simmons", country: "CA" },
    ],
});

// Someone who works for both: one resource per tenant, the same email.
const patAtAcme = new TenantUser("acme-pat", { connection: "acme", email: "pat@consulting.example", name: "Pat Smith" });
const patAtGlobex = new TenantUser("globex-pat", {
    connection: "globex",
    email: "pat@consulting.example",
    name: "Pat Smith",
    country: "GB",
});

export const acme = { wile: wile.status, road: road.status, pat: patAtAcme.status };
export const globexStaff = globex.userCount;
export const globexPat = patAtGlobex.status;
