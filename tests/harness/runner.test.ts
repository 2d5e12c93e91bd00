/**
 * The suite's runner (scripts/test.ts) must not report success for a run that checked less than
 * it says: a stray `.only`, a skipped test, or a deleted test's old compiled file still running.
 * Runs small Mocha suites written to a temporary folder, in process.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Mocha from "mocha";
import { closingLine, exitCodeFor, newMocha, type RunStats, selects, startOrder, testFiles, timeFiles } from "../../scripts/test";
import { runPool } from "../../scripts/test-pool";
import type { FileTiming } from "../../scripts/test";

/** A reporter that prints nothing, so the inner runs do not mix with this file's output. */
class Silent extends Mocha.reporters.Base {}

describe("the test runner", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tu-runner-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    function write(relative: string, text = ""): string {
        const file = path.join(dir, relative);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
        return file;
    }

    async function run(files: string[]): Promise<{ stats: RunStats; timings: FileTiming[] }> {
        const mocha = newMocha({ reporter: Silent });
        for (const f of files) mocha.addFile(f);
        let timings: () => FileTiming[] = () => [];
        const stats = await new Promise<RunStats>((resolve, reject) => {
            try {
                const runner = mocha.run(() =>
                    resolve({ passes: runner.stats!.passes, failures: runner.stats!.failures, pending: runner.stats!.pending }),
                );
                timings = timeFiles(runner, (f) => path.basename(f));
            } catch (err) {
                reject(err);
            }
        });
        mocha.dispose();
        return { stats, timings: timings() };
    }

    it("runs only the compiled tests whose source still exists and names the stale ones", () => {
        const kept = write("dist/tests/e2e/kept.test.js");
        const stale = write("dist/tests/e2e/deleted.test.js");
        write("dist/tests/e2e/support.js");
        write("tests/e2e/kept.test.ts");
        expect(testFiles(path.join(dir, "dist/tests"), path.join(dir, "tests"))).to.deep.equal({ files: [kept], stale: [stale] });
    });

    it("refuses a run with a test marked .only instead of running it alone", async () => {
        const file = write("only.test.js", `it("a", () => {}); it.only("b", () => {});`);
        let error: unknown;
        try {
            await run([file]);
        } catch (err) {
            error = err;
        }
        expect(String(error)).to.match(/only/i);
    });

    it("fails a run in which a test was skipped, and says so in the closing line", async () => {
        const file = write("skip.test.js", `it("a", () => {}); it.skip("b", () => {}); it("c", function () { this.skip(); });`);
        const { stats } = await run([file]);
        expect(stats).to.deep.equal({ passes: 1, failures: 0, pending: 2 });
        expect(exitCodeFor(stats)).to.equal(1);
        expect(closingLine(stats)).to.equal("1 passed, 0 failed, 2 skipped (a skipped test fails the run)");
    });

    it("fails a run with a failed test or with no test at all, and passes one where every test passed", () => {
        expect(exitCodeFor({ passes: 3, failures: 1, pending: 0 })).to.equal(1);
        expect(exitCodeFor({ passes: 0, failures: 0, pending: 0 })).to.equal(1);
        expect(exitCodeFor({ passes: 3, failures: 0, pending: 0 })).to.equal(0);
        expect(closingLine({ passes: 3, failures: 0, pending: 0 })).to.equal("3 passed, 0 failed");
    });

    it("measures each file's wall time, its hooks and top-level tests included", async () => {
        const wait = "new Promise((r) => setTimeout(r, 40))";
        const hooked = write(
            "hooked.test.js",
            `describe("s", () => { before(() => ${wait}); it("a", () => {}); }); describe("t", () => { it("b", () => {}); });`,
        );
        const bare = write("bare.test.js", `it("c", () => ${wait});`);
        const { timings } = await run([hooked, bare]);
        expect(timings.map((t) => t.file).sort()).to.deep.equal(["bare.test.js", "hooked.test.js"]);
        // A lower bound only (a timer never fires early by more than a millisecond): the wait was counted.
        for (const t of timings) expect(t.ms, t.file).to.be.at.least(35);
    });

    describe("in a pool of worker processes", () => {
        const WORKER = [path.resolve(__dirname, "../../scripts/test.js"), "--worker"];

        async function pool(files: string[], jobs = 2): Promise<{ stats: RunStats; printed: string[] }> {
            const printed: string[] = [];
            const { stats } = await runPool({ files, jobs, workerArgs: WORKER, print: (text) => printed.push(text) });
            return { stats, printed };
        }

        it("sums every file's counts across two workers and prints each file's output whole", async () => {
            const files = [
                write("a.test.js", `describe("file a", () => { it("a1", () => {}); it("a2", () => {}); });`),
                write("b.test.js", `describe("file b", () => { it("b1", () => { throw new Error("b1 broke"); }); });`),
                write("c.test.js", `describe("file c", () => { it("c1", () => {}); });`),
            ];
            const { stats, printed } = await pool(files);
            expect(stats).to.deep.equal({ passes: 3, failures: 1, pending: 0 });
            expect(printed).to.have.length(3);
            const fileB = printed.find((p) => p.includes("file b"))!;
            expect(fileB).to.include("b1 broke");
            expect(fileB).not.to.include("file a");
        });

        it("fails a file whose worker dies and still runs the files after it", async () => {
            const files = [
                write("dies.test.js", `describe("dies", () => { it("exits", () => process.exit(3)); });`),
                write("after.test.js", `describe("after", () => { it("runs", () => {}); });`),
            ];
            const { stats, printed } = await pool(files, 1);
            expect(stats).to.deep.equal({ passes: 1, failures: 1, pending: 0 });
            expect(printed.join("\n")).to.match(/dies\.test\.js exited \(code 3\)/);
        });

        it("keeps no process listener of a finished file, so an unhandled rejection twelve files in does not stall the worker", async function () {
            // Undisposed, each Mocha run leaves listeners that re-emit an unhandled rejection to each other forever.
            this.timeout(30_000);
            const files = Array.from({ length: 11 }, (_, i) => write(`quiet-${i}.test.js`, `it("q${i}", () => {});`));
            files.push(
                write("rejects.test.js", `it("rejects late", (done) => { Promise.reject(new Error("late")); setTimeout(done, 100); });`),
            );
            files.push(write("after.test.js", `it("runs after", () => {});`));
            const { stats, printed } = await pool(files, 1);
            expect(stats.passes + stats.failures).to.equal(13);
            expect(printed.at(-1)).to.include("runs after");
        });

        it("prints what a running file printed, and that it was interrupted, when the run gets SIGTERM", async function () {
            this.timeout(30_000);
            const started = path.join(dir, "started");
            const hangs = write(
                "hangs.test.js",
                `it("hangs", () => { console.log("halfway there"); require("node:fs").writeFileSync(${JSON.stringify(started)}, ""); return new Promise(() => {}); });`,
            );
            const pool = path.resolve(__dirname, "../../scripts/test-pool.js");
            const driver = `require(${JSON.stringify(pool)}).runPool({ files: [${JSON.stringify(hangs)}], jobs: 1, workerArgs: ${JSON.stringify(WORKER)}, print: (t) => console.log(t) })`;
            const child = spawn(process.execPath, ["-e", driver], { stdio: ["ignore", "pipe", "inherit"] });
            let stdout = "";
            child.stdout.on("data", (d) => (stdout += d));
            while (!fs.existsSync(started)) await new Promise((r) => setTimeout(r, 50));
            child.kill("SIGTERM");
            const code = await new Promise((r) => child.on("close", r));
            expect(code).to.equal(143);
            expect(stdout).to.include("halfway there");
            expect(stdout).to.include("hangs.test.js interrupted by SIGTERM");
        });

        it("refuses a .only in a worker's file too", async () => {
            const file = write("only.test.js", `it("a", () => {}); it.only("b", () => {});`);
            const { stats } = await pool([file]);
            expect(exitCodeFor(stats)).to.equal(1);
        });
    });

    it("starts the unit rooms first, then the slowest files by the last run, then unknown files by room weight", () => {
        const last = new Map([
            ["e2e/fast", 5_000],
            ["e2e/slow", 90_000],
        ]);
        const order = startOrder(
            ["e2e/fast", "examples/new", "provider/unit", "e2e/slow", "fleet/new"],
            (f) => f.split("/")[0]!,
            (f) => last.get(f),
        );
        expect(order).to.deep.equal(["provider/unit", "fleet/new", "examples/new", "e2e/slow", "e2e/fast"]);
    });

    it("selects files by room, by path prefix, and by the source path a shell completes", () => {
        const file = "reliability/faults.test.js";
        for (const asked of [[], ["reliability"], ["reliability/fa"], ["tests/reliability/faults.test.ts"], ["./tests/reliability"]]) {
            expect(selects(asked, file), JSON.stringify(asked)).to.equal(true);
        }
        for (const asked of [["e2e"], ["tests/reliability/crash.test.ts"], ["faults"]]) {
            expect(selects(asked, file), JSON.stringify(asked)).to.equal(false);
        }
    });
});
