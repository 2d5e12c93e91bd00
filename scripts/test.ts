/**
 * `npm test`: every suite under dist/tests, on Node 24, ending with the line
 * `N passed, N failed` so CI can tell a run that executed no test.
 *
 *   npm test                      # everything
 *   npm test -- emulator provider # only tests/emulator and tests/provider
 *   npm test -- --grep "adopts"   # mocha's grep
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Mocha from "mocha";
import { pulumiToolchain } from "./pulumi-toolchain";

const TESTS_DIR = path.resolve(__dirname, "..", "tests");
// Fast rooms first: a broken unit fails in seconds, before the minutes of end-to-end runs.
const ROOM_ORDER = ["provider", "emulator", "harness", "e2e", "examples", "reliability", "fleet", "scripts"];

function testFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return testFiles(full);
        return entry.name.endsWith(".test.js") ? [full] : [];
    }).sort();
}

function roomRank(file: string): number {
    const room = path.relative(TESTS_DIR, file).split(path.sep)[0];
    const i = ROOM_ORDER.indexOf(room);
    return i === -1 ? ROOM_ORDER.length : i;
}

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    const grepAt = args.indexOf("--grep");
    const grep = grepAt >= 0 ? args.splice(grepAt, 2)[1] : undefined;
    const rooms = args.filter((a) => !a.startsWith("-"));

    const major = Number(process.versions.node.split(".")[0]);
    if (major < 22) throw new Error(`tests need Node 22 or newer (this is ${process.version}); run them through npm, which puts node_modules/.bin first on PATH`);

    // Find (or build, 3 to 9 minutes cold) Pulumi before any test's timeout starts ticking.
    const toolchain = pulumiToolchain();
    console.log(`pulumi v${toolchain.version} (${toolchain.source}) from ${toolchain.binDir}`);

    const mocha = new Mocha({ reporter: "spec", timeout: 120_000, slow: 10_000, grep });
    const files = testFiles(TESTS_DIR)
        .filter((f) => rooms.length === 0 || rooms.some((r) => path.relative(TESTS_DIR, f).startsWith(r)))
        .sort((a, b) => roomRank(a) - roomRank(b) || a.localeCompare(b));
    files.forEach((f) => mocha.addFile(f));

    const stats = await new Promise<{ passes: number; failures: number; pending: number }>((resolve) => {
        const runner = mocha.run(() => resolve({
            passes: runner.stats?.passes ?? 0,
            failures: runner.stats?.failures ?? 0,
            pending: runner.stats?.pending ?? 0,
        }));
    });
    const skipped = stats.pending ? `, ${stats.pending} skipped` : "";
    console.log(`\n${stats.passes} passed, ${stats.failures} failed${skipped}`);
    process.exitCode = stats.failures > 0 || stats.passes === 0 ? 1 : 0;
}

main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    console.log("\n0 passed, 1 failed");
    process.exitCode = 1;
});
