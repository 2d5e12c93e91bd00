/**
 * TenantUser through the real CLI against the emulator, for each dialect, in the order of
 * Terraform's acceptance steps: preview, create (with adoption), no-op, then destroy.
 */
import { expect } from "chai";
import { TestStack, writeProgram, resourcesOfType } from "../harness/pulumi";
import {
    bulkRequests,
    DIALECTS,
    makeUsers,
    newTenant,
    type RunningEmulator,
    runEmulator,
    type Tenant,
    TENANT_USERS_PROGRAM,
    writeJson,
} from "./support";

const USER_TYPE = "pulumi-nodejs:dynamic/tenant-users:TenantUser";
const SINGLE_ADD_ROUTE = "POST /v1/tenants/add-user";
// The README's number, not the provider's constant: a test bounded by the code it checks cannot fail.
const SINGLE_ADDS_UP_TO = 4;
// A stream of creates the batcher must keep in few bulks: 200 at --parallel 200 on Zquence (the stream the
// batcher was designed for), 100 on the others (the same code; the scale itself is measured by `npm run bench`).
const COUNTS = { zquence: 200, geldstuck: 100, projects: 100 } as const;
const PREEXISTING = 20;

for (const dialect of DIALECTS) {
    const COUNT = COUNTS[dialect];
    describe(`TenantUser on ${dialect}, ${COUNT} users at --parallel ${COUNT}`, function () {
        this.timeout(600_000);
        let emu: RunningEmulator;
        let tenant: Tenant;
        let stack: TestStack;
        const users = makeUsers(dialect, COUNT);

        before(async () => {
            emu = await runEmulator();
            tenant = await newTenant(emu, dialect);
            const dir = writeProgram(TENANT_USERS_PROGRAM, `user-${dialect}`);
            writeJson(dir, "users.json", users);
            stack = await TestStack.create({ inline: true, workDir: dir, config: tenant.config });
            // Created outside Pulumi: the stack must adopt them, not fail.
            await emu.control.insertUsers(tenant.tenantId, users.slice(0, PREEXISTING));
        });
        after(async () => {
            await stack?.dispose();
            await emu?.close();
        });

        it("previews one create per user without calling the API", async () => {
            const preview = await stack.preview();
            expect(preview.steps.filter((s) => s.type === USER_TYPE && s.op === "create")).to.have.length(COUNT);
            expect((await emu.control.requests(tenant.tenantId)).total).to.equal(0);
        });

        it("creates every user in at most 3 bulk requests, and at most 4 of them by single adds", async () => {
            const up = await stack.up({ parallel: COUNT });
            expect(up.changeSummary.create).to.equal(COUNT + 1);
            const requests = await emu.control.requests(tenant.tenantId);
            const routes = JSON.stringify(requests.byRoute);
            // A batch of up to 4 users goes as single adds (README, Batching). A program that
            // registers slowly (a loaded machine) can leave such a tail: seen once, 196 users in one bulk and 4 single adds.
            const singles = requests.byRoute[SINGLE_ADD_ROUTE] ?? 0;
            expect(bulkRequests(requests), routes).to.be.within(1, 3);
            expect(singles, routes).to.be.at.most(SINGLE_ADDS_UP_TO);
            expect(requests.total, routes).to.equal(bulkRequests(requests) + singles);
            const held = { users: await emu.control.users(tenant.tenantId) };
            expect(held.users.map((u: any) => u.email).sort()).to.deep.equal(users.map((u) => u.email).sort());
        });

        it("records the users the vendor already held without failing and never as created", async () => {
            // Emails are secret in state: the program names each TenantUser by its email, so read the URN.
            const state = await stack.exportState();
            const byEmail = new Map(resourcesOfType(state, "TenantUser").map((r) => [String(r.urn).split("::").pop(), r.outputs.status]));
            const preexisting = users.slice(0, PREEXISTING).map((u) => byEmail.get(u.email));
            // Zquence and Geldstuck bulk answers give counts only: a batch mixing both kinds reports "present".
            expect(
                preexisting.every((s) => s === "adopted" || s === "present"),
                String(preexisting),
            ).to.equal(true);
            expect(byEmail.size).to.equal(COUNT);
        });

        it("adopts a user the vendor already held, and creates a new one, when a few are declared", async () => {
            // Few creates go as single adds (or as a projects bulk, which names each user): each status is known.
            const held = { email: "held-before@example.com" };
            const fresh = { email: "fresh@example.com" };
            const own = await newTenant(emu, dialect); // the other steps count this describe's tenant's users
            await emu.control.insertUsers(own.tenantId, [held]);
            const dir = writeProgram(TENANT_USERS_PROGRAM, `adopt-${dialect}`);
            writeJson(dir, "users.json", [held, fresh]);
            const small = await TestStack.create({ inline: true, workDir: dir, config: own.config });
            try {
                const up = await small.up();
                expect(up.outputs!.statuses).to.deep.equal({ [held.email]: "adopted", [fresh.email]: "created" });
            } finally {
                await small.dispose();
            }
        });

        it("changes nothing and calls no API on a second up", async () => {
            const before = (await emu.control.requests(tenant.tenantId)).total;
            const up = await stack.up({ parallel: COUNT });
            expect(up.changeSummary).to.deep.equal({ same: COUNT + 1 });
            expect((await emu.control.requests(tenant.tenantId)).total).to.equal(before);
        });

        it("keeps every credential out of the exported state and the CLI output", async () => {
            const state = JSON.stringify(await stack.exportState());
            const preview = await stack.preview({ diff: true });
            for (const secret of tenant.secrets) {
                expect(state).to.not.include(secret);
                expect(preview.text).to.not.include(secret);
            }
        });

        if (dialect === "zquence")
            it("keeps state as it is on refresh, since the API has nothing to read", async () => {
                // Decrypted: secret outputs are re-encrypted with a new nonce whenever state is written.
                const before = resourcesOfType(await stack.stack.exportStack(), "TenantUser").map((r) => r.outputs);
                const refresh = await stack.refresh({ parallel: COUNT });
                expect(refresh.changeSummary).to.deep.equal({ same: COUNT + 1 });
                const after = resourcesOfType(await stack.stack.exportStack(), "TenantUser").map((r) => r.outputs);
                expect(after).to.deep.equal(before);
            });

        it("records a provider of under 100 bytes that loads the runtime by name", async () => {
            const state = await stack.exportState();
            const serialized = resourcesOfType(state, "TenantUser")[0].inputs.__provider as string;
            expect(serialized.length).to.be.below(100);
            expect(serialized).to.include("pulumi-tenant-users/runtime");
        });

        // Destroy costs the engine ~45 s per 200 resources and is the same code for every dialect.
        if (dialect === "zquence")
            it("forgets the users on destroy and leaves them at the vendor", async () => {
                const destroy = await stack.destroy({ parallel: COUNT });
                expect(destroy.changeSummary.delete).to.equal(COUNT + 1);
                expect(destroy.text).to.match(/removed from the stack but not from the vendor/);
                expect(await emu.control.users(tenant.tenantId)).to.have.length(COUNT);
            });
    });
}
