/**
 * What the vendor would refuse, refused at preview instead of halfway through an up: the
 * provider's field rules agree with the emulator's (tests/validity-table.ts keeps them so).
 */
import { expect } from "chai";
import { TestStack, writeProgram } from "../harness/pulumi";
import { newTenant, type RunningEmulator, runEmulator, TENANT_USERS_PROGRAM, writeJson } from "./support";

describe("TenantUser refusals at preview", function () {
    this.timeout(300_000);
    let emu: RunningEmulator;
    let stack: TestStack | undefined;

    before(async () => {
        emu = await runEmulator();
    });
    after(async () => {
        await stack?.dispose();
        await emu?.close();
    });

    it("fails preview on an email whose local part is 65 characters, naming the email, with no request to the vendor", async () => {
        const tenant = await newTenant(emu, "zquence");
        const long = `${"a".repeat(65)}@example.com`;
        const dir = writeProgram(TENANT_USERS_PROGRAM, "refusals-local-part");
        writeJson(dir, "users.json", [{ email: long }, { email: "bob@example.com" }]);
        stack = await TestStack.create({ inline: true, workDir: dir, config: tenant.config });
        const preview = await stack.preview({ expectFailure: true });
        expect(preview.text).to.include(long);
        expect(preview.text).to.include('the part before "@" is 65 characters long; the limit is 64');
        expect((await emu.control.requests(tenant.tenantId)).total).to.equal(0);
    });
});
