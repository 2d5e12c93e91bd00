/**
 * Runs the suite's files in worker processes, a file at a time each, so two end-to-end files share
 * the machine: a Pulumi operation keeps about one core busy, and most of its time is process
 * start-up (the CLI, the program, the provider), not work another operation would wait for. Every
 * test already runs on its own emulator (port 0), state directory and program directory.
 *
 * Protocol: the parent writes a compiled test file's path to a worker's stdin; the worker runs it
 * with a fresh Mocha and prints the spec output, then one `RESULT_MARK` line with its counts. The
 * parent holds each file's output until that line, so files never interleave on the console.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as readline from "node:readline";
import type Mocha from "mocha";
import type { FileTiming, RunStats } from "./test";

const RESULT_MARK = "@@tenant-users-test-result ";

export interface FileResult extends RunStats {
    file: string;
    timings: FileTiming[];
}

/** A worker process, the file it runs and what it has printed of that file so far. */
interface Worker {
    child: ChildProcess;
    current?: string;
    output: string[];
}

export interface PoolOptions {
    files: string[];
    jobs: number;
    /** Arguments for a worker process: `node <script> ...workerArgs`. */
    workerArgs: string[];
    /** Receives each file's whole output once it has run. */
    print: (text: string) => void;
}

/**
 * Runs `files` (in this order, each to the first free worker) and sums the counts. A worker that
 * dies mid-file fails that file and is replaced, so the rest still run.
 */
export async function runPool(opts: PoolOptions): Promise<{ stats: RunStats; timings: FileTiming[] }> {
    const queue = [...opts.files];
    const stats: RunStats = { passes: 0, failures: 0, pending: 0 };
    const timings: FileTiming[] = [];
    const record = (r: FileResult) => {
        stats.passes += r.passes;
        stats.failures += r.failures;
        stats.pending += r.pending;
        timings.push(...r.timings);
    };

    const running = new Set<Worker>();
    const worker = (): Promise<void> =>
        new Promise((resolve) => {
            const w: Worker = {
                child: spawn(process.execPath, opts.workerArgs, { stdio: ["pipe", "pipe", "inherit"] }),
                output: [],
            };
            running.add(w);
            // A worker that died is seen at `close` (below); writing to it meanwhile must not crash the parent.
            w.child.stdin?.on("error", () => undefined);
            const next = () => {
                w.current = queue.shift();
                if (w.current === undefined) w.child.stdin?.end();
                else w.child.stdin?.write(`${w.current}\n`);
            };
            readline.createInterface({ input: w.child.stdout! }).on("line", (line) => {
                if (!line.startsWith(RESULT_MARK)) {
                    w.output.push(line);
                    return;
                }
                record(JSON.parse(line.slice(RESULT_MARK.length)) as FileResult);
                opts.print(w.output.join("\n"));
                w.output = [];
                next();
            });
            // `close`, not `exit`: by then every line the worker wrote has been read.
            w.child.on("close", (code, signal) => {
                running.delete(w);
                if (w.current !== undefined) {
                    w.output.push(`  ✖ the worker running ${w.current} exited (${signal ?? `code ${code}`}) before the file finished`);
                    opts.print(w.output.join("\n"));
                    stats.failures += 1;
                    w.current = undefined;
                    if (queue.length > 0) return resolve(worker());
                }
                resolve();
            });
            next();
        });

    // Interrupted (Ctrl-C, a CI job cancelled), each file still running is printed as far as it got.
    const interrupted = (signal: NodeJS.Signals) => {
        for (const w of running) {
            opts.print([...w.output, `  ✖ ${w.current ?? "a worker"} interrupted by ${signal}`].join("\n"));
            w.child.kill("SIGKILL");
        }
        process.exit(signal === "SIGINT" ? 130 : 143);
    };
    process.once("SIGINT", interrupted);
    process.once("SIGTERM", interrupted);
    try {
        await Promise.all(Array.from({ length: Math.min(opts.jobs, opts.files.length) }, () => worker()));
    } finally {
        process.off("SIGINT", interrupted);
        process.off("SIGTERM", interrupted);
    }
    return { stats, timings: timings.sort((a, b) => b.ms - a.ms) };
}

/**
 * A worker's loop: runs each file named on stdin with a Mocha from `newMocha`, then prints its
 * counts on one marked line. Exits when stdin ends, whatever handles the tests left open.
 */
export async function serveFiles(newMocha: () => Mocha, timeFile: (runner: Mocha.Runner) => () => FileTiming[]): Promise<void> {
    const lines = readline.createInterface({ input: process.stdin });
    for await (const file of lines) {
        if (!file) continue;
        const mocha = newMocha();
        mocha.addFile(file);
        let timings: () => FileTiming[] = () => [];
        let finished: Mocha.Runner | undefined;
        // A file Mocha refuses before running it (a `.only`, a syntax error) counts as one failure.
        const stats = await new Promise<RunStats>((resolve, reject) => {
            const runner = mocha.run(() =>
                resolve({ passes: runner.stats?.passes ?? 0, failures: runner.stats?.failures ?? 0, pending: runner.stats?.pending ?? 0 }),
            );
            finished = runner;
            timings = timeFile(runner);
        }).catch((err: unknown): RunStats => {
            console.log(`  ✖ ${file} did not run: ${err instanceof Error ? err.message : String(err)}`);
            return { passes: 0, failures: 1, pending: 0 };
        });
        const result: FileResult = { file, ...stats, timings: timings() };
        // Each run's process listeners (uncaughtException, unhandledRejection) go with it: left behind,
        // they re-emit an unhandled rejection to each other forever. A run an unhandled rejection
        // ended still counts as running for Mocha, so then its runner alone is disposed.
        try {
            mocha.dispose();
        } catch {
            finished?.dispose();
        }
        process.stdout.write(`\n${RESULT_MARK}${JSON.stringify(result)}\n`);
    }
    process.exit(0);
}
