import * as pulumi from "@pulumi/pulumi";
import { assertCredentialsAreSecret } from "./credentials";
import { TenantUsersDynamicResource } from "./dynamic-resource";

/** The arguments of a {@link TenantUser}. */
export interface TenantUserArgs {
    /**
     * The user's email: the key the vendor knows the user by. Trimmed and lower-cased.
     * Changing it replaces the resource: a new user is added, the old one is forgotten (the vendor keeps it).
     * @default required
     * @example email: "ada@example.com"
     */
    email: pulumi.Input<string>;
    /**
     * Display name, 1 to 200 characters.
     * The APIs cannot update a user: a change is reported at preview and not applied.
     * @default none (the vendor stores no name)
     * @example name: "Ada Lovelace"
     */
    name?: pulumi.Input<string>;
    /**
     * Phone number in E.164 form. Zquence only: on another dialect it is an error, not silently dropped.
     * A change is reported at preview and not applied.
     * @default none
     * @example phone: "+14155552671"
     */
    phone?: pulumi.Input<string>;
    /**
     * ISO 3166-1 alpha-2 country code, upper-cased. projects API only.
     * A change is reported at preview and not applied.
     * @default none
     * @example country: "GB"
     */
    country?: pulumi.Input<string>;
    /**
     * A named connection from `tenant-users:connections` (several tenants in one program).
     * Changing it replaces the resource: the user is added at the other tenant.
     * @default the default connection (`tenant-users:dialect`, `baseUrl` and credentials)
     * @example connection: "acme"
     */
    connection?: pulumi.Input<string>;
}

/**
 * One user of a SaaS tenant (Zquence, Geldstuck or the projects API).
 *
 * ```ts
 * import { TenantUser } from "pulumi-tenant-users";
 * const ada = new TenantUser("ada", { email: "ada@example.com", name: "Ada Lovelace" });
 * export const adaStatus = ada.status; // "created", or "adopted" if the vendor already had her
 * ```
 *
 * - Creates of many `TenantUser`s run concurrently (up to `pulumi up --parallel`) and are coalesced
 *   into bulk calls: use a high `--parallel` for many users, and {@link TenantUserRoster} beyond a
 *   few hundred (each resource costs the engine about 85 ms and 1.9 KB of state at 1,000 resources).
 * - A user the vendor already holds is adopted, never an error. `pulumi import` is not supported for
 *   dynamic resources; adoption at create is the way to bring existing users in.
 * - The APIs have no read, update or delete: refresh keeps state as is, a changed name/phone/country
 *   is reported at preview and not applied, and destroy forgets the user while the vendor keeps it.
 * - Credentials come from stack config secrets (see the README), never from these arguments.
 */
export class TenantUser extends TenantUsersDynamicResource {
    /** The normalized email; also the resource id. */
    declare public readonly email: pulumi.Output<string>;
    /** The name as the vendor holds it (an adopted user keeps the vendor's). */
    declare public readonly name: pulumi.Output<string | undefined>;
    declare public readonly phone: pulumi.Output<string | undefined>;
    declare public readonly country: pulumi.Output<string | undefined>;
    /**
     * `created` by this stack, `adopted` (the vendor had the user before this stack asked), or `present`
     * (there; which of the two cannot be told, e.g. after an answer was lost). `unsettled` appears only
     * in the state of a failed `up` whose answer was lost; the next `up` settles it.
     */
    declare public readonly status: pulumi.Output<"created" | "adopted" | "present" | "unsettled">;
    /** The vendor's user id, where the API returns one. */
    declare public readonly userId: pulumi.Output<string | undefined>;
    /** The connection's name (`default` unless one was named). */
    declare public readonly connection: pulumi.Output<string>;
    /** `zquence`, `geldstuck` or `projects`. */
    declare public readonly dialect: pulumi.Output<string>;
    /**
     * Where the users were added, without revealing a credential: dialect, TEST/LIVE mode (projects),
     * API origin and a fingerprint of the keys, e.g. `projects TEST https://api.example.com · keys 3f9a0c1b2d4e`.
     * A change under the same connection name replaces the resource; a move from TEST to LIVE fails
     * preview until accepted with `tenant-users:acceptLiveTarget`.
     */
    declare public readonly target: pulumi.Output<string>;

    constructor(name: string, args: TenantUserArgs, opts?: pulumi.CustomResourceOptions) {
        assertCredentialsAreSecret();
        // Personal data: secret in state (inputs, and outputs under the same keys), `[secret]` in previews.
        const personal = Object.fromEntries(
            (["email", "name", "phone", "country"] as const).filter((k) => args[k] !== undefined).map((k) => [k, pulumi.secret(args[k])]),
        );
        super(
            "TenantUser",
            name,
            {
                ...args,
                ...personal,
                // Stable per stack and resource: the single create's Idempotency-Key derives from it.
                idempotencyScope: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
                status: undefined,
                userId: undefined,
                dialect: undefined,
                target: undefined,
            },
            { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "email", "name", "phone", "country"] },
        );
    }
}
