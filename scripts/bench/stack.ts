/**
 * Runs Pulumi programs through the real `pulumi` CLI, one process per operation, timed from spawn to
 * exit with `performance.now()`: exactly what a user's `pulumi up` costs, without the Automation
 * API's extra calls (`stack output`, `stack history`) around each operation.
 *
 * Every stack gets its own program directory (inside the repository, so `pulumi-tenant-users` and
 * `@pulumi/command` resolve) and its own `file://` state directory, both removed by `dispose()`.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeProgramDir } from "../program-dir";
import { pulumiToolchain } from "../../cli/pulumi-toolchain";

export interface CliResult {
    /** Wall milliseconds from spawn to exit. */
    ms: number;
    /** The monotonic clock at spawn, µs (process.hrtime; the clock V8 profiles use). */
    spawnedUs: number;
    code: number;
    stdout: string;
    stderr: string;
    /** The `Resources:` block of the CLI's summary, e.g. `{ created: 1001 }` or `{ "to update": 1, unchanged: 1 }`. */
    summary: Record<string, number>;
}

export interface OperationOptions {
    parallel?: number;
    diff?: boolean;
    /** Extra environment for this operation only (the CLI, the program and the providers inherit it). */
    env?: Record<string, string>;
    /** Extra CLI arguments (e.g. `--profiling`, `--tracing file:…`). */
    args?: string[];
}

const OPERATION_TIMEOUT_MS = 45 * 60_000;

/** Writes a throwaway Pulumi TypeScript project under `.tenant-users/bench/`. */
export function writeProgram(program: string, name: string, files: Record<string, string> = {}): string {
    return writeProgramDir("bench", program, name, files);
}

/** Runs a command, collecting its output; never rejects for a non-zero exit. */
export function run(
    cmd: string,
    args: string[],
    opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ ms: number; spawnedUs: number; code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const started = performance.now();
        const spawnedUs = Number(process.hrtime.bigint() / 1000n);
        const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (b: Buffer) => out.push(b));
        child.stderr.on("data", (b: Buffer) => err.push(b));
        const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? OPERATION_TIMEOUT_MS);
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            resolve({
                ms: performance.now() - started,
                spawnedUs,
                code: code ?? (signal ? 128 : 1),
                stdout: Buffer.concat(out).toString("utf8"),
                stderr: Buffer.concat(err).toString("utf8"),
            });
        });
    });
}

/** The CLI's `Resources:` block as counts, e.g. `+ 3 created`, `1 unchanged`, `~ 1 to update`. */
export function parseSummary(stdout: string): Record<string, number> {
    const at = stdout.lastIndexOf("Resources:");
    if (at < 0) return {};
    const summary: Record<string, number> = {};
    for (const line of stdout
        .slice(at + "Resources:".length)
        .split("\n")
        .slice(1)) {
        const m = /^\s+(?:[+~\-±]+\s+)?(\d+)\s+(.+?)\s*$/.exec(line);
        if (!m) break;
        summary[m[2]!] = Number(m[1]);
    }
    return summary;
}

export class BenchStack {
    private constructor(
        readonly workDir: string,
        readonly stackName: string,
        readonly project: string,
        readonly backendDir: string,
        readonly env: NodeJS.ProcessEnv,
    ) {}

    /**
     * A fresh stack of `program` with its own state directory. `config` keys carry their namespace;
     * `secrets` are stored encrypted. Setup is not timed.
     */
    static async create(opts: {
        program: string;
        project: string;
        files?: Record<string, string>;
        config?: Record<string, string>;
        secrets?: Record<string, string>;
        env?: Record<string, string>;
    }): Promise<BenchStack> {
        const toolchain = pulumiToolchain();
        const backendDir = fs.mkdtempSync(path.join(os.tmpdir(), "tu-bench-state-"));
        const workDir = writeProgram(opts.program, opts.project, opts.files);
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            ...toolchain.env,
            PULUMI_BACKEND_URL: `file://${backendDir}`,
            // Programs are plain and type-checked elsewhere; every variant (the empty one too) skips the type check.
            PULUMI_NODEJS_TRANSPILE_ONLY: "true",
            ...opts.env,
        };
        delete env.NODE_OPTIONS;
        const stackName = `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
        const stack = new BenchStack(workDir, stackName, opts.project, backendDir, env);
        await stack.cli(["stack", "init", stackName, "--non-interactive"]);
        const pairs: string[] = [];
        for (const [k, v] of Object.entries(opts.config ?? {})) pairs.push("--plaintext", `${k}=${v}`);
        for (const [k, v] of Object.entries(opts.secrets ?? {})) pairs.push("--secret", `${k}=${v}`);
        if (pairs.length > 0) await stack.cli(["config", "set-all", "--stack", stackName, ...pairs]);
        return stack;
    }

    /** Runs `pulumi <args>` in the program's directory; throws on a non-zero exit. */
    async cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
        const r = await run("pulumi", args, { cwd: this.workDir, env: { ...this.env, ...env } });
        if (r.code !== 0) {
            const tail = `${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`.trim();
            throw new Error(`pulumi ${args.slice(0, 2).join(" ")} failed (exit ${r.code}) in ${this.workDir}:\n${tail}`);
        }
        return { ...r, summary: parseSummary(r.stdout) };
    }

    writeFile(file: string, text: string): void {
        fs.writeFileSync(path.join(this.workDir, file), text);
    }

    up(opts: OperationOptions = {}): Promise<CliResult> {
        return this.cli(
            [
                "up",
                "--yes",
                "--skip-preview",
                "--non-interactive",
                "--suppress-progress",
                "--suppress-permalink",
                "--stack",
                this.stackName,
                ...(opts.parallel ? ["--parallel", String(opts.parallel)] : []),
                ...(opts.args ?? []),
            ],
            opts.env,
        );
    }

    preview(opts: OperationOptions = {}): Promise<CliResult> {
        return this.cli(
            [
                "preview",
                "--non-interactive",
                "--suppress-progress",
                "--suppress-permalink",
                "--stack",
                this.stackName,
                ...(opts.diff ? ["--diff"] : []),
                ...(opts.parallel ? ["--parallel", String(opts.parallel)] : []),
                ...(opts.args ?? []),
            ],
            opts.env,
        );
    }

    /** `pulumi stack export`: the checkpoint as the CLI gives it, secrets encrypted. */
    async exportState(): Promise<string> {
        return (await this.cli(["stack", "export", "--stack", this.stackName])).stdout;
    }

    /** Bytes of the checkpoint file the file backend keeps on disk (what each `up` rewrites). */
    checkpointBytes(): number {
        const dir = path.join(this.backendDir, ".pulumi", "stacks", this.project);
        for (const name of [`${this.stackName}.json`, `${this.stackName}.json.gz`]) {
            const file = path.join(dir, name);
            if (fs.existsSync(file)) return fs.statSync(file).size;
        }
        return NaN;
    }

    dispose(): void {
        fs.rmSync(this.backendDir, { recursive: true, force: true });
        fs.rmSync(this.workDir, { recursive: true, force: true });
    }
}
