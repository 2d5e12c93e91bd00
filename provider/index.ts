/**
 * pulumi-tenant-users: declare the users of a SaaS tenant as Pulumi resources.
 * This entry point is loaded by Pulumi programs; it never loads the provider-side runtime.
 */
export { TenantUser, TenantUserArgs } from "./resources/tenant-user";
export { TenantUserRoster, TenantUserRosterArgs, RosterUser } from "./resources/roster";
export { readUsersCsv, parseUsersCsv } from "./schema/csv";
export { verifyInviteWebhook, InviteWebhook, InviteWebhookError, ReplayStore } from "./webhooks";
export * from "./errors";
export type { Dialect } from "./schema";
