/**
 * The packed package installed outside the repository with npm, beside @pulumi/pulumi 3.259.0,
 * TypeScript 5.9 and @types/node: a TypeScript program run the way Pulumi runs a user's (ts-node
 * type-checking it) and a plain-JavaScript ES module program, against the emulator command
 * started from the same install.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { TestStack } from "../harness/pulumi";
import {
    type Installed,
    installedPackage,
    type PackagedEmulator,
    projectDir,
    startPackagedEmulator,
    TYPE_CHECKED,
    typescriptProject,
    zquenceTenant,
} from "./support";

const TS_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { TenantUser, TenantUserRoster } from "pulumi-tenant-users";

const ada = new TenantUser("ada", { email: "ada@example.com", name: "Ada Lovelace" });
const team = new TenantUserRoster("team", {
    users: [{ email: "grace@example.com", name: "Grace Hopper" }, { email: "alan@example.com" }],
});
const status: pulumi.Output<string> = ada.status;
export const adaStatus = status;
export const teamCreated = team.createdCount;
`;

const ESM_PROGRAM = `import { TenantUser, TenantUserRoster } from "pulumi-tenant-users";

const linus = new TenantUser("linus", { email: "linus@example.com" });
const kernel = new TenantUserRoster("kernel", { users: [{ email: "greg@example.com" }] });
export const linusStatus = linus.status;
export const kernelCreated = kernel.createdCount;
`;

describe("the package installed from its tarball", function () {
    this.timeout(600_000);
    let installed: Installed;
    let emu: PackagedEmulator;
    const stacks: TestStack[] = [];

    before(async () => {
        installed = await installedPackage();
        emu = await startPackagedEmulator(installed);
    });
    after(async () => {
        for (const s of stacks) await s.dispose();
        emu?.close();
    });

    async function stackFor(workDir: string): Promise<{ stack: TestStack; tenantId: string; secrets: string[] }> {
        const tenant = await zquenceTenant(emu);
        const stack = await TestStack.create({ workDir, config: tenant.config, env: TYPE_CHECKED });
        stacks.push(stack);
        return { stack, tenantId: tenant.tenantId, secrets: tenant.secrets };
    }

    it("installs without the development files: no bench, test runner or sources in node_modules", () => {
        const dist = path.join(installed.quickstart, "node_modules", "pulumi-tenant-users", "dist");
        expect(fs.readdirSync(dist).sort()).to.deep.equal(["cli", "emulator", "provider"]);
        expect(fs.readdirSync(path.join(dist, "cli")).sort()).to.deep.equal([
            "fleet",
            "index.d.ts",
            "index.js",
            "pulumi-toolchain.d.ts",
            "pulumi-toolchain.js",
        ]);
    });

    describe("a type-checked TypeScript program with a TenantUser and a TenantUserRoster", () => {
        let dir: string;
        let run: Awaited<ReturnType<typeof stackFor>>;

        before(async () => {
            dir = projectDir(installed, "typescript", typescriptProject("tu-packed-ts", TS_PROGRAM));
            run = await stackFor(dir);
        });

        it("previews the stack, the user and the roster as creates", async () => {
            const preview = await run.stack.preview();
            expect(preview.changeSummary).to.deep.equal({ create: 3 });
        });

        it("adds the user and the roster's users at the tenant on up", async () => {
            const up = await run.stack.up();
            expect(up.outputs).to.deep.include({ adaStatus: "created", teamCreated: 2 });
            const emails = (await emu.control.users(run.tenantId)).map((u) => u.email).sort();
            expect(emails).to.deep.equal(["ada@example.com", "alan@example.com", "grace@example.com"]);
        });

        it("stops the preview on a type error, so the program really is type-checked", async () => {
            const bad = projectDir(
                installed,
                "typescript-bad",
                typescriptProject(
                    "tu-packed-ts-bad",
                    `import { TenantUser } from "pulumi-tenant-users";\nexport const n: number = new TenantUser("x", { email: "x@example.com" }).status;\n`,
                ),
            );
            const badRun = await stackFor(bad);
            const preview = await badRun.stack.preview({ expectFailure: true });
            expect(preview.text).to.match(/TS2322/);
        });
    });

    describe("a plain-JavaScript ES module program", () => {
        it("adds its users at the tenant on up", async () => {
            const dir = projectDir(installed, "esm", {
                "Pulumi.yaml": "name: tu-packed-esm\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n",
                "package.json": JSON.stringify({ name: "tu-packed-esm", type: "module", main: "index.js" }),
                "index.js": ESM_PROGRAM,
            });
            const run = await stackFor(dir);
            const up = await run.stack.up();
            expect(up.outputs).to.deep.include({ linusStatus: "created", kernelCreated: 1 });
            const emails = (await emu.control.users(run.tenantId)).map((u) => u.email).sort();
            expect(emails).to.deep.equal(["greg@example.com", "linus@example.com"]);
        });
    });
});
