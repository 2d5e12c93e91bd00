/**
 * What `npm pack` ships: what runs (library, provider runtime, emulator, the two commands) with
 * the type declarations of every export, and nothing of development (benchmarks, soak, the test
 * runner, tests, source maps of sources that are not shipped).
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT, siblingBuildScript } from "../../cli/pulumi-toolchain";
import { npm } from "./support";

interface PackEntry {
    path: string;
}

describe("npm pack", function () {
    this.timeout(60_000);
    let files: string[];
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));

    before(async () => {
        const [packed] = JSON.parse(await npm(["pack", "--dry-run", "--json"], REPO_ROOT));
        files = (packed.files as PackEntry[]).map((f) => f.path);
    });

    it("ships no benchmark, soak, demo, test runner or test file", () => {
        const development = files.filter(
            (f) =>
                /(^|\/)bench(\/|\.)/.test(f) ||
                /(^|\/)(soak|demo|test|program-dir)\.[jt]s$/.test(f) ||
                /^(dist\/)?tests\//.test(f) ||
                f.includes("postgres"),
        );
        expect(development).to.deep.equal([]);
    });

    it("ships no TypeScript source, source map or build info", () => {
        expect(files.filter((f) => /(?<!\.d)\.ts$|\.map$|tsbuildinfo/.test(f))).to.deep.equal([]);
    });

    it("ships the main entry, every export with its type declarations, and both commands", () => {
        const entries: string[] = [pkg.main, pkg.types, ...Object.values(pkg.bin as Record<string, string>)];
        for (const target of Object.values(pkg.exports as Record<string, string | Record<string, string>>)) {
            entries.push(...(typeof target === "string" ? [target] : Object.values(target)));
        }
        const missing = entries.map((e) => e.replace(/^\.\//, "")).filter((e) => !files.includes(e));
        expect(missing).to.deep.equal([]);
        expect(files).to.include.members(["dist/provider/runtime/index.d.ts", "dist/emulator/index.d.ts", "README.md", "CHANGELOG.md"]);
    });

    it("ships every module that a shipped module requires or whose types it imports", () => {
        const missing: string[] = [];
        for (const file of files.filter((f) => f.endsWith(".js") || f.endsWith(".d.ts"))) {
            const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
            const specifiers = [...text.matchAll(/(?:require\(|from |import\()"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]);
            for (const spec of specifiers) {
                const base = path.posix.join(path.posix.dirname(file), spec).replace(/\.js$/, "");
                const candidates = file.endsWith(".d.ts") ? [`${base}.d.ts`, `${base}/index.d.ts`] : [`${base}.js`, `${base}/index.js`];
                if (!candidates.some((c) => files.includes(c))) missing.push(`${file} -> ${spec}`);
            }
        }
        expect(missing).to.deep.equal([]);
    });

    it("declares as a dependency only packages a shipped module requires, so an install fetches nothing unused", () => {
        const required = new Set<string>();
        for (const file of files.filter((f) => f.endsWith(".js"))) {
            const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
            for (const [, spec] of text.matchAll(/(?:require\(|from |import\()"([^".][^"]*)"/g)) {
                const parts = spec!.split("/");
                required.add(spec!.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!);
            }
        }
        expect(Object.keys(pkg.dependencies).filter((d) => !required.has(d))).to.deep.equal([]);
    });
});

describe("finding Pulumi from an installed copy", () => {
    it("never looks for a build script in node_modules/shared, only beside a checkout", () => {
        const installed = path.join("/srv", "app", "node_modules", "pulumi-tenant-users");
        expect(siblingBuildScript(installed)).to.equal(undefined);
        expect(siblingBuildScript(path.join("/work", "main"))).to.equal(path.join("/work", "shared", "toolchain", "build.sh"));
    });
});
