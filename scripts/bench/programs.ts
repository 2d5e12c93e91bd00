/**
 * The Pulumi programs the benchmarks run. Each reads its users from `users.json` beside it, so a
 * sample can change the set between operations without touching the program.
 */

/** The CLI floor: a TypeScript program that declares nothing. */
export const EMPTY_PROGRAM = `export {};
`;

/** One roster of every user in users.json. */
export const ROSTER_PROGRAM = `
import * as fs from "node:fs";
import { TenantUserRoster } from "pulumi-tenant-users";

const users = JSON.parse(fs.readFileSync("users.json", "utf8"));
const roster = new TenantUserRoster("crm", { users });
export const userCount = roster.userCount;
`;

/** One TenantUser per user (the batched provider of this package). */
export const TENANT_USERS_PROGRAM = `
import * as fs from "node:fs";
import { TenantUser } from "pulumi-tenant-users";

const users: { email: string; name: string; phone?: string }[] = JSON.parse(fs.readFileSync("users.json", "utf8"));
for (const u of users) new TenantUser(u.email, u);
`;

/**
 * The naive alternative a user would write: a dynamic provider whose create sends one add-user per
 * resource (no batching), the connection read from the environment of the provider process.
 */
export const UNBATCHED_PROGRAM = `
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";

const addUser: pulumi.dynamic.ResourceProvider = {
    async create(inputs: any) {
        const env = process.env;
        let res: Response;
        // A rate-limited answer (429) is retried after its Retry-After, as any working client must.
        for (;;) {
            res = await fetch(env.BENCH_BASE_URL + "/v1/tenants/add-user", {
                method: "POST",
                headers: {
                    "content-type": "application/json",
                    "x-api-key": env.BENCH_API_KEY as string,
                    "x-api-secret": env.BENCH_API_SECRET as string,
                },
                body: JSON.stringify({ email: inputs.email, name: inputs.name, phone: inputs.phone }),
            });
            if (res.status !== 429) break;
            await res.arrayBuffer();
            await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get("retry-after") ?? "1")));
        }
        const body: any = await res.json();
        if (res.status !== 200 && res.status !== 201) throw new Error("add-user " + inputs.email + ": " + res.status + " " + JSON.stringify(body));
        // No undefined values in outs: the provider's answer cannot carry them (Geldstuck users have no phone).
        const outs: Record<string, unknown> = { email: inputs.email, name: inputs.name, userId: body.id };
        if (inputs.phone !== undefined) outs.phone = inputs.phone;
        return { id: body.id, outs };
    },
};

class NaiveUser extends pulumi.dynamic.Resource {
    constructor(name: string, args: { email: string; name: string; phone?: string }) {
        super(addUser, name, { ...args, userId: undefined }, {});
    }
}

const users: { email: string; name: string; phone?: string }[] = JSON.parse(fs.readFileSync("users.json", "utf8"));
for (const u of users) new NaiveUser(u.email, u);
`;

/** \`@pulumi/command\` running curl per user, credentials from the provider's environment; curl retries a 429 itself (after its Retry-After). */
export const COMMAND_CURL_PROGRAM = `
import * as fs from "node:fs";
import * as command from "@pulumi/command";

const users: { email: string; name: string; phone?: string }[] = JSON.parse(fs.readFileSync("users.json", "utf8"));
for (const u of users) {
    const body = JSON.stringify({ email: u.email, name: u.name, phone: u.phone }).replace(/'/g, "'\\\\''");
    new command.local.Command(u.email, {
        create: "curl -sS --fail-with-body --retry 1000 --retry-max-time 1800 -X POST \\"$BENCH_BASE_URL/v1/tenants/add-user\\"" +
            " -H 'content-type: application/json' -H \\"x-api-key: $BENCH_API_KEY\\" -H \\"x-api-secret: $BENCH_API_SECRET\\"" +
            " -d '" + body + "'",
    });
}
`;

/** The floor of any dynamic provider: one resource whose create does nothing (Pulumi's dynamic-provider process start). */
export const NOOP_DYNAMIC_PROGRAM = `
import * as pulumi from "@pulumi/pulumi";

const noop: pulumi.dynamic.ResourceProvider = {
    async create() {
        return { id: "noop", outs: {} };
    },
};
new pulumi.dynamic.Resource(noop, "noop", {}, {});
`;
