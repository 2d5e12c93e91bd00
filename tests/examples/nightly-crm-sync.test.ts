/**
 * examples/nightly-crm-sync: a roster from a CRM CSV export on Geldstuck, under a tight rate limit,
 * so that chunks are actually refused with 429 and retried.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { TestStack } from "../harness/pulumi";
import { bulkRequests, newTenant, type RunningEmulator, runEmulator, type Tenant } from "../e2e/support";
import { emailsOf, exampleDir, tempDir } from "./support";

const CHUNK_SIZE = 50;
const EXPORT = path.join(exampleDir("nightly-crm-sync"), "crm-export.csv");

/**
 * The export's emails read without the package's CSV parser: the email is the first column
 * and never quoted, so splitting at the first comma is enough.
 */
function exportEmails(file: string): string[] {
    const lines = fs
        .readFileSync(file, "utf8")
        .replace(/^\uFEFF/, "")
        .split(/\r\n/)
        .slice(1);
    return lines.map((l) => l.split(",")[0].trim().toLowerCase()).filter((e) => e !== "");
}

describe("examples/nightly-crm-sync", function () {
    this.timeout(300_000);
    let emu: RunningEmulator;
    let tenant: Tenant;
    let stack: TestStack;
    const rows = exportEmails(EXPORT);
    const expected = [...new Set(rows)].sort();

    before(async () => {
        emu = await runEmulator();
        tenant = await newTenant(emu, "geldstuck");
        // Two requests a second, no burst: concurrent chunks are refused with 429 and must wait.
        await emu.control.setRateLimit(tenant.tenantId, { requestsPerSecond: 2, burst: 1, retryAfter: "seconds" });
        stack = await TestStack.create({
            workDir: exampleDir("nightly-crm-sync"),
            config: { ...tenant.config, "crm:chunkSize": String(CHUNK_SIZE) },
        });
    });
    after(async () => {
        await stack?.dispose();
        await emu?.close();
    });

    it("has an export with a BOM, quoted commas, a duplicate row and a contact without an email", () => {
        const text = fs.readFileSync(EXPORT, "utf8");
        expect(text.startsWith('\uFEFF"Email Address"') || text.startsWith("\uFEFFEmail Address,")).to.equal(true);
        expect(text).to.include('"Acme, Inc."');
        expect(rows.length - expected.length).to.equal(1);
        expect(text).to.match(/\r\n,Walk-in Visitor,/);
    });

    it("sends every distinct contact to Geldstuck exactly once, through 429s, in chunks of 50", async () => {
        const up = await stack.up();
        expect(up.outputs!.userCount).to.equal(expected.length);
        expect(up.outputs!.createdCount).to.equal(expected.length);
        expect(up.outputs!.failed).to.deep.equal([]);
        const held = await emu.control.users(tenant.tenantId);
        expect(emailsOf(held)).to.deep.equal(expected);
        const chunks = Math.ceil(expected.length / CHUNK_SIZE);
        const requests = await emu.control.requests(tenant.tenantId);
        expect(requests.total, JSON.stringify(requests.byRoute)).to.equal(bulkRequests(requests));
        // Refused requests count too: more requests than chunks means 429s happened and were retried.
        expect(bulkRequests(requests), JSON.stringify(requests.byRoute)).to.be.greaterThan(chunks);
    });

    it("keeps quoted names with commas and quotes intact", async () => {
        const held = new Map((await emu.control.users(tenant.tenantId)).map((u) => [u.email, u.name]));
        expect(held.get("grace.hopper@globex.example")).to.equal("Grace Hopper, PhD");
        expect(held.get("frances.allen@soylent.example")).to.equal('Frances "Fran" Allen');
    });

    it("lists the contact without an email as invalid, by its 1-based row, instead of failing the run", async () => {
        const outputs = await stack.outputs();
        const invalid = outputs.invalid as { row: number; field: string; reason: string }[];
        expect(invalid).to.have.length(1);
        // The 151st contact of the export (line 152, after the header).
        expect(invalid[0]).to.include({ row: 151, field: "email" });
        expect(invalid[0].reason).to.match(/email is required/);
    });

    it("sends nothing the next night when the export has not changed", async () => {
        const before = (await emu.control.requests(tenant.tenantId)).total;
        const up = await stack.up();
        expect(up.changeSummary).to.deep.equal({ same: 2 });
        expect((await emu.control.requests(tenant.tenantId)).total).to.equal(before);
    });

    it("sends only the contacts added to the export since the last night, in one request", async () => {
        const dir = tempDir("crm");
        const grown = path.join(dir, "crm-export.csv");
        const added = ["new.hire1@acme.example", "New.Hire2@Globex.example"];
        fs.writeFileSync(
            grown,
            fs.readFileSync(EXPORT, "utf8") +
                added.map((e, i) => `${e},New Hire ${i + 1},"Acme, Inc.",,Customer,2024-09-30 08:00\r\n`).join(""),
        );
        await stack.setConfig({ "crm:exportFile": grown });
        // A fresh bucket, so this run's one request is not refused.
        await emu.control.setRateLimit(tenant.tenantId, { requestsPerSecond: 2, burst: 1, retryAfter: "seconds" });
        const before = (await emu.control.requests(tenant.tenantId)).total;
        const up = await stack.up();
        expect(up.outputs!.userCount).to.equal(expected.length + 2);
        expect((await emu.control.requests(tenant.tenantId)).total - before).to.equal(1);
        expect(emailsOf(await emu.control.users(tenant.tenantId))).to.deep.equal(
            [...expected, ...added.map((e) => e.toLowerCase())].sort(),
        );
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("forgets the roster on destroy and leaves the users at Geldstuck", async () => {
        const destroy = await stack.destroy();
        expect(destroy.changeSummary.delete).to.equal(2);
        expect(await emu.control.users(tenant.tenantId)).to.have.length(expected.length + 2);
    });
});
