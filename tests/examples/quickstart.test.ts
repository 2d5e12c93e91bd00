/**
 * examples/quickstart: three TenantUsers on Zquence, credentials as config secrets, statuses exported.
 */
import { expect } from "chai";
import { TestStack } from "../harness/pulumi";
import { newTenant, type RunningEmulator, runEmulator, type Tenant } from "../e2e/support";
import { emailsOf, exampleDir } from "./support";

const EMAILS = ["ada@example.com", "alan@example.com", "grace@example.com"];

describe("examples/quickstart", function () {
    this.timeout(300_000);
    let emu: RunningEmulator;
    let tenant: Tenant;
    let stack: TestStack;

    before(async () => {
        emu = await runEmulator();
        tenant = await newTenant(emu, "zquence");
        stack = await TestStack.create({ workDir: exampleDir("quickstart"), config: tenant.config });
    });
    after(async () => {
        await stack?.dispose();
        await emu?.close();
    });

    it("creates the three users at the Zquence tenant and exports their statuses as created", async () => {
        const up = await stack.up();
        expect(up.outputs!.statuses).to.deep.equal({ ada: "created", grace: "created", alan: "created" });
        const users = await emu.control.users(tenant.tenantId);
        expect(emailsOf(users)).to.deep.equal(EMAILS);
        expect(users.find((u) => u.email === "ada@example.com")).to.include({ name: "Ada Lovelace", phone: "+14155552671" });
    });

    it("changes nothing and calls no API on a second up", async () => {
        const before = (await emu.control.requests(tenant.tenantId)).total;
        const up = await stack.up();
        expect(up.changeSummary).to.deep.equal({ same: 4 });
        expect((await emu.control.requests(tenant.tenantId)).total).to.equal(before);
    });

    it("keeps the API key and secret out of the state and the CLI output", async () => {
        const state = JSON.stringify(await stack.exportState());
        const preview = await stack.preview({ diff: true });
        for (const secret of tenant.secrets) {
            expect(state).to.not.include(secret);
            expect(preview.text).to.not.include(secret);
        }
    });

    it("forgets the users on destroy and leaves them at the tenant", async () => {
        const destroy = await stack.destroy();
        expect(destroy.changeSummary.delete).to.equal(4);
        expect(emailsOf(await emu.control.users(tenant.tenantId))).to.deep.equal(EMAILS);
    });

    it("exports adopted for users the tenant already held", async () => {
        const other = await newTenant(emu, "zquence");
        await emu.control.insertUsers(
            other.tenantId,
            EMAILS.map((email) => ({ email })),
        );
        const adopting = await TestStack.create({ workDir: exampleDir("quickstart"), config: other.config });
        try {
            const up = await adopting.up();
            expect(up.outputs!.statuses).to.deep.equal({ ada: "adopted", grace: "adopted", alan: "adopted" });
            expect(await emu.control.users(other.tenantId)).to.have.length(3);
        } finally {
            await adopting.dispose();
        }
    });
});
