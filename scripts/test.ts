/**
 * `npm test`: every suite under dist/tests, on Node 24, ending with the line
 * `N passed, N failed` so CI can tell a run that executed no test.
 *
 *   npm test                      # everything
 *   npm test -- emulator provider # only tests/emulator and tests/provider
 *   npm test -- --grep "adopts"   # mocha's grep
 *   npm test -- --jobs 1          # one file at a time (default 2, or TEST_JOBS)
 *
 * A run fails (exit 1) on a failed test, on no test run, on a test left `.only` (forbidden) and on
 * a skipped or pending test. Each file's wall time goes to dist/test-timings.json, the slowest
 * printed before the closing line.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Mocha from "mocha";
import { pulumiToolchain } from "../cli/pulumi-toolchain";
import { runPool, serveFiles } from "./test-pool";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const TESTS_DIR = path.resolve(__dirname, "..", "tests");
const SOURCE_TESTS_DIR = path.join(REPO_ROOT, "tests");
const TIMINGS_FILE = path.resolve(__dirname, "..", "test-timings.json");
// Unit rooms start first: a broken unit fails in seconds, before the minutes of end-to-end runs.
const FAST_ROOMS = ["provider", "emulator"];
// Without a last run's timings, the heaviest rooms start first (measured: fleet and the bench's
// test are the two longest files, then the end-to-end rooms).
const HEAVY_ROOMS = ["fleet", "scripts", "e2e", "reliability", "package", "examples", "harness"];
// Two files at a time: a Pulumi operation keeps about one of the two cores busy.
const DEFAULT_JOBS = 2;
const SLOWEST_SHOWN = 10;

function compiledFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((entry) => {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) return compiledFiles(full);
            return entry.name.endsWith(".test.js") ? [full] : [];
        })
        .sort();
}

/**
 * The compiled test files of `distDir` whose TypeScript source is still in `sourceDir`. `tsc` never
 * deletes an output, so a deleted or renamed test's old .js stays in dist/ and would keep running:
 * those are returned as `stale`, not run.
 */
export function testFiles(distDir: string, sourceDir: string): { files: string[]; stale: string[] } {
    const files: string[] = [];
    const stale: string[] = [];
    for (const file of compiledFiles(distDir)) {
        const source = path.join(sourceDir, path.relative(distDir, file)).replace(/\.js$/, ".ts");
        (fs.existsSync(source) ? files : stale).push(file);
    }
    return { files, stale };
}

export interface RunStats {
    passes: number;
    failures: number;
    pending: number;
}

/** 0 only when some test passed and none failed or was skipped: a skipped test is an unchecked behaviour. */
export function exitCodeFor(stats: RunStats): number {
    return stats.failures > 0 || stats.passes === 0 || stats.pending > 0 ? 1 : 0;
}

/** The last line of the output: `N passed, N failed`, then skipped tests, which fail the run. */
export function closingLine(stats: RunStats): string {
    const skipped = stats.pending ? `, ${stats.pending} skipped (a skipped test fails the run)` : "";
    return `${stats.passes} passed, ${stats.failures} failed${skipped}`;
}

export interface FileTiming {
    file: string;
    ms: number;
}

/**
 * Wall time per test file, hooks included: from the start to the end of each of the file's
 * top-level suites, plus any test declared outside a suite.
 */
export function timeFiles(runner: Mocha.Runner, nameOf: (file: string) => string): () => FileTiming[] {
    const totals = new Map<string, number>();
    const started = new Map<Mocha.Suite, number>();
    const add = (file: string | undefined, ms: number) => {
        if (!file) return;
        const key = nameOf(file);
        totals.set(key, (totals.get(key) ?? 0) + ms);
    };
    const topLevel = (s: Mocha.Suite) => s.parent?.root;
    runner.on(Mocha.Runner.constants.EVENT_SUITE_BEGIN, (s: Mocha.Suite) => {
        if (topLevel(s)) started.set(s, Date.now());
    });
    runner.on(Mocha.Runner.constants.EVENT_SUITE_END, (s: Mocha.Suite) => {
        const at = started.get(s);
        if (at !== undefined) add(s.file, Date.now() - at);
    });
    runner.on(Mocha.Runner.constants.EVENT_TEST_END, (t: Mocha.Test) => {
        if (t.parent?.root) add(t.file, t.duration ?? 0);
    });
    return () => [...totals].map(([file, ms]) => ({ file, ms })).sort((a, b) => b.ms - a.ms);
}

function slowestTable(timings: FileTiming[]): string {
    const shown = timings.slice(0, SLOWEST_SHOWN);
    const width = Math.max(...shown.map((t) => t.file.length));
    const total = timings.reduce((s, t) => s + t.ms, 0);
    const rows = shown.map((t) => `  ${t.file.padEnd(width)}  ${(t.ms / 1000).toFixed(1).padStart(7)} s`);
    return `\nslowest files (${timings.length} run, ${(total / 1000).toFixed(1)} s of file time in all; every file's in ${path.relative(REPO_ROOT, TIMINGS_FILE)}):\n${rows.join("\n")}`;
}

