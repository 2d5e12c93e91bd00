import * as pulumi from "@pulumi/pulumi";
import { type DeclaredRows, pack } from "../roster-codec";
import { assertCredentialsAreSecret } from "./credentials";
import { TenantUsersDynamicResource } from "./dynamic-resource";

/** One row of a roster: the same fields as a {@link TenantUser}. */
export interface RosterUser {
    email: string;
    name?: string;
    phone?: string;
    country?: string;
}

/** The arguments of a {@link TenantUserRoster}. */
export interface TenantUserRosterArgs {
    /**
     * The users, keyed by normalized email. Rows with the same email merge when identical and fail
     * when they conflict (both row numbers are named). Stored encrypted in state (emails are personal data).
     * @default required
     * @example users: [{ email: "ada@example.com", name: "Ada" }]
     */
    users: pulumi.Input<RosterUser[]>;
    /**
     * Users per bulk call.
     * @default 1000 (the vendors' advice), never above the dialect's limit (10,000; projects 1,000)
     * @example chunkSize: 500
     */
    chunkSize?: pulumi.Input<number>;
    /**
     * Bulk calls in flight at once, 1 to 16.
     * @default 2
     * @example concurrency: 4
     */
    concurrency?: pulumi.Input<number>;
    /**
     * `"fail"` stops at preview listing every invalid row; `"report"` leaves invalid rows out, lists them
     * in the `invalid` output and in a preview message, and goes on with the rest.
     * @default "fail"
     * @example onInvalid: "report"
     */
    onInvalid?: pulumi.Input<"fail" | "report">;
    /**
     * A named connection from `tenant-users:connections`. Changing it replaces the roster: every user is
     * sent to the other tenant, and the old tenant keeps its users.
     * @default the default connection
     * @example connection: "acme"
     */
    connection?: pulumi.Input<string>;
}

/**
 * Thousands of tenant users in one resource: the vendors' nightly bulk job, declared.
 *
 * ```ts
 * import { TenantUserRoster, readUsersCsv } from "pulumi-tenant-users";
 * const crm = new TenantUserRoster("crm", { users: readUsersCsv("crm-export.csv") });
 * export const created = crm.createdCount;
 * ```
 *
 * A CRM export as it comes: `readUsersCsv` recognises HubSpot, Salesforce and Pipedrive headers,
 * writes phones in E.164 (national numbers placed by the row's country, else `defaultCountry`) and
 * countries as ISO alpha-2; a row it cannot fix (no email, unknown country) is reported with its CSV line.
 * Zquence stores no country and projects no phone, so keep only the fields the vendor holds:
 * ```ts
 * const contacts = readUsersCsv("hubspot-export.csv", { defaultCountry: "US", fields: ["email", "name", "phone"] });
 * new TenantUserRoster("contacts", { users: contacts, onInvalid: "report" }); // invalid: "row 5 (hubspot-export.csv line 6): email is required"
 * ```
 *
 * - `pulumi preview` names the users to add or forget in a few lines, however large the roster
 *   (the `users` input itself shows as one `[secret]` line, and `summary` as one `old => new` line).
 * - `pulumi up` sends only the users not yet recorded, in chunks with bounded concurrency, retrying
 *   429s, 5xx and dropped connections; users the vendor already holds are adopted.
 * - If a chunk fails for good, what was sent is recorded and the step fails; the next `up` sends the rest.
 * - Removed users are forgotten, not deleted (the APIs have no delete); changed fields are reported, not applied.
 */
export class TenantUserRoster extends TenantUsersDynamicResource {
    /** `N users · fingerprint` of the users recorded in state. */
    declare public readonly summary: pulumi.Output<string>;
    declare public readonly userCount: pulumi.Output<number>;
    /** Users this stack created (over all runs). */
    declare public readonly createdCount: pulumi.Output<number>;
    /** Users the vendor already had (over all runs). */
    declare public readonly adoptedCount: pulumi.Output<number>;
    /** Users that exist but whose origin the API could not tell (Zquence/Geldstuck bulk answers give counts only). */
    declare public readonly presentCount: pulumi.Output<number>;
    /**
     * Emails created by the last `up` that sent anything (plus, after a failed run, what that run created):
     * the trigger for downstream automation. Secret.
     */
    declare public readonly createdEmails: pulumi.Output<string[]>;
    /**
     * Emails recorded `present` by the last `up` that sent anything: the vendor holds them and cannot
     * say whether this stack created them (an answer lost after the vendor may have committed, or a
     * Zquence/Geldstuck bulk answer that only counts). A welcome hook decides what to do with them. Secret.
     */
    declare public readonly uncertainEmails: pulumi.Output<string[]>;
    /** Rows the vendor rejected in the last run, `{ email, error }`; retried on the next `up`. Secret. */
    declare public readonly failed: pulumi.Output<{ email: string; error: string }[]>;
    /** Rows left out with `onInvalid: "report"`, `{ row, email, field, reason }`. Secret. */
    declare public readonly invalid: pulumi.Output<{ row: number; email?: string; field: string; reason: string }[]>;
    declare public readonly connection: pulumi.Output<string>;
    declare public readonly dialect: pulumi.Output<string>;
    /**
     * Where the users were added, without revealing a credential: dialect, TEST/LIVE mode (projects),
     * API origin and a fingerprint of the keys, e.g. `projects TEST https://api.example.com · keys 3f9a0c1b2d4e`.
     * A change under the same connection name replaces the resource; a move from TEST to LIVE fails
     * preview until accepted with `tenant-users:acceptLiveTarget`.
     */
    declare public readonly target: pulumi.Output<string>;

    constructor(name: string, args: TenantUserRosterArgs, opts?: pulumi.CustomResourceOptions) {
        assertCredentialsAreSecret();
        const rows = pulumi.output(args.users);
        super(
            "TenantUserRoster",
            name,
            {
                users: pulumi.secret(rows.apply((r) => pack<DeclaredRows>({ rows: r }))),
                // Set by the provider's check, from the checked users (one formula for declared and recorded).
                summary: undefined,
                label: name,
                chunkSize: args.chunkSize,
                concurrency: args.concurrency,
                onInvalid: args.onInvalid,
                connection: args.connection,
                userCount: undefined,
                createdCount: undefined,
                adoptedCount: undefined,
                presentCount: undefined,
                createdEmails: undefined,
                uncertainEmails: undefined,
                failed: undefined,
                invalid: undefined,
                dialect: undefined,
                target: undefined,
            },
            {
                ...opts,
                additionalSecretOutputs: [
                    ...(opts?.additionalSecretOutputs ?? []),
                    "createdEmails",
                    "uncertainEmails",
                    "failed",
                    "invalid",
                ],
            },
        );
    }
}
