/**
 * examples/multi-tenant: two named connections in one program, configured with `--path` as the
 * example's README says; each user must land at its own tenant and nowhere else.
 */
import { expect } from "chai";
import { TestStack } from "../harness/pulumi";
import { newTenant, type RunningEmulator, runEmulator, type Tenant } from "../e2e/support";
import type { TenantsApiTenant, ProjectsTenant } from "../../emulator";
import { emailsOf, exampleDir, setPathConfig } from "./support";

const ACME = ["pat@consulting.example", "road.runner@acme.example", "wile.e@acme.example"];
const GLOBEX = ["hank.scorpio@globex.example", "homer@globex.example", "mindy@globex.example", "pat@consulting.example"];

describe("examples/multi-tenant", function () {
    this.timeout(300_000);
    let emu: RunningEmulator;
    let acme: Tenant;
    let globex: Tenant;
    let stack: TestStack;

    before(async () => {
        emu = await runEmulator();
        acme = await newTenant(emu, "zquence");
        globex = await newTenant(emu, "projects");
        const acmeKeys = (await emu.control.tenant(acme.tenantId)) as unknown as TenantsApiTenant;
        const globexKeys = (await emu.control.tenant(globex.tenantId)) as unknown as ProjectsTenant;
        // No default connection at all: only the two named ones.
        stack = await TestStack.create({ workDir: exampleDir("multi-tenant") });
        await setPathConfig(stack, {
            "tenant-users:connections.acme.dialect": { value: "zquence" },
            "tenant-users:connections.acme.baseUrl": { value: acme.baseUrl },
            "tenant-users:connections.acme.apiKey": { value: acmeKeys.apiKey, secret: true },
            "tenant-users:connections.acme.apiSecret": { value: acmeKeys.apiSecret, secret: true },
            "tenant-users:connections.globex.dialect": { value: "projects" },
            "tenant-users:connections.globex.baseUrl": { value: globex.baseUrl },
            "tenant-users:connections.globex.secretKey": { value: globexKeys.testSecretKey, secret: true },
        });
    });
    after(async () => {
        await stack?.dispose();
        await emu?.close();
    });

    it("creates each user at its own tenant and at no other", async () => {
        const up = await stack.up();
        expect(up.outputs!.acme).to.deep.equal({ wile: "created", road: "created", pat: "created" });
        expect(up.outputs!.globexStaff).to.equal(3);
        expect(up.outputs!.globexPat).to.equal("created");
        expect(emailsOf(await emu.control.users(acme.tenantId))).to.deep.equal(ACME);
        expect(emailsOf(await emu.control.users(globex.tenantId, "test"))).to.deep.equal(GLOBEX);
        expect(await emu.control.users(globex.tenantId, "live")).to.deep.equal([]);
    });

    it("sends each tenant's fields to that tenant: the phone to Zquence, the country to projects", async () => {
        const wile = (await emu.control.users(acme.tenantId)).find((u) => u.email === "wile.e@acme.example");
        expect(wile).to.include({ phone: "+14155550101" });
        const pat = (await emu.control.users(globex.tenantId, "test")).find((u) => u.email === "pat@consulting.example");
        expect(pat).to.include({ country: "GB" });
    });

    it("keeps both tenants' credentials out of the state and the CLI output", async () => {
        const state = JSON.stringify(await stack.exportState());
        const preview = await stack.preview({ diff: true });
        expect(preview.changeSummary).to.deep.equal({ same: 6 });
        for (const secret of [...acme.secrets, ...globex.secrets]) {
            expect(state).to.not.include(secret);
            expect(preview.text).to.not.include(secret);
        }
    });

    it("forgets every user on destroy and leaves both tenants as they were", async () => {
        const destroy = await stack.destroy();
        expect(destroy.changeSummary.delete).to.equal(6);
        expect(emailsOf(await emu.control.users(acme.tenantId))).to.deep.equal(ACME);
        expect(emailsOf(await emu.control.users(globex.tenantId))).to.deep.equal(GLOBEX);
    });
});
