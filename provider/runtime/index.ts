/**
 * The provider process's entry point, loaded by module name (`pulumi-tenant-users/runtime`) by the
 * `__provider` text of each resource (`../resources/dynamic-resource.ts`): `tenantUser` and
 * `tenantUserRoster` are the provider objects the launcher calls. Nothing here runs in the program.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { configureFrom } from "./connections";
import { scrubEmails, withoutEmails } from "./log";
import * as roster from "./roster-controller";
import * as user from "./user-controller";

export async function configure(req: dynamic.ConfigureRequest): Promise<void> {
    configureFrom(req.config);
}

/**
 * Every error a provider method throws leaves through here, with `tenant-users:logEmails` applied
 * to its message and its stack (the launcher prints `error.stack`): whatever built the message, it
 * cannot reveal more than the setting allows. Partial-state `reasons` lose every email whatever the
 * setting: the engine keeps them in state as the resource's `initErrors`, in plain text.
 */
function scrubbingErrors<A extends unknown[], R>(method: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args: A) => {
        try {
            return await method(...args);
        } catch (error) {
            if (error instanceof Error) {
                error.message = scrubEmails(error.message);
                if (error.stack) error.stack = scrubEmails(error.stack);
                const withReasons = error as Error & { reasons?: unknown };
                if (Array.isArray(withReasons.reasons)) withReasons.reasons = withReasons.reasons.map((r) => withoutEmails(String(r)));
            }
            throw error;
        }
    };
}

export const tenantUser = {
    configure,
    check: scrubbingErrors(user.check),
    diff: scrubbingErrors(user.diff),
    create: scrubbingErrors(user.create),
    update: scrubbingErrors(user.update),
    delete: scrubbingErrors(user.forget),
} satisfies dynamic.ResourceProvider;

export const tenantUserRoster = {
    configure,
    check: scrubbingErrors(roster.check),
    diff: scrubbingErrors(roster.diff),
    create: scrubbingErrors(roster.create),
    update: scrubbingErrors(roster.update),
    delete: scrubbingErrors(roster.forget),
} satisfies dynamic.ResourceProvider;
