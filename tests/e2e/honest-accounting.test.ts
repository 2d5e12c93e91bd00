/**
 * Honest accounting through the real CLI: what the outputs claim after lost answers, and what
 * preview says when two resources declare one person.
 */
import { expect } from "chai";
import { resourcesOfType, TestStack, writeProgram } from "../harness/pulumi";
import { makeUsers, newTenant, ROSTER_PROGRAM, type RunningEmulator, runEmulator, writeJson } from "./support";

const TWO_OWNERS_PROGRAM = `
import { TenantUser, TenantUserRoster } from "pulumi-tenant-users";
new TenantUser("ada-direct", { email: "ADA@example.com", name: "Ada" });
new TenantUserRoster("staff", { users: [{ email: "ada@example.com", name: "Ada Lovelace" }, { email: "bob@example.com" }] });
`;

describe("honest accounting through the CLI", function () {
    this.timeout(300_000);
    let emu: RunningEmulator;
    const stacks: TestStack[] = [];

    before(async () => {
        emu = await runEmulator();
    });
    after(async () => {
        for (const s of stacks) await s.dispose();
        await emu?.close();
    });

    /** A Geldstuck tenant and a stack declaring `count` of its users as one roster, with `maxAttempts` per request. */
    async function geldstuckRoster(name: string, count: number, maxAttempts: number, options: Record<string, unknown> = {}) {
        const tenant = await newTenant(emu, "geldstuck");
        const users = makeUsers("geldstuck", count, name);
        const dir = writeProgram(ROSTER_PROGRAM, `accounting-${name}`);
        writeJson(dir, "users.json", users);
        writeJson(dir, "options.json", options);
        const config = { ...tenant.config, "tenant-users:maxAttempts": String(maxAttempts) };
        const stack = await TestStack.create({ inline: true, workDir: dir, config });
        stacks.push(stack);
        return { tenant, users, stack };
    }

    it("reports users whose every bulk answer was lost as present on the next up, never adopted", async () => {
        const { tenant, users, stack } = await geldstuckRoster("lost", 40, 1, { chunkSize: 10 });
        const fault = await emu.control.addFault({
            tenantId: tenant.tenantId,
            route: "POST /v1/tenants/add-user-bulk",
            probabilities: { "drop-after-commit": 1 },
        });

        const first = await stack.up({ expectFailure: true });
        expect(first.text).to.match(/answer for \d+ users was lost/);
        expect((await emu.control.faults()).find((f) => f.faultId === fault)?.matched).to.be.greaterThan(0);
        await emu.control.clearFaults();

        const second = await stack.up();
        const out = second.outputs!;
        expect(out.adoptedCount).to.equal(0);
        expect((out.createdCount as number) + (out.presentCount as number)).to.equal(users.length);
        expect((await emu.control.users(tenant.tenantId)).length).to.equal(users.length);
    });

    it("reports users present, never adopted, after a dropped send whose retry was answered 429 as the last attempt", async () => {
        const { tenant, users, stack } = await geldstuckRoster("limited", 10, 2);
        // The vendor commits the bulk and the answer is dropped; the one retry is refused with 429.
        await emu.control.addFault({
            tenantId: tenant.tenantId,
            route: "POST /v1/tenants/add-user-bulk",
            sequence: ["drop-after-commit", "429"],
        });

        const first = await stack.up({ expectFailure: true });
        expect(first.text).to.match(/rate-limiting after 2 attempts/);
        expect((await emu.control.users(tenant.tenantId)).length).to.equal(users.length);
        await emu.control.clearFaults();

        const out = (await stack.up()).outputs!;
        expect(out).to.include({ adoptedCount: 0, createdCount: 0, presentCount: users.length });
    });

    it("reports users present, never adopted, when the up after a lost answer was refused 429 before settling them", async () => {
        const { tenant, users, stack } = await geldstuckRoster("refused", 10, 1);
        const fault = (outcome: "drop-after-commit" | "429") =>
            emu.control.addFault({ tenantId: tenant.tenantId, route: "POST /v1/tenants/add-user-bulk", sequence: [outcome] });

        await fault("drop-after-commit");
        expect((await stack.up({ expectFailure: true })).text).to.match(/answer for 10 users was lost/);
        await fault("429");
        expect((await stack.up({ expectFailure: true })).text).to.match(/10 users unsettled by an earlier run stay unsettled/);
        const out = (await stack.up()).outputs!;
        expect(out).to.include({ adoptedCount: 0, createdCount: 0, presentCount: users.length });
    });

    it("keeps a TenantUser's email out of state when its answer was lost, naming the resource in the reason instead", async () => {
        const tenant = await newTenant(emu, "zquence");
        const program = `import { TenantUser } from "pulumi-tenant-users";\nnew TenantUser("ada", { email: "ada.lost@example.com" });\n`;
        const dir = writeProgram(program, "accounting-reason");
        const stack = await TestStack.create({ inline: true, workDir: dir, config: { ...tenant.config, "tenant-users:maxAttempts": "1" } });
        stacks.push(stack);
        await emu.control.addFault({ tenantId: tenant.tenantId, route: "POST /v1/tenants/add-user", sequence: ["drop-after-commit"] });

        await stack.up({ expectFailure: true });
        const state = await stack.exportState();
        const user = resourcesOfType(state, "TenantUser")[0];
        expect(user.initErrors, "the partial-state reason, kept in state").to.have.length(1);
        expect(user.initErrors[0]).to.include("TenantUser ada:");
        expect(JSON.stringify(state)).to.not.include("ada.lost@");
    });

    it("previews a warning naming both resources when a TenantUser and a roster declare one email in different case", async () => {
        const tenant = await newTenant(emu, "zquence");
        const stack = await TestStack.create({
            inline: true,
            workDir: writeProgram(TWO_OWNERS_PROGRAM, "accounting-owners"),
            config: tenant.config,
        });
        stacks.push(stack);
        const preview = await stack.preview();
        expect(preview.text).to.match(/declares 1 user another resource of this stack already declares/);
        expect(preview.text)
            .to.match(/TenantUser ada-direct/)
            .and.to.match(/TenantUserRoster staff/);
        expect((await emu.control.requests(tenant.tenantId)).total).to.equal(0);
    });
});
