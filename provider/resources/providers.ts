/**
 * The dynamic providers as Pulumi serializes them into every resource's state (`__provider`).
 * Each method loads the real implementation by module name when the provider process calls it,
 * so the serialized text is a few hundred bytes, captures no live object and no secret, and stays
 * the same across versions of this package (a changed text would mark every resource as changed).
 * Keep these bodies exactly as they are. `read` is left out on purpose: without it the launcher
 * returns the recorded state unchanged, which is what refresh must do with no read endpoint
 * (and each serialized method costs ~300 bytes of every resource's state).
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";

/* eslint-disable @typescript-eslint/no-require-imports */
export const tenantUserProvider: dynamic.ResourceProvider = {
    configure: (req) => require("pulumi-tenant-users/runtime").configure(req),
    check: (olds, news) => require("pulumi-tenant-users/runtime").tenantUser.check(olds, news),
    diff: (id, olds, news) => require("pulumi-tenant-users/runtime").tenantUser.diff(id, olds, news),
    create: (inputs) => require("pulumi-tenant-users/runtime").tenantUser.create(inputs),
    update: (id, olds, news) => require("pulumi-tenant-users/runtime").tenantUser.update(id, olds, news),
    delete: (id, props) => require("pulumi-tenant-users/runtime").tenantUser.delete(id, props),
};

export const tenantUserRosterProvider: dynamic.ResourceProvider = {
    configure: (req) => require("pulumi-tenant-users/runtime").configure(req),
    check: (olds, news) => require("pulumi-tenant-users/runtime").tenantUserRoster.check(olds, news),
    diff: (id, olds, news) => require("pulumi-tenant-users/runtime").tenantUserRoster.diff(id, olds, news),
    create: (inputs) => require("pulumi-tenant-users/runtime").tenantUserRoster.create(inputs),
    update: (id, olds, news) => require("pulumi-tenant-users/runtime").tenantUserRoster.update(id, olds, news),
    delete: (id, props) => require("pulumi-tenant-users/runtime").tenantUserRoster.delete(id, props),
};
