/**
 * What TenantUser refuses at preview, before any API call, and what it survives at up.
 */
import { expect } from "chai";
import { TestStack, writeProgram } from "../harness/pulumi";
import { makeUsers, newTenant, type RunningEmulator, runEmulator, TENANT_USERS_PROGRAM, writeJson } from "./support";

describe("TenantUser checks at preview", function () {
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

    async function stackWith(dialect: "zquence" | "geldstuck" | "projects", users: unknown[], config: Record<string, any> = {}) {
        const tenant = await newTenant(emu, dialect);
        const dir = writeProgram(TENANT_USERS_PROGRAM, `checks-${dialect}`);
        writeJson(dir, "users.json", users);
        const stack = await TestStack.create({ inline: true, workDir: dir, config: { ...tenant.config, ...config } });
        stacks.push(stack);
        return { tenant, stack };
    }

    it("fails preview on an invalid email, naming the resource and the field, with no API call", async () => {
        const { tenant, stack } = await stackWith("zquence", [{ email: "ada@" }, { email: "bob@example.com" }]);
        const preview = await stack.preview({ expectFailure: true });
        const text = preview.text;
        expect(text).to.include("ada@");
        expect(text).to.match(/email/);
        expect((await emu.control.requests(tenant.tenantId)).total).to.equal(0);
    });

    it("fails preview on a phone given to a dialect that has none", async () => {
        const { tenant, stack } = await stackWith("geldstuck", [{ email: "ada@example.com", phone: "+14155552671" }]);
        const preview = await stack.preview({ expectFailure: true });
        expect(preview.text).to.match(/phone/);
        expect((await emu.control.requests(tenant.tenantId)).total).to.equal(0);
    });

    it("fails preview when a credential is set without --secret, giving the command to fix it", async () => {
        const tenant = await newTenant(emu, "zquence");
        const { stack } = await stackWith("zquence", makeUsers("zquence", 1), {
            "tenant-users:apiKey": { value: tenant.config["tenant-users:apiKey"].value, secret: false },
        });
        const preview = await stack.preview({ expectFailure: true });
        expect(preview.text).to.include("pulumi config set --secret tenant-users:apiKey");
    });

    it("creates exactly the users once when the first bulk's connection drops after commit", async () => {
        const users = makeUsers("zquence", 50, "drop");
        const { tenant, stack } = await stackWith("zquence", users);
        const faultId = await emu.control.addFault({
            tenantId: tenant.tenantId,
            route: "POST /v1/tenants/add-user-bulk",
            sequence: ["drop-after-commit"],
        });
        const up = await stack.up({ parallel: 50 });
        expect(up.changeSummary.create).to.equal(51);
        // The drop did happen: the fault met a bulk and spent its one entry.
        expect((await emu.control.faults()).find((f) => f.faultId === faultId)).to.include({ matched: 1, remaining: 0 });
        const held = (await emu.control.users(tenant.tenantId)).map((u: any) => u.email).sort();
        expect(held).to.deep.equal(users.map((u) => u.email).sort());
        // One invite event per created user, counted by user: a duplicate create would add a second.
        const deliveries = await emu.control.webhooks(tenant.tenantId);
        const perEmail = new Map<string, number>();
        for (const d of deliveries) perEmail.set(d.payload.data.user.email, (perEmail.get(d.payload.data.user.email) ?? 0) + 1);
        expect([...perEmail.values()].every((n) => n === 1)).to.equal(true);
        expect(perEmail.size).to.equal(users.length);
    });
});