/** The suite's Mocha: `forbidOnly`, since a stray `it.only` would otherwise run one test and report success. */
export function newMocha(opts: { grep?: string; reporter?: Mocha.MochaOptions["reporter"] } = {}): Mocha {
    return new Mocha({ reporter: opts.reporter ?? "spec", timeout: 120_000, slow: 10_000, grep: opts.grep, forbidOnly: true });
}

/** Arguments after `--grep`, `--jobs`, `--worker` are taken out; the rest name rooms or path prefixes. */
function parseArgs(argv: string[]): { grep?: string; jobs: number; worker: boolean; rooms: string[] } {
    const args = [...argv];
    const take = (flag: string) => {
        const at = args.indexOf(flag);
        return at >= 0 ? args.splice(at, 2)[1] : undefined;
    };
    const grep = take("--grep");
    const jobs = Number(take("--jobs") ?? process.env.TEST_JOBS ?? DEFAULT_JOBS);
    const worker = args.includes("--worker");
    if (!(Number.isInteger(jobs) && jobs >= 1)) throw new Error(`--jobs must be a whole number of at least 1, got ${jobs}`);
    return { grep, jobs, worker, rooms: args.filter((a) => !a.startsWith("-")) };
}

/**
 * The order files start in: the unit rooms first (a broken unit fails in seconds), then the
 * slowest first by the last run's timings, so no long file starts last while the other workers
 * idle. Without timings (a clean clone), by room: the heaviest rooms first.
 */
export function startOrder(files: string[], roomOf: (f: string) => string, lastMs: (f: string) => number | undefined): string[] {
    const unit = (f: string) => FAST_ROOMS.includes(roomOf(f));
    const weight = (f: string) => lastMs(f) ?? (HEAVY_ROOMS.length - HEAVY_ROOMS.indexOf(roomOf(f))) * 1e9;
    return [...files].sort((a, b) => Number(unit(b)) - Number(unit(a)) || weight(b) - weight(a) || a.localeCompare(b));
}

/**
 * Whether a file (its path under the tests directory, e.g. `reliability/faults.test.js`) is among
 * those asked for: a room (`reliability`), a path prefix, or the source's own path
 * (`tests/reliability/faults.test.ts`, as a shell completes it). Nothing asked for means everything.
 */
export function selects(asked: string[], file: string): boolean {
    if (asked.length === 0) return true;
    return asked.some((a) => file.startsWith(a.replace(/^(\.\/)?tests\//, "").replace(/\.ts$/, "")));
}

function lastTimings(): Map<string, number> {
    try {
        const saved = JSON.parse(fs.readFileSync(TIMINGS_FILE, "utf8")) as { files: FileTiming[] };
        return new Map(saved.files.map((t) => [t.file, t.ms]));
    } catch {
        return new Map();
    }
}

const sourceName = (f: string) =>
    path.relative(REPO_ROOT, path.join(SOURCE_TESTS_DIR, path.relative(TESTS_DIR, f))).replace(/\.js$/, ".ts");

async function main(): Promise<void> {
    const { grep, jobs, worker, rooms } = parseArgs(process.argv.slice(2));
    if (worker)
        return serveFiles(
            () => newMocha({ grep }),
            (runner) => timeFiles(runner, sourceName),
        );

    const major = Number(process.versions.node.split(".")[0]);
    if (major < 22)
        throw new Error(
            `tests need Node 22 or newer (this is ${process.version}); run them through npm, which puts node_modules/.bin first on PATH`,
        );

    // Find (or build, 3 to 9 minutes cold) Pulumi before any test's timeout starts ticking.
    const toolchain = pulumiToolchain();
    console.log(`pulumi v${toolchain.version} (${toolchain.source}) from ${toolchain.binDir}`);

    const { files: all, stale } = testFiles(TESTS_DIR, SOURCE_TESTS_DIR);
    for (const f of stale) console.log(`not running ${path.relative(REPO_ROOT, f)}: its source under tests/ no longer exists`);
    const chosen = all.filter((f) => selects(rooms, path.relative(TESTS_DIR, f)));
    const previous = lastTimings();
    const files = startOrder(
        chosen,
        (f) => path.relative(TESTS_DIR, f).split(path.sep)[0]!,
        (f) => previous.get(sourceName(f)),
    );
    console.log(`${files.length} files, ${Math.min(jobs, files.length)} at a time`);

    const { stats, timings } = await runPool({
        files,
        jobs,
        workerArgs: [__filename, "--worker", ...(grep ? ["--grep", grep] : [])],
        print: (text) => console.log(text),
    });
    if (timings.length) {
        // A partial run updates its files' timings and keeps the others', which order the next run.
        const merged = new Map(previous);
        for (const t of timings) merged.set(t.file, t.ms);
        const files = [...merged].map(([file, ms]) => ({ file, ms })).sort((a, b) => b.ms - a.ms);
        fs.writeFileSync(TIMINGS_FILE, `${JSON.stringify({ args: process.argv.slice(2), files }, null, 2)}\n`);
        console.log(slowestTable(timings));
    }
    console.log(`\n${closingLine(stats)}`);
    process.exitCode = exitCodeFor(stats);
}

if (require.main === module) {
    main().catch((err) => {
        console.error(err instanceof Error ? err.message : err);
        console.log("\n0 passed, 1 failed");
        process.exitCode = 1;
    });
}
