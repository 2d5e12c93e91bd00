/**
 * The provider process's entry point, loaded by module name (`pulumi-tenant-users/runtime`) by the
 * `__provider` text of each resource (`../resources/providers.ts`): `tenantUser` and
 * `tenantUserRoster` are the provider objects the launcher calls. Nothing here runs in the program.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { configureFrom } from "./connections";
import * as roster from "./roster-controller";
import * as user from "./user-controller";

export async function configure(req: dynamic.ConfigureRequest): Promise<void> {
    configureFrom(req.config);
}

export const tenantUser = {
    configure,
    check: user.check,
    diff: user.diff,
    create: user.create,
    update: user.update,
    delete: user.forget,
} satisfies dynamic.ResourceProvider;

export const tenantUserRoster = {
    configure,
    check: roster.check,
    diff: roster.diff,
    create: roster.create,
    update: roster.update,
    delete: roster.forget,
} satisfies dynamic.ResourceProvider;
