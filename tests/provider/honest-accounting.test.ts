/**
 * Honest accounting in the provider process, against an in-process emulator: what `status`,
 * the counts and the email lists claim after a lost answer, a partly failed batch, or two
 * resources declaring one person. The CLI path is in tests/e2e/honest-accounting.test.ts.
 */
import { expect } from "chai";
import type { DialectClient, NormalizedUser, UserOutcome } from "../../provider/dialects/types";
import { VendorError } from "../../provider/errors";
import { pack, unpack } from "../../provider/roster-codec";
import { tenantUser, tenantUserRoster } from "../../provider/runtime";
import { flushBatch } from "../../provider/runtime/batch-policy";
import { configureFrom } from "../../provider/runtime/connections";
import { newTenant, type RunningEmulator, runEmulator, type Tenant } from "../e2e/support";
import { warningsOf } from "./warnings";

function configure(t: Tenant, extra: Record<string, string> = {}): void {
    const values: Record<string, string> = { "tenant-users:batchWindowMs": "1", "tenant-users:maxAttempts": "1", ...extra };
    for (const [k, v] of Object.entries(t.config)) values[k] = v.value;
    configureFrom({ get: (k: string) => values[k] });
}

/** Runs a create and returns what the engine would record: the outputs, or the partial state of an init error. */
async function settle<T>(run: Promise<{ outs?: T }>): Promise<{ outs?: T; partial?: T; error?: Error }> {
    try {
        return { outs: (await run).outs };
    } catch (error: any) {
        return { partial: error.properties, error };
    }
}

