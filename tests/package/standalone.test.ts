/**
 * Starting points a user copies out of the repository: examples/quickstart on its own, and the
 * `templates/roster` Pulumi template through `pulumi new`, each with the packed package installed
 * and run as Pulumi runs a user's program (type-checked, no extra environment variable).
 */
import { expect } from "chai";
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { pulumiToolchain, REPO_ROOT } from "../../cli/pulumi-toolchain";
import { TestStack } from "../harness/pulumi";
import {
    type Installed,
    installedPackage,
    linkInstall,
    type PackagedEmulator,
    startPackagedEmulator,
    TYPE_CHECKED,
    zquenceTenant,
} from "./support";

const execFileAsync = promisify(execFile);
const TEMPLATE = path.join(REPO_ROOT, "templates", "roster");

/** `pulumi config set --secret <key>` with the value on stdin, never on a command line. */
function setSecretFromStdin(stack: TestStack, key: string, value: string): Promise<void> {
    return new Promise((resolve, reject) => {
        const child = spawn("pulumi", ["config", "set", "--secret", key, "--stack", stack.stack.name], {
            cwd: stack.workDir,
            env: { ...process.env, ...stack.env },
            stdio: ["pipe", "ignore", "pipe"],
        });
        let err = "";
        child.stderr.on("data", (c: Buffer) => {
            err += c.toString();
        });
        child.on("error", reject);
        child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`pulumi config set ${key} exited with ${code}: ${err}`))));
        child.stdin.end(value);
    });
}

describe("starting points copied out of the repository", function () {
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

    describe("examples/quickstart", () => {
        it("resolves pulumi-tenant-users from its own npm install, not from the repository", async () => {
            // In a child process: inside this repository, Node resolves the package's own name to the checkout.
            const { stdout } = await execFileAsync(process.execPath, ["-p", "require.resolve('pulumi-tenant-users')"], {
                cwd: installed.quickstart,
            });
            const resolved = fs.realpathSync(stdout.trim());
            expect(resolved.startsWith(path.join(installed.quickstart, "node_modules", "pulumi-tenant-users"))).to.equal(true, resolved);
        });

        it("previews its three users, type-checked", async () => {
            const tenant = await zquenceTenant(emu);
            const stack = await TestStack.create({ workDir: installed.quickstart, config: tenant.config, env: TYPE_CHECKED });
            stacks.push(stack);
            const preview = await stack.preview();
            expect(preview.changeSummary).to.deep.equal({ create: 4 });
        });
    });

    describe("templates/roster", () => {
        const project = parse(fs.readFileSync(path.join(TEMPLATE, "Pulumi.yaml"), "utf8"));

        it("prompts for the dialect and the base URL, and marks every credential secret", () => {
            const config = project.template.config;
            expect(config["tenant-users:dialect"]).to.include({ default: "zquence" });
            expect(config["tenant-users:baseUrl"]).to.have.property("description");
            for (const key of ["apiKey", "apiSecret", "secretKey"]) {
                expect(config[`tenant-users:${key}`], key).to.include({ secret: true });
            }
            expect(Object.values(config).filter((v: any) => !v.secret).length).to.equal(2);
        });

        it("writes to the local emulator unless told the vendor's URL, so Enter through the prompts reaches no real tenant", () => {
            const config = project.template.config;
            expect(config["tenant-users:baseUrl"]).to.include({ default: "http://127.0.0.1:4010/zquence" });
        });

        it("lists every package its program imports as a dependency", () => {
            const pkg = JSON.parse(fs.readFileSync(path.join(TEMPLATE, "package.json"), "utf8"));
            const program = fs.readFileSync(path.join(TEMPLATE, "index.ts"), "utf8");
            const imported = [...program.matchAll(/from "([^".][^"]*)"/g)].map((m) => m[1]);
            expect(Object.keys(pkg.dependencies)).to.include.members(imported);
        });

        it("generates a project with pulumi new that previews against the emulator", async () => {
            const dir = path.join(installed.root, "from-template");
            const tenant = await zquenceTenant(emu);
            // --generate-only: the offline toolchain cannot npm install a package that is not on the registry yet;
            // the install below stands in for the one `pulumi new` runs.
            await execFileAsync(
                "pulumi",
                ["new", TEMPLATE, "--generate-only", "--yes", "--force", "--name", "tu-from-template", "--dir", dir],
                { cwd: installed.root, env: { ...process.env, ...pulumiToolchain().env } },
            );
            expect(parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"))).to.not.have.property("template");
            linkInstall(installed, dir);

            const stack = await TestStack.create({ workDir: dir, env: TYPE_CHECKED });
            stacks.push(stack);
            await stack.setConfig({ "tenant-users:dialect": "zquence", "tenant-users:baseUrl": `${emu.url}/zquence` });
            await setSecretFromStdin(stack, "tenant-users:apiKey", tenant.config["tenant-users:apiKey"].value);
            await setSecretFromStdin(stack, "tenant-users:apiSecret", tenant.config["tenant-users:apiSecret"].value);

            const preview = await stack.preview({ diff: true });
            expect(preview.changeSummary).to.deep.equal({ create: 2 });
            const stackFile = fs.readFileSync(path.join(dir, `Pulumi.${stack.stack.name}.yaml`), "utf8");
            for (const secret of tenant.secrets) expect(stackFile).to.not.include(secret);
            expect(parse(stackFile).config["tenant-users:apiKey"]).to.have.property("secure");
        });
    });
});
