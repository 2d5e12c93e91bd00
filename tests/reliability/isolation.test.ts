/**
 * Tenant isolation: one tenant's keys cannot create or see another's users, a TEST key never
 * writes LIVE, and the emulator's control API refuses tenant keys. Checked at the HTTP level and
 * through the provider's own runtime (named connections, controllers), against one emulator.
 */
import { expect } from "chai";
import { request } from "undici";
import { createDialectClient } from "../../provider/dialects";
import type { Connection, DialectClient } from "../../provider/dialects";
import { AuthenticationError } from "../../provider/errors";
import { HttpClient } from "../../provider/http/client";
import { pack } from "../../provider/roster-codec";
import { tenantUser, tenantUserRoster } from "../../provider/runtime";
import { configureFrom } from "../../provider/runtime/connections";
import { runEmulator } from "../e2e/support";
import { type Emulator, newTenant, type Tenant } from "./tools";

describe("tenant isolation", function () {
    this.timeout(60_000);
    let emu: Emulator;
    let a: Tenant;
    let b: Tenant;
    let g: Tenant;
    let p: Tenant;
    const https: HttpClient[] = [];

    before(async () => {
        emu = await runEmulator();
        a = await newTenant(emu, "zquence");
        b = await newTenant(emu, "zquence");
        g = await newTenant(emu, "geldstuck");
        p = await newTenant(emu, "projects");
    });
    after(async () => {
        for (const h of https) await h.close();
        await emu.close();
    });

    function client(dialect: Connection["dialect"], credentials: Record<string, string>, baseUrl = `${emu.url}/${dialect}`): DialectClient {
        const http = new HttpClient({ baseUrl, maxAttempts: 1 });
        https.push(http);
        return createDialectClient({ dialect, baseUrl, ...credentials } as Connection, http);
    }
    const emails = async (t: Tenant, mode?: "test" | "live") => (await emu.control.users(t.tenantId, mode)).map((u) => u.email);

    describe("between two tenants of one vendor", () => {
        it("creates tenant A's users in A only", async () => {
            await client("zquence", a.credentials).addUsersBulk([{ email: "a1@example.com" }, { email: "a2@example.com" }]);
            expect(await emails(a)).to.have.members(["a1@example.com", "a2@example.com"]);
            expect(await emails(b)).to.deep.equal([]);
        });

        it("does not let A see a user B holds: A's add of B's email creates A's own user", async () => {
            await client("zquence", b.credentials).addUser({ email: "shared@example.com" }, "b-shared");
            const outcome = await client("zquence", a.credentials).addUser({ email: "shared@example.com" }, "a-shared");
            expect(outcome.kind).to.equal("created");
            const [inA, inB] = [
                (await emu.control.users(a.tenantId)).find((u) => u.email === "shared@example.com"),
                (await emu.control.users(b.tenantId)).find((u) => u.email === "shared@example.com"),
            ];
            expect(inA!.id).to.not.equal(inB!.id);
        });

        it("does not replay B's Idempotency-Key answer to A", async () => {
            await client("zquence", b.credentials).addUser({ email: "key@example.com" }, "same-key");
            const outcome = await client("zquence", a.credentials).addUser({ email: "key@example.com" }, "same-key");
            expect(outcome.kind).to.equal("created");
            expect(await emails(a)).to.include("key@example.com");
        });

        it("refuses A's API key with B's secret, writing nothing", async () => {
            const before = (await emails(a)).length + (await emails(b)).length;
            let error: unknown;
            try {
                await client("zquence", { apiKey: a.credentials.apiKey!, apiSecret: b.credentials.apiSecret! }).addUser(
                    { email: "mixed@example.com" },
                    "mixed",
                );
            } catch (err) {
                error = err;
            }
            expect(error).to.be.instanceOf(AuthenticationError);
            expect((await emails(a)).length + (await emails(b)).length).to.equal(before);
        });

        it("refuses Zquence keys on the Geldstuck API and Geldstuck keys on the Zquence API", async () => {
            for (const [dialect, creds] of [
                ["geldstuck", a.credentials],
                ["zquence", g.credentials],
            ] as const) {
                let error: unknown;
                try {
                    await client(dialect, creds).addUsersBulk([{ email: "cross@example.com" }]);
                } catch (err) {
                    error = err;
                }
                expect(error, dialect).to.be.instanceOf(AuthenticationError);
            }
            expect(await emails(g)).to.not.include("cross@example.com");
        });
    });

    describe("between TEST and LIVE of one projects tenant", () => {
        it("writes a TEST key's users to TEST only", async () => {
            await client("projects", { secretKey: p.credentials.secretKey! }).addUsersBulk([
                { email: "t1@example.com" },
                { email: "t2@example.com" },
            ]);
            expect(await emails(p, "test")).to.include.members(["t1@example.com", "t2@example.com"]);
            expect(await emails(p, "live")).to.not.include.members(["t1@example.com"]);
        });

        it("does not let a TEST key see a LIVE user: the same email becomes a TEST user", async () => {
            await emu.control.insertUsers(p.tenantId, [{ email: "live-only@example.com" }], "live");
            const [outcome] = await client("projects", { secretKey: p.credentials.secretKey! }).addUsersBulk([
                { email: "live-only@example.com" },
            ]);
            expect(outcome!.kind).to.equal("created");
            expect((await emu.control.users(p.tenantId, "test")).map((u) => u.mode)).to.not.include("live");
            expect(await emails(p, "test")).to.include("live-only@example.com");
        });

        it("does not let a LIVE key see a TEST user: the same email becomes a LIVE user", async () => {
            await emu.control.insertUsers(p.tenantId, [{ email: "test-only@example.com" }], "test");
            const [outcome] = await client("projects", { secretKey: p.liveSecretKey! }).addUsersBulk([{ email: "test-only@example.com" }]);
            expect(outcome!.kind).to.equal("created");
            const live = (await emu.control.users(p.tenantId, "live")).filter((u) => u.email === "test-only@example.com");
            const test = (await emu.control.users(p.tenantId, "test")).filter((u) => u.email === "test-only@example.com");
            expect(live.map((u) => u.id)).to.deep.equal([outcome!.id]);
            expect(test).to.have.length(1);
            expect(test[0]!.id).to.not.equal(outcome!.id);
        });

        it("writes another projects tenant's users to that tenant only", async () => {
            const other = await newTenant(emu, "projects");
            await client("projects", { secretKey: other.credentials.secretKey! }).addUsersBulk([{ email: "other-t@example.com" }]);
            expect(await emails(p)).to.not.include("other-t@example.com");
            expect(await emails(other, "test")).to.include("other-t@example.com");
        });

        it("refuses a projects key no tenant holds (a tenant's key with one character changed), writing nothing", async () => {
            const key = p.credentials.secretKey!;
            const forged = key.slice(0, -1) + (key.endsWith("0") ? "1" : "0");
            const before = [...(await emails(p, "test")), ...(await emails(p, "live"))];
            const error = await client("projects", { secretKey: forged })
                .addUsersBulk([{ email: "forged@example.com" }])
                .then(
                    (value) => expect.fail(`resolved with ${JSON.stringify(value)}`),
                    (err: unknown) => err,
                );
            expect(error).to.be.instanceOf(AuthenticationError);
            expect(error).to.include({ status: 401, dialect: "projects" });
            expect([...(await emails(p, "test")), ...(await emails(p, "live"))]).to.deep.equal(before);
        });
    });

    describe("through the provider's runtime with named connections", () => {
        it("sends a roster and a TenantUser each to its own connection's tenant only", async () => {
            const x = await newTenant(emu, "geldstuck");
            const y = await newTenant(emu, "geldstuck");
            configureFrom({
                get: (k: string) =>
                    (
                        ({
                            "tenant-users:batchWindowMs": "1",
                            "tenant-users:connections": JSON.stringify({
                                x: { dialect: "geldstuck", baseUrl: x.baseUrl, ...x.credentials },
                                y: { dialect: "geldstuck", baseUrl: y.baseUrl, ...y.credentials },
                            }),
                        }) as Record<string, string>
                    )[k],
            });
            const roster = await tenantUserRoster.check(
                {},
                {
                    users: pack({ rows: [{ email: "rx1@example.com" }, { email: "rx2@example.com" }] }),
                    summary: "s",
                    label: "x",
                    connection: "x",
                },
            );
            await tenantUserRoster.create(roster.inputs as any);
            const user = await tenantUser.check({}, { email: "uy@example.com", connection: "y", idempotencyScope: "p/s/uy" });
            await tenantUser.create(user.inputs as any);
            expect(await emails(x)).to.have.members(["rx1@example.com", "rx2@example.com"]);
            expect(await emails(y)).to.deep.equal(["uy@example.com"]);
        });
    });

    describe("on the emulator's control API", () => {
        const routes: [string, string, unknown?][] = [
            ["POST", "/_emulator/tenants", { dialect: "zquence" }],
            ["GET", "/_emulator/tenants/{A}"],
            ["GET", "/_emulator/tenants/{A}/users"],
            ["POST", "/_emulator/tenants/{A}/users", { users: [{ email: "ctl@example.com" }] }],
            ["GET", "/_emulator/tenants/{A}/requests"],
            ["PUT", "/_emulator/tenants/{A}/rate-limit", null],
            ["PUT", "/_emulator/tenants/{A}/webhook", { url: "http://127.0.0.1:9/steal" }],
            ["GET", "/_emulator/webhooks"],
            ["POST", "/_emulator/faults", { probabilities: { "500": 1 } }],
            ["GET", "/_emulator/faults"],
            ["DELETE", "/_emulator/faults"],
            ["POST", "/_emulator/reset", {}],
        ];
        const keyHeaders = (): [string, Record<string, string>][] => [
            ["Zquence keys", { "x-api-key": a.credentials.apiKey!, "x-api-secret": a.credentials.apiSecret! }],
            ["Geldstuck keys", { "x-api-key": g.credentials.apiKey!, "x-api-secret": g.credentials.apiSecret! }],
            ["a projects TEST key", { authorization: p.credentials.secretKey! }],
            ["a projects LIVE key as Bearer", { authorization: `Bearer ${p.liveSecretKey!}` }],
        ];

        /** Calls each route with each kind of tenant key; returns the answers that were not 403 control_forbidden. */
        async function callWithTenantKeys(only: (method: string) => boolean = () => true): Promise<string[]> {
            const answers: string[] = [];
            for (const [label, headers] of keyHeaders()) {
                for (const [method, route, body] of routes.filter(([m]) => only(m))) {
                    const res = await request(`${emu.url}${route.replace("{A}", a.tenantId)}`, {
                        method: method as "GET",
                        headers: { ...headers, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
                        body: body === undefined ? undefined : JSON.stringify(body),
                    });
                    const json: any = await res.body.json();
                    if (res.statusCode !== 403 || json?.error?.code !== "control_forbidden")
                        answers.push(`${label} ${method} ${route} → ${res.statusCode} ${JSON.stringify(json)}`);
                }
            }
            return answers;
        }

        it("answers every control route with 403 control_forbidden to every kind of tenant key", async () => {
            expect(await callWithTenantKeys()).to.deep.equal([]);
        });

        it("changes nothing when tenant keys call it: no fault, no reset, no webhook URL, no inserted user", async () => {
            await emu.control.insertUsers(a.tenantId, [{ email: "held-by-a@example.com" }]);
            const held = await emails(a);
            const faults = await emu.control.faults();
            const tenant = await emu.control.tenant(a.tenantId);
            expect(await callWithTenantKeys((method) => method !== "GET")).to.deep.equal([]);
            expect(await emails(a)).to.have.members(held); // no reset, no inserted ctl@example.com
            expect(await emu.control.faults()).to.deep.equal(faults);
            expect(await emu.control.tenant(a.tenantId)).to.deep.equal(tenant); // webhook URL and rate limit as they were
        });

        it("refuses a tenant secret sent as the control token", async () => {
            for (const token of [a.credentials.apiSecret!, p.credentials.secretKey!]) {
                const res = await request(`${emu.url}/_emulator/faults`, { headers: { "x-emulator-control": token } });
                expect(res.statusCode).to.equal(401);
                await res.body.dump();
            }
        });
    });
});
