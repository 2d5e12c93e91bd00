/**
 * TenantUserRoster through the real CLI against the emulator: 2,500 users per dialect, then the
 * reviewable one-line changes, invalid rows, and a chunk that fails and converges on the next up.
 */
import { expect } from "chai";
import { TestStack, writeProgram } from "../harness/pulumi";
import {
    bulkRequests,
    DIALECTS,
    makeUsers,
    newTenant,
    ROSTER_PROGRAM,
    type RunningEmulator,
    runEmulator,
    type Tenant,
    writeJson,
} from "./support";

// Three chunks of at most 1,000: several chunks, two in flight, and a roster too large to list in a preview.
const SIZE = 2500;

function rosterLines(text: string): string[] {
    return text.split("\n").filter((l) => /crm|roster|users|summary|@example\.com/.test(l));
}

for (const dialect of DIALECTS) {
    describe(`TenantUserRoster on ${dialect}, ${SIZE} users`, function () {
        this.timeout(600_000);
        let emu: RunningEmulator;
        let tenant: Tenant;
        let stack: TestStack;
        let dir: string;
        const users = makeUsers(dialect, SIZE);

        before(async () => {
            emu = await runEmulator();
            tenant = await newTenant(emu, dialect);
            dir = writeProgram(ROSTER_PROGRAM, `roster-${dialect}`);
            writeJson(dir, "users.json", users);
            stack = await TestStack.create({ inline: true, workDir: dir, config: tenant.config });
        });
        after(async () => {
            await stack?.dispose();
            await emu?.close();
        });

        it("creates every user in chunks of at most 1,000", async () => {
            const up = await stack.up();
            expect(up.outputs!.userCount).to.equal(SIZE);
            expect(up.outputs!.createdCount).to.equal(SIZE);
            expect(bulkRequests(await emu.control.requests(tenant.tenantId))).to.equal(Math.ceil(SIZE / 1000));
            expect(await emu.control.users(tenant.tenantId)).to.have.length(SIZE);
        });

        it("previews three added users in a few lines naming exactly them", async () => {
            writeJson(dir, "users.json", [...users, ...makeUsers(dialect, 3, "added")]);
            const preview = await stack.preview({ diff: true });
            const text = preview.text;
            const lines = rosterLines(text);
            expect(lines.length, lines.join("\n")).to.be.at.most(40);
            const named = new Set(text.match(/[a-z0-9]+@example\.com/g));
            expect([...named].sort()).to.deep.equal(["added0@example.com", "added1@example.com", "added2@example.com"]);
            expect(preview.changeSummary.update).to.equal(1);
        });

        it("sends the three added users in one request", async () => {
            const before = bulkRequests(await emu.control.requests(tenant.tenantId));
            const up = await stack.up();
            expect(bulkRequests(await emu.control.requests(tenant.tenantId)) - before).to.equal(1);
            expect(up.outputs!.createdEmails).to.have.members(["added0@example.com", "added1@example.com", "added2@example.com"]);
            expect(up.outputs!.userCount).to.equal(SIZE + 3);
        });

        it("previews two removed users as forgotten, not deleted", async () => {
            writeJson(dir, "users.json", [...users.slice(2), ...makeUsers(dialect, 3, "added")]);
            const text = (await stack.preview({ diff: true })).text;
            expect(text).to.match(/2 to forget/);
            expect(text).to.include("NOT deleted at the vendor");
            expect(text).to.include(users[0].email);
        });

        it("forgets the removed users on up and keeps them at the vendor", async () => {
            const up = await stack.up();
            expect(up.outputs!.userCount).to.equal(SIZE + 1);
            expect(await emu.control.users(tenant.tenantId)).to.have.length(SIZE + 3);
        });
    });
}

describe("TenantUserRoster with invalid rows and failing chunks", function () {
    this.timeout(600_000);
    let emu: RunningEmulator;
    const stacks: TestStack[] = [];

    before(async () => {
        emu = await runEmulator();
    });
    after(async () => {
        for (const s of stacks) await s.dispose();
        await emu?.close();
    });

    async function rosterStack(users: unknown[], options: object = {}, config: Record<string, string> = {}) {
        const tenant = await newTenant(emu, "geldstuck");
        const dir = writeProgram(ROSTER_PROGRAM, "roster-rows");
        writeJson(dir, "users.json", users);
        writeJson(dir, "options.json", options);
        const stack = await TestStack.create({ inline: true, workDir: dir, config: { ...tenant.config, ...config } });
        stacks.push(stack);
        return { tenant, stack };
    }

    it("stops at preview with onInvalid fail, listing the bad row", async () => {
        const { tenant, stack } = await rosterStack([{ email: "ok@example.com" }, { email: "not-an-email" }]);
        const preview = await stack.preview({ expectFailure: true });
        expect(preview.text).to.include("not-an-email");
        expect((await emu.control.requests(tenant.tenantId)).total).to.equal(0);
    });

    it("creates the valid rows with onInvalid report and lists the bad one in the output", async () => {
        const { stack } = await rosterStack([{ email: "ok@example.com" }, { email: "not-an-email" }], { onInvalid: "report" });
        const up = await stack.up();
        expect(up.outputs!.userCount).to.equal(1);
        expect((up.outputs!.invalid as any[]).map((i) => i.row)).to.deep.equal([2]); // 1-based, as people count rows
    });

    it("records the chunks sent before a chunk fails for good, and sends only the rest on the next up", async () => {
        const users = makeUsers("geldstuck", 3000, "chunk");
        const { tenant, stack } = await rosterStack(users, { chunkSize: 1000, concurrency: 1 }, { "tenant-users:maxAttempts": "3" });
        // The second chunk answers 500 more often than the client tries.
        await emu.control.addFault({
            tenantId: tenant.tenantId,
            route: "POST /v1/tenants/add-user-bulk",
            sequence: ["ok", "500", "500", "500"],
        });
        const failed = await stack.up({ expectFailure: true });
        expect(failed.text).to.match(/1000 of 3000 users sent/);
        await emu.control.clearFaults();
        const before = bulkRequests(await emu.control.requests(tenant.tenantId));
        const up = await stack.up();
        expect(up.outputs!.userCount).to.equal(3000);
        expect(bulkRequests(await emu.control.requests(tenant.tenantId)) - before).to.equal(2);
        expect(await emu.control.users(tenant.tenantId)).to.have.length(3000);
    });
});