describe("honest accounting", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;
    before(async () => {
        emu = await runEmulator();
    });
    after(async () => emu.close());

    describe("a roster whose chunk's answer is lost after the vendor committed", () => {
        async function lostFirstChunk() {
            const tenant = await newTenant(emu, "projects");
            configure(tenant);
            await emu.control.insertUsers(tenant.tenantId, [{ email: "old@example.com" }], "test");
            await emu.control.addFault({ tenantId: tenant.tenantId, route: "POST /v1/users", sequence: ["drop-after-commit"] });
            const rows = ["a", "b", "old"].map((n) => ({ email: `${n}@example.com` }));
            const checked = await tenantUserRoster.check({}, { users: pack({ rows }), label: "crm", chunkSize: 3, concurrency: 1 });
            const first = await settle<any>(tenantUserRoster.create({ ...checked.inputs, __provider: "p" } as any));
            return { tenant, checked, first };
        }

        it("records the lost chunk's users as unsettled, not as sent or adopted", async () => {
            const { first } = await lostFirstChunk();
            expect(first.error?.message).to.match(/answer for 3 users was lost/);
            const recorded = unpack<any[]>(first.partial.users);
            expect(recorded.map((r) => [r[0], r[4]])).to.deep.equal([
                ["a@example.com", "u"],
                ["b@example.com", "u"],
                ["old@example.com", "u"],
            ]);
            expect(first.partial).to.include({ userCount: 0, adoptedCount: 0, complete: false });
        });

        it("reports the lost chunk's users present on the next up, never adopted, and lists them as uncertain", async () => {
            const { checked, first } = await lostFirstChunk();
            const second = await tenantUserRoster.update("r", first.partial, checked.inputs as any);
            expect(second.outs).to.include({ userCount: 3, createdCount: 0, adoptedCount: 0, presentCount: 3 });
            expect(second.outs!.uncertainEmails).to.have.members(["a@example.com", "b@example.com", "old@example.com"]);
        });
    });

    describe("a roster whose unsettled users' resend is refused", () => {
        it("keeps them unsettled, so a later up reports them present, never adopted", async () => {
            const tenant = await newTenant(emu, "projects");
            configure(tenant);
            const rows = ["a", "b"].map((n) => ({ email: `${n}@example.com` }));
            const checked = await tenantUserRoster.check({}, { users: pack({ rows }), label: "crm", chunkSize: 2, concurrency: 1 });
            const fault = (outcome: "drop-after-commit" | "429") =>
                emu.control.addFault({ tenantId: tenant.tenantId, route: "POST /v1/users", sequence: [outcome] });
            await fault("drop-after-commit");
            const lost = await settle<any>(tenantUserRoster.create({ ...checked.inputs, __provider: "p" } as any));
            await fault("429"); // the resend is refused: nothing new is known about these users
            const refused = await settle<any>(tenantUserRoster.update("r", lost.partial, checked.inputs as any));
            expect(refused.error?.message).to.match(/2 users unsettled by an earlier run stay unsettled/);
            const third = await tenantUserRoster.update("r", refused.partial, checked.inputs as any);
            expect(third.outs).to.include({ userCount: 2, createdCount: 0, adoptedCount: 0, presentCount: 2 });
        });
    });

    describe("a call whose dropped send is followed by a 429 that ends its retries", () => {
        // The vendor commits the first attempt and its answer is dropped; the second, answered 429, is the last of 2.
        const droppedThenLimited = (tenant: Tenant) =>
            emu.control.addFault({ tenantId: tenant.tenantId, route: "POST /v1/users", sequence: ["drop-after-commit", "429"] });

        it("reports a roster's users present on the next up, never adopted", async () => {
            const tenant = await newTenant(emu, "projects");
            configure(tenant, { "tenant-users:maxAttempts": "2" });
            await droppedThenLimited(tenant);
            const rows = ["a", "b"].map((n) => ({ email: `${n}@example.com` }));
            const checked = await tenantUserRoster.check({}, { users: pack({ rows }), label: "crm", chunkSize: 2, concurrency: 1 });
            const first = await settle<any>(tenantUserRoster.create({ ...checked.inputs, __provider: "p" } as any));
            expect(first.error?.message).to.match(/rate-limiting/);
            const second = await tenantUserRoster.update("r", first.partial, checked.inputs as any);
            expect(second.outs).to.include({ userCount: 2, createdCount: 0, adoptedCount: 0, presentCount: 2 });
        });

        it("records a TenantUser unsettled, so the next up settles it present, never adopted", async () => {
            const tenant = await newTenant(emu, "projects");
            configure(tenant, { "tenant-users:maxAttempts": "2" });
            await droppedThenLimited(tenant);
            const checked = await tenantUser.check({}, { email: "ada@example.com", idempotencyScope: "p/s/ada-limited" });
            const first = await settle<any>(tenantUser.create({ ...checked.inputs, __provider: "p" } as any));
            expect(first.partial?.status).to.equal("unsettled");
            const second = await tenantUser.update("ada@example.com", first.partial, checked.inputs as any);
            expect(second.outs!.status).to.equal("present");
        });
    });

    describe("a TenantUser whose single add's answer is lost after commit", () => {
        it("records it unsettled, then settles it as created when the vendor replays its Idempotency-Key", async () => {
            const tenant = await newTenant(emu, "zquence");
            configure(tenant);
            await emu.control.addFault({ tenantId: tenant.tenantId, route: "POST /v1/tenants/add-user", sequence: ["drop-after-commit"] });
            const checked = await tenantUser.check({}, { email: "ada@example.com", idempotencyScope: "p/s/ada-lost" });
            const first = await settle<any>(tenantUser.create({ ...checked.inputs, __provider: "p" } as any));
            expect(first.partial?.status).to.equal("unsettled");
            const second = await tenantUser.update("ada@example.com", first.partial, checked.inputs as any);
            expect(second.outs!.status).to.equal("created");
        });

        it("settles it as present, not adopted, when its fields changed before the next up", async () => {
            const tenant = await newTenant(emu, "zquence");
            configure(tenant);
            await emu.control.addFault({ tenantId: tenant.tenantId, route: "POST /v1/tenants/add-user", sequence: ["drop-after-commit"] });
            const checked = await tenantUser.check({}, { email: "ada@example.com", idempotencyScope: "p/s/ada-changed" });
            const first = await settle<any>(tenantUser.create({ ...checked.inputs, __provider: "p" } as any));
            const renamed = await tenantUser.check({}, { email: "ada@example.com", name: "Ada L", idempotencyScope: "p/s/ada-changed" });
            const second = await tenantUser.update("ada@example.com", first.partial, renamed.inputs as any);
            expect(second.outs!.status).to.equal("present");
        });
    });

    describe("without checkpoints", () => {
        afterEach(() => {
            delete process.env.PULUMI_SKIP_CHECKPOINTS;
        });

        it("reports a user the vendor already holds as present, since a killed up records nothing it added", async () => {
            const tenant = await newTenant(emu, "zquence");
            configure(tenant);
            await emu.control.insertUsers(tenant.tenantId, [{ email: "held@example.com" }]);
            process.env.PULUMI_SKIP_CHECKPOINTS = "true";
            const checked = await tenantUser.check({}, { email: "held@example.com", idempotencyScope: "p/s/held-fast" });
            const created = await tenantUser.create(checked.inputs as any);
            expect(created.outs.status).to.equal("present");
        });
    });

    describe("a small batch with one failure", () => {
        it("fails only the user whose add failed; the others get their own outcome", async () => {
            const client: DialectClient = {
                dialect: "zquence",
                maxBatch: 1000,
                bulkNamesEachOutcome: false,
                addUser: async (user: NormalizedUser): Promise<UserOutcome> => {
                    if (user.email === "b@example.com") throw new VendorError({ message: "zquence failed", status: 500 });
                    return { email: user.email, kind: "created" };
                },
                addUsersBulk: async () => expect.fail("a batch of 3 goes as single adds"),
            };
            const items = ["a", "b", "c"].map((n) => ({ user: { email: `${n}@example.com` }, idempotencyKey: n }));
            const results = await flushBatch(client, items);
            expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected", "fulfilled"]);
            expect(results[1]!.status === "rejected" && results[1]!.reason).to.be.instanceOf(VendorError);
        });
    });

    describe("one user, one owner", () => {
        it("warns, naming both resources, when a TenantUser and a roster declare one email in different case", async () => {
            const tenant = await newTenant(emu, "geldstuck");
            configure(tenant);
            const warnings = await warningsOf(async () => {
                const roster = await tenantUserRoster.check(
                    {},
                    { users: pack({ rows: [{ email: "ada@example.com" }] }), label: "staff-owner" },
                );
                const user = await tenantUser.check({}, { email: "ADA@example.com", idempotencyScope: "p/s/ada-owner" });
                expect([...roster.failures!, ...user.failures!]).to.deep.equal([]);
            });
            expect(warnings.join("\n"))
                .to.include("TenantUser ada-owner declares 1 user")
                .and.to.include("ada@example.com (also declared by TenantUserRoster staff-owner)");
        });

        it("fails check of the second resource, naming the first, with tenant-users:strictOwnership", async () => {
            const tenant = await newTenant(emu, "geldstuck");
            configure(tenant, { "tenant-users:strictOwnership": "true" });
            await tenantUser.check({}, { email: "grace@example.com", idempotencyScope: "p/s/grace-one" });
            const second = await tenantUser.check({}, { email: "Grace@Example.com", idempotencyScope: "p/s/grace-two" });
            expect(second.failures!.map((f) => f.reason).join())
                .to.include("TenantUser grace-two")
                .and.to.include("also declared by TenantUser grace-one");
        });
    });
});
