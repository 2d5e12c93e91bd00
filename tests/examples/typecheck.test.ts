/**
 * The examples as documentation: every one is a Pulumi project that runs its own index.ts, stands
 * alone once copied out (its own package.json and tsconfig.json), resolves the package from the
 * repository's working tree inside it, and type-checks under strict settings.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { linkSelf, REPO_ROOT } from "../../cli/pulumi-toolchain";
import { EXAMPLES_DIR } from "./support";

const execFileAsync = promisify(execFile);

const EXAMPLES = fs
    .readdirSync(EXAMPLES_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(EXAMPLES_DIR, e.name, "Pulumi.yaml")))
    .map((e) => e.name)
    .sort();

describe("examples", function () {
    this.timeout(120_000);

    it("includes the five documented examples", () => {
        expect(EXAMPLES).to.include.members(["quickstart", "nightly-crm-sync", "ci-test-tenant", "welcome-hook", "multi-tenant"]);
    });

    it("type-check with tsc -p examples/tsconfig.json", async () => {
        linkSelf(); // node_modules/pulumi-tenant-users -> .., so `import "pulumi-tenant-users"` resolves
        const tsc = path.join(REPO_ROOT, "node_modules", ".bin", "tsc");
        const result = await execFileAsync(tsc, ["-p", path.join(EXAMPLES_DIR, "tsconfig.json")], { cwd: REPO_ROOT }).then(
            () => ({ code: 0, output: "" }),
            (err: any) => ({ code: err.code, output: `${err.stdout}${err.stderr}` }),
        );
        expect(result, result.output).to.deep.equal({ code: 0, output: "" });
    });

    for (const name of EXAMPLES.filter((n) => n !== "demo")) {
        describe(name, () => {
            const dir = path.join(EXAMPLES_DIR, name);

            it("is a TypeScript Pulumi project whose main is its own index.ts", () => {
                const project = parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"));
                expect(project.runtime).to.deep.equal({ name: "nodejs", options: { typescript: true } });
                expect(project.main).to.equal("index.ts");
                expect(fs.existsSync(path.join(dir, "index.ts"))).to.equal(true);
            });

            it("has a README and no node_modules of its own, so the tests run it against the working tree", () => {
                expect(fs.existsSync(path.join(dir, "README.md"))).to.equal(true);
                expect(fs.existsSync(path.join(dir, "node_modules"))).to.equal(false);
            });

            it("stands alone: its package.json declares every package its program imports, with Pulumi and TypeScript pinned", () => {
                const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
                const program = fs.readFileSync(path.join(dir, "index.ts"), "utf8");
                const imported = [...program.matchAll(/from "([^".][^"]*)"/g)].map((m) => m[1]).filter((m) => !m.startsWith("node:"));
                expect(Object.keys(pkg.dependencies)).to.include.members([...imported, "pulumi-tenant-users"]);
                expect(pkg.dependencies["@pulumi/pulumi"]).to.equal("3.259.0");
                expect(pkg.devDependencies).to.include({ typescript: "5.9.3" });
            });

            it("has a tsconfig.json with node16 modules for its own index.ts", () => {
                const tsconfig = JSON.parse(fs.readFileSync(path.join(dir, "tsconfig.json"), "utf8"));
                expect(tsconfig.compilerOptions).to.include({ module: "node16", moduleResolution: "node16", strict: true });
                expect(tsconfig.files).to.deep.equal(["index.ts"]);
            });
        });
    }
});
