/**
 * The packed package installed outside the repository with npm, beside @pulumi/pulumi 3.259.0,
 * TypeScript 5.9 and @types/node: a TypeScript program run the way Pulumi runs a user's (ts-node
 * type-checking it) and a plain-JavaScript ES module program, against the emulator command
 * started from the same install.
 */
import { spawnSync } from "node:child_process";
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { findPulumi } from "../../cli/pulumi-toolchain";
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

    describe("the tenant-users fleet command", () => {
        it("applies a tenant from the installed package and writes nothing inside node_modules/pulumi-tenant-users", async () => {
            const work = fs.mkdtempSync(path.join(installed.root, "fleet-"));
            const tenant = await emu.control.createTenant("zquence");
            const users = [{ email: "fleet-a@example.com" }, { email: "fleet-b@example.com" }];
            fs.writeFileSync(
                path.join(work, "fleet.yaml"),
                stringify({
                    tenants: [
                        {
                            name: "installed",
                            dialect: "zquence",
                            baseUrl: `${emu.url}/zquence`,
                            credentials: { apiKey: "env:FLEET_KEY", apiSecret: "env:FLEET_SECRET" },
                            users,
                        },
                    ],
                }),
            );
            const pkg = path.join(installed.quickstart, "node_modules", "pulumi-tenant-users");
            const before = listTree(pkg);
            const tmp = path.join(work, "tmp");
            fs.mkdirSync(tmp);
            fs.mkdirSync(path.join(work, "state"));
            const run = spawnSync(
                path.join(installed.quickstart, "node_modules", ".bin", "tenant-users"),
                ["fleet", "up", "--file", "fleet.yaml", "--json"],
                {
                    cwd: work,
                    encoding: "utf8",
                    env: {
                        ...process.env,
                        FLEET_KEY: tenant.apiKey,
                        FLEET_SECRET: tenant.apiSecret,
                        PULUMI_BACKEND_URL: `file://${path.join(work, "state")}`,
                        PULUMI_CONFIG_PASSPHRASE: "installed-fleet-test",
                        PULUMI_HOME: path.join(work, "pulumi-home"),
                        TMPDIR: tmp,
                        // A user's own Pulumi is on PATH; here it is the one built for the suite.
                        PATH: [findPulumi().binDir, path.dirname(process.execPath), process.env.PATH ?? ""].join(path.delimiter),
                    },
                },
            );
            expect(run.status, `${run.stdout}\n${run.stderr}`).to.equal(0);
            expect(JSON.parse(run.stdout)[0], run.stdout).to.include({ tenant: "installed", result: "succeeded" });
            expect((await emu.control.users(tenant.tenantId)).map((u) => u.email).sort()).to.deep.equal(users.map((u) => u.email));
            expect(listTree(pkg)).to.deep.equal(before);
            expect(fs.readdirSync(tmp)).to.deep.equal([]);
        });
    });
});

/** Every path under `dir` with its size and modification time: what a write inside it would change. */
function listTree(dir: string): string[] {
    return fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .map((e) => {
            const full = path.join(e.parentPath, e.name);
            const st = fs.lstatSync(full);
            return `${path.relative(dir, full)} ${st.size} ${st.mtimeMs}`;
        })
        .sort();
}
