/**
 * CRM exports as they come, through the real CLI: a program reads a HubSpot-style export into a
 * Zquence roster (phones to E.164) and a Salesforce-style export into a projects roster (countries
 * to alpha-2). With `onInvalid: "report"` every row goes in except the one without an email, which
 * is listed with its CSV line.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../../cli/pulumi-toolchain";
import { TestStack, writeProgram } from "../harness/pulumi";
import { newTenant, type RunningEmulator, runEmulator, type Tenant, writeJson } from "./support";

/** ROSTER_PROGRAM's roster, with its users read by readUsersCsv inside the program, as a nightly sync does. */
const CSV_ROSTER_PROGRAM = `
import * as fs from "node:fs";
import { TenantUserRoster, readUsersCsv } from "pulumi-tenant-users";

const csv = JSON.parse(fs.readFileSync("csv.json", "utf8"));
const roster = new TenantUserRoster("crm", { users: readUsersCsv(csv.file, csv.options), onInvalid: "report" });
export const userCount = roster.userCount;
export const invalid = roster.invalid;
`;

/** The roster's `summary` as the provider checked it at preview: it counts the valid users. */
async function previewedSummary(stack: TestStack): Promise<string> {
    const step = (await stack.preview()).steps.find((s) => s.op === "create" && s.urn.endsWith("::crm"));
    return step?.new?.inputs?.summary;
}

const byEmail = <T extends { email: string }>(users: T[]) => [...users].sort((a, b) => a.email.localeCompare(b.email));

describe("TenantUserRoster from CRM exports", function () {
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

    async function exportStack(
        dialect: "zquence" | "projects",
        file: string,
        options: object,
    ): Promise<{ tenant: Tenant; stack: TestStack }> {
        const tenant = await newTenant(emu, dialect);
        const dir = writeProgram(CSV_ROSTER_PROGRAM, `crm-${dialect}`);
        fs.copyFileSync(path.join(REPO_ROOT, "tests", "fixtures", "crm", file), path.join(dir, file));
        writeJson(dir, "csv.json", { file, options });
        const stack = await TestStack.create({ inline: true, workDir: dir, config: tenant.config });
        stacks.push(stack);
        return { tenant, stack };
    }

    describe("a HubSpot-style export on Zquence", () => {
        let tenant: Tenant;
        let stack: TestStack;
        before(async () => {
            ({ tenant, stack } = await exportStack("zquence", "hubspot.csv", { defaultCountry: "US", fields: ["email", "name", "phone"] }));
        });

        it("previews a roster of the six contacts with an email", async () => {
            expect(await previewedSummary(stack)).to.match(/^6 users · /);
        });

        it("adds every contact with an email, phones in E.164", async () => {
            await stack.up();
            const held = byEmail(await emu.control.users(tenant.tenantId)).map((u) => [u.email, u.phone]);
            expect(held).to.deep.equal([
                ["ada@hubspot.example", "+442079460958"],
                ["alan@hubspot.example", "+442079460102"],
                ["barbara@hubspot.example", "+14155550106"],
                ["grace@hubspot.example", "+14155550101"],
                ["katherine@hubspot.example", "+14155550107"],
                ["kurt@hubspot.example", "+493012345678"],
            ]);
        });

        it("lists the contact without an email in the next preview, by its CSV line", async () => {
            const text = (await stack.preview({ diff: true })).text;
            expect(text).to.include('1 invalid rows left out (onInvalid: "report"): row 5 (hubspot.csv line 6): email is required');
        });
    });

    describe("a Salesforce-style export on projects", () => {
        let tenant: Tenant;
        let stack: TestStack;
        before(async () => {
            ({ tenant, stack } = await exportStack("projects", "salesforce.csv", { fields: ["email", "name", "country"] }));
        });

        it("previews a roster of the six contacts with an email", async () => {
            expect(await previewedSummary(stack)).to.match(/^6 users · /);
        });

        it("adds every contact with an email, countries as ISO alpha-2", async () => {
            const up = await stack.up();
            expect(up.outputs!.userCount).to.equal(6);
            const held = byEmail(await emu.control.users(tenant.tenantId, "test")).map((u) => [u.email, u.country]);
            expect(held).to.deep.equal([
                ["ada@salesforce.example", "GB"],
                ["alan@salesforce.example", "GB"],
                ["barbara@salesforce.example", "US"],
                ["grace@salesforce.example", "US"],
                ["marie@salesforce.example", "FR"],
                ["tim@salesforce.example", "CH"],
            ]);
        });

        it("reports the contact without an email in the invalid output, by its CSV line", async () => {
            const outputs = await stack.outputs();
            expect(outputs.invalid).to.deep.equal([{ row: 5, field: "email", reason: "row 5 (salesforce.csv line 6): email is required" }]);
        });
    });
});
