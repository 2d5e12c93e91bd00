/**
 * examples/welcome-hook: a @pulumi/command Command runs welcome.sh with the emails the roster created
 * in this run: not on re-runs, not for adopted users, only for the users just added.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { TestStack } from "../harness/pulumi";
import { newTenant, type RunningEmulator, runEmulator, type Tenant } from "../e2e/support";
import { exampleDir, tempDir } from "./support";

const TEAM = ["ada@example.com", "grace@example.com", "alan@example.com"];

describe("examples/welcome-hook", function () {
    this.timeout(300_000);
    let emu: RunningEmulator;
    let tenant: Tenant;
    let stack: TestStack;
    let dir: string;
    let log: string;

    /** The emails welcome.sh has been given so far, in order. */
    const welcomed = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : []);

    /** Points the stack at a team file holding the committed team plus `extra`. */
    async function teamOf(extra: string[]): Promise<void> {
        const file = path.join(dir, "team.csv");
        const committed = fs.readFileSync(path.join(exampleDir("welcome-hook"), "team.csv"), "utf8");
        fs.writeFileSync(file, committed + extra.map((e) => `${e},${e.split("@")[0]},FR\n`).join(""));
        await stack.setConfig({ "welcome:teamFile": file });
    }

    before(async () => {
        emu = await runEmulator();
        tenant = await newTenant(emu, "projects");
        dir = tempDir("welcome");
        log = path.join(dir, "welcome.log");
        // Grace already has an account: she is adopted, and must not be welcomed again.
        await emu.control.insertUsers(tenant.tenantId, [{ email: "grace@example.com", name: "Grace Hopper" }]);
        stack = await TestStack.create({ workDir: exampleDir("welcome-hook"), config: tenant.config, env: { WELCOME_LOG: log } });
    });
    after(async () => {
        await stack?.dispose();
        await emu?.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("welcomes the users the first up created, and not the one the tenant already had", async () => {
        const up = await stack.up();
        expect(up.outputs!.teamSize).to.equal(TEAM.length);
        expect(welcomed().sort()).to.deep.equal(["ada@example.com", "alan@example.com"]);
        expect(up.outputs!.welcome).to.equal("welcomed 2 new user(s)");
    });

    it("runs nothing on a re-run without changes", async () => {
        const up = await stack.up();
        expect(up.changeSummary).to.deep.equal({ same: 3 });
        expect(welcomed()).to.have.length(2);
    });

    it("welcomes only the users added since the last up", async () => {
        await teamOf(["katherine@example.com", "edsger@example.com"]);
        await stack.up();
        expect(welcomed().slice(2).sort()).to.deep.equal(["edsger@example.com", "katherine@example.com"]);
        expect(welcomed()).to.have.length(4);
    });

    it("never welcomes an added user the tenant already had", async () => {
        await emu.control.insertUsers(tenant.tenantId, [{ email: "barbara@example.com", name: "Barbara Liskov" }]);
        await teamOf(["katherine@example.com", "edsger@example.com", "barbara@example.com"]);
        const up = await stack.up();
        expect(up.outputs!.teamSize).to.equal(TEAM.length + 3);
        expect(welcomed()).to.have.length(4);
        expect(welcomed()).to.not.include("barbara@example.com");
        expect(welcomed()).to.not.include("grace@example.com");
    });

    it("welcomes nobody on destroy", async () => {
        await stack.destroy();
        expect(welcomed()).to.have.length(4);
    });
});
