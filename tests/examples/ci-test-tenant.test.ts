/**
 * examples/ci-test-tenant: a stack per CI run seeds the projects API's TEST mode, then is destroyed;
 * a LIVE key is refused before anything is declared.
 */
import { expect } from "chai";
import { TestStack } from "../harness/pulumi";
import { newTenant, type RunningEmulator, runEmulator, type Tenant } from "../e2e/support";
import type { ProjectsTenant } from "../../emulator";
import { emailsOf, exampleDir } from "./support";

const SEEDED = 3 + 20; // three personas and the default twenty shoppers

describe("examples/ci-test-tenant", function () {
    this.timeout(300_000);
    let emu: RunningEmulator;
    let tenant: Tenant;
    let liveKey: string;
    const runId = `${Date.now()}`;
    const stacks: TestStack[] = [];

    async function runStack(stackName: string, secretKey?: string): Promise<TestStack> {
        const config = { ...tenant.config };
        if (secretKey) config["tenant-users:secretKey"] = { value: secretKey, secret: true };
        const stack = await TestStack.create({ workDir: exampleDir("ci-test-tenant"), stackName, config });
        stacks.push(stack);
        return stack;
    }

    before(async () => {
        emu = await runEmulator();
        tenant = await newTenant(emu, "projects");
        liveKey = ((await emu.control.tenant(tenant.tenantId)) as unknown as ProjectsTenant).liveSecretKey;
        expect(liveKey).to.match(/^sk_live_/);
    });
    after(async () => {
        for (const s of stacks) await s.dispose();
        await emu?.close();
    });

    describe("with the LIVE key configured", () => {
        let live: TestStack;
        before(async () => {
            live = await runStack(`ci-${runId}-live`, liveKey);
        });

        it("fails preview, saying the key is a LIVE one without showing it", async () => {
            const preview = await live.preview({ expectFailure: true });
            const text = preview.text;
            expect(text).to.include("tenant-users:secretKey is a LIVE key");
            expect(text).to.not.include(liveKey);
        });

        it("fails up without sending a single request, so LIVE stays empty", async () => {
            const up = await live.up({ expectFailure: true });
            expect(up.text).to.not.include(liveKey);
            expect((await emu.control.requests(tenant.tenantId)).total).to.equal(0);
            expect(await emu.control.users(tenant.tenantId, "live")).to.deep.equal([]);
        });
    });

    describe("with the TEST key configured, on the run's own stack", () => {
        let run: TestStack;
        before(async () => {
            run = await runStack(`ci-${runId}`);
        });

        it("seeds every user in TEST mode and none in LIVE", async () => {
            const up = await run.up();
            expect(up.outputs!.stack).to.equal(`ci-${runId}`);
            expect(up.outputs!.seeded).to.equal(SEEDED);
            expect(up.outputs!.created).to.equal(SEEDED);
            const test = await emu.control.users(tenant.tenantId, "test");
            expect(emailsOf(test)).to.deep.equal([...(up.outputs!.emails as string[])].sort());
            expect(test.every((u: any) => u.mode === "test")).to.equal(true);
            expect(await emu.control.users(tenant.tenantId, "live")).to.deep.equal([]);
        });

        it("keeps both keys out of the stack's state", async () => {
            const state = JSON.stringify(await run.exportState());
            for (const secret of tenant.secrets) expect(state).to.not.include(secret);
        });

        it("keeps every user's email out of the stack's state in plain text", async () => {
            const state = JSON.stringify(await run.exportState());
            const seeded = emailsOf(await emu.control.users(tenant.tenantId, "test"));
            expect(seeded).to.have.length(SEEDED);
            for (const email of seeded) expect(state).to.not.include(email);
        });

        it("destroys the stack at the end of the run and leaves the TEST users in place", async () => {
            const destroy = await run.destroy();
            expect(destroy.changeSummary.delete).to.equal(2);
            expect(await emu.control.users(tenant.tenantId, "test")).to.have.length(SEEDED);
        });

        it("lets the next run's stack adopt the users the previous run left", async () => {
            const next = await runStack(`ci-${runId}-2`);
            const up = await next.up();
            expect(up.outputs).to.include({ seeded: SEEDED, created: 0, adopted: SEEDED });
            expect(await emu.control.users(tenant.tenantId, "test")).to.have.length(SEEDED);
            await next.destroy();
        });
    });
});
