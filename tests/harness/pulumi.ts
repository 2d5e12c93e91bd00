/**
 * End-to-end harness: runs a Pulumi program through the real CLI (the Automation API's
 * LocalWorkspace drives the same `pulumi` binary a user runs), as a project through the language
 * host or as an inline program, and returns the engine's structured results. Every stack gets a
 * fresh file backend, so tests never share state.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import ts from "typescript";
import * as os from "node:os";
import * as path from "node:path";
import {
    type ConfigMap,
    type EngineEvent,
    type InlineProgramArgs,
    type LocalProgramArgs,
    LocalWorkspace,
    type OpMap,
    PulumiCommand,
    type PulumiFn,
    type Stack,
    type StepEventMetadata,
} from "@pulumi/pulumi/automation";
import { writeProgramDir } from "../../scripts/program-dir";
import { pulumiToolchain } from "../../cli/pulumi-toolchain";

const execFileAsync = promisify(execFile);
let pulumiCommand: Promise<PulumiCommand> | undefined;

export interface ConfigEntry {
    value: string;
    secret?: boolean;
}

export interface StackOptions {
    /** A Pulumi project directory (an example, or one from `writeProgram`). */
    workDir: string;
    stackName?: string;
    /** Config keys with their namespace, e.g. `tenant-users:dialect`. */
    config?: Record<string, ConfigEntry | string>;
    /** Extra environment for the CLI, the program and the provider process. */
    env?: Record<string, string>;
    /** State store; default a fresh `file://` directory. */
    backendUrl?: string;
    /**
     * Runs a `writeProgram` project's program in this process, through the Automation API's
     * inline programs: the CLI, the engine and the dynamic-provider process are the same, the
     * language host and the program's own Node process are skipped (measured: a one-TenantUser
     * preview 2.1 s instead of 3.6 s). `env` then reaches the CLI and the provider only.
     */
    inline?: boolean;
}

export interface OperationResult {
    stdout: string;
    stderr: string;
    /** Operation → count, e.g. `{ create: 2, same: 1 }`. */
    changeSummary: OpMap;
    /** One entry per resource step the engine reported. */
    steps: StepEventMetadata[];
    /** Diagnostics (errors and warnings) the engine reported, with their text. */
    diagnostics: { severity: string; message: string; urn?: string }[];
    outputs?: Record<string, unknown>;
    /** Everything a user would read: stdout, stderr and the engine's non-debug messages. */
    text: string;
}

export interface RunOptions {
    parallel?: number;
    diff?: boolean;
    expectFailure?: boolean;
    refresh?: boolean;
    debugLogs?: boolean;
}

export class TestStack {
    private constructor(
        readonly stack: Stack,
        readonly workDir: string,
        readonly env: Record<string, string>,
        readonly backendDir?: string,
    ) {}

    static async create(opts: StackOptions): Promise<TestStack> {
        const toolchain = pulumiToolchain();
        // exportState reads the fresh store's file: a store named in `env` would not be the one it reads.
        if (opts.env?.PULUMI_BACKEND_URL) throw new Error("pass a state store as backendUrl, not in env");
        const backendDir = opts.backendUrl ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), "tu-state-"));
        const envVars: Record<string, string> = {
            ...toolchain.env,
            PULUMI_BACKEND_URL: opts.backendUrl ?? `file://${backendDir}`,
            // Examples are type-checked by `tsc -p examples`; the engine only needs to run them.
            PULUMI_NODEJS_TRANSPILE_ONLY: "true",
            ...opts.env,
        };
        // One `pulumi version` per process, not per stack: each CLI start costs about 0.4 s.
        pulumiCommand ??= PulumiCommand.get({ root: path.dirname(toolchain.binDir), skipVersionCheck: true }).catch((err) => {
            pulumiCommand = undefined; // a failed lookup is not kept for the next stack
            throw err;
        });
        const stackName = opts.stackName ?? `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
        const wsOpts = { envVars, pulumiCommand: await pulumiCommand, workDir: opts.workDir };
        const args: LocalProgramArgs | InlineProgramArgs = opts.inline
            ? { stackName, projectName: path.basename(opts.workDir), program: inlineProgram(opts.workDir) }
            : { stackName, workDir: opts.workDir };
        // A fresh state directory has no stack to select: create it in one CLI call instead of a failed select and a create.
        const stack = backendDir
            ? await LocalWorkspace.createStack(args as LocalProgramArgs, wsOpts)
            : await LocalWorkspace.createOrSelectStack(args as LocalProgramArgs, wsOpts);
        if (opts.config) await stack.setAllConfig(toConfigMap(opts.config));
        // The Automation API ends each up with `stack output` twice (masked, then plain) and each
        // up, refresh and destroy with `stack history`: three CLI starts (each at least 0.4 s:
        // `time pulumi version`) for what the harness takes from the engine's events (the summary,
        // the stack's outputs) and, when an output is secret, from one `stack output`.
        // So `stack.stack.outputs()` answers `{}`: read a stack's outputs with `TestStack.outputs()`.
        stack.outputs = async () => ({});
        stack.info = async () => undefined;
        return new TestStack(stack, opts.workDir, envVars, backendDir);
    }

    async setConfig(config: Record<string, ConfigEntry | string>): Promise<void> {
        await this.stack.setAllConfig(toConfigMap(config));
    }

    async preview(opts: RunOptions = {}): Promise<OperationResult> {
        return this.run("preview", opts);
    }

    async up(opts: RunOptions = {}): Promise<OperationResult> {
        return this.run("up", opts);
    }

    async refresh(opts: RunOptions = {}): Promise<OperationResult> {
        return this.run("refresh", opts);
    }

    async destroy(opts: RunOptions = {}): Promise<OperationResult> {
        return this.run("destroy", opts);
    }

    /** The stack's outputs, secrets in plain text (`pulumi stack output --json --show-secrets`). */
    async outputs(): Promise<Record<string, unknown>> {
        return JSON.parse(await this.cli(["stack", "output", "--json", "--show-secrets"]));
    }

    /**
     * The checkpoint as it lies in the state store, secrets encrypted, in the shape `pulumi stack
     * export` gives it. (The Automation API's exportStack passes --show-secrets: not what lands on
     * disk.) A fresh `file://` store is read from its file: the deployment the export prints, equal
     * once parsed (smoke.test.ts checks it), without a CLI start (0.6 s); any other store through the CLI.
     */
    async exportState(opts: { throughCli?: boolean } = {}): Promise<{ version: number; deployment: any }> {
        if (!this.backendDir || opts.throughCli) return JSON.parse(await this.cli(["stack", "export"]));
        const stacks = path.join(this.backendDir, ".pulumi", "stacks");
        const projects = fs.readdirSync(stacks);
        if (projects.length !== 1) throw new Error(`expected one project in ${stacks}, found: ${projects.join(", ") || "none"}`);
        const [project] = projects;
        const { version, checkpoint } = JSON.parse(fs.readFileSync(path.join(stacks, project, `${this.stack.name}.json`), "utf8"));
        return { version, deployment: checkpoint.latest };
    }

    private async cli(args: string[]): Promise<string> {
        const { stdout } = await execFileAsync("pulumi", [...args, "--stack", this.stack.name], {
            cwd: this.workDir,
            env: { ...process.env, ...this.env },
            maxBuffer: 1 << 30,
        });
        return stdout;
    }

    /**
     * Removes the stack: its temporary state directory and its config file in the project (an
     * example's directory must stay as the checkout has it). A stack in a state store the test
     * passed in is removed through the CLI.
     */
    async dispose(): Promise<void> {
        if (this.backendDir) {
            fs.rmSync(this.backendDir, { recursive: true, force: true });
            fs.rmSync(path.join(this.workDir, `Pulumi.${this.stack.name}.yaml`), { force: true });
            return;
        }
        try {
            await this.stack.workspace.removeStack(this.stack.name, { force: true });
        } catch {
            // A stack whose resources could not be destroyed is left in the store the test owns.
        }
    }

    private async run(kind: "preview" | "up" | "refresh" | "destroy", opts: RunOptions): Promise<OperationResult> {
        const events: EngineEvent[] = [];
        const common = {
            onEvent: (e: EngineEvent) => events.push(e),
            parallel: opts.parallel,
            diff: opts.diff,
            ...(opts.debugLogs ? { logVerbosity: 9, logToStdErr: true, debug: true } : {}),
        };
        let stdout = "";
        let stderr = "";
        let outputs: Record<string, unknown> | undefined;
        let summary: OpMap = {};
        // The Automation API throws when the CLI exits non-zero: the one sure sign of a failed operation.
        let exitedNonZero = false;
        try {
            if (kind === "preview") {
                const r = await this.stack.preview({ ...common, refresh: opts.refresh });
                ({ stdout, stderr } = r);
                summary = r.changeSummary;
            } else if (kind === "up") {
                ({ stdout, stderr } = await this.stack.up({ ...common, refresh: opts.refresh }));
                outputs = outputsReported(events) ?? (await this.outputs());
            } else if (kind === "refresh") {
                ({ stdout, stderr } = await this.stack.refresh(common));
            } else {
                ({ stdout, stderr } = await this.stack.destroy(common));
            }
            if (kind !== "preview") summary = summaryOf(events);
        } catch (err: any) {
            if (!opts.expectFailure) throw err;
            exitedNonZero = true;
            stdout = String(err?.commandResult?.stdout ?? "");
            stderr = String(err?.commandResult?.stderr ?? err?.message ?? err);
        }
        const result = collect(events, stdout, stderr, summary, outputs);
        // Not stderr: a -v=9 run, or a warning, writes there and still succeeds.
        if (opts.expectFailure && !exitedNonZero && !result.diagnostics.some((d) => d.severity === "error")) {
            throw new Error(`expected ${kind} to fail, and it succeeded:\n${stdout}`);
        }
        return result;
    }
}

/** The key the engine's events mark a secret value with (`sig.Secret`); its plain text is not in them. */
const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";

/**
 * The stack's outputs as the engine reported them at the end of an up, or undefined when it
 * reported none or masked a secret among them (then only `pulumi stack output --show-secrets` has
 * them). Saves that CLI run (0.6 s) on every up whose outputs hold no secret.
 */
function outputsReported(events: EngineEvent[]): Record<string, unknown> | undefined {
    const stack = events.findLast((e) => e.resOutputsEvent?.metadata.type === "pulumi:pulumi:Stack")?.resOutputsEvent?.metadata;
    const outputs = stack?.new?.outputs;
    return outputs && !JSON.stringify(outputs).includes(`"${SECRET_SIGNATURE}"`) ? outputs : undefined;
}

/** The engine's own count of resource operations (what `stack history` would record for the update). */
function summaryOf(events: EngineEvent[]): OpMap {
    const summary = events.findLast((e) => e.summaryEvent)?.summaryEvent;
    if (!summary) throw new Error("the engine reported no summary event");
    return summary.resourceChanges as OpMap;
}

function collect(
    events: EngineEvent[],
    stdout: string,
    stderr: string,
    changeSummary: OpMap,
    outputs?: Record<string, unknown>,
): OperationResult {
    const steps: StepEventMetadata[] = [];
    const diagnostics: OperationResult["diagnostics"] = [];
    for (const e of events) {
        if (e.resourcePreEvent) steps.push(e.resourcePreEvent.metadata);
        if (e.diagnosticEvent) {
            diagnostics.push({ severity: e.diagnosticEvent.severity, message: e.diagnosticEvent.message, urn: e.diagnosticEvent.urn });
        }
    }
    const text = [stdout, stderr, ...diagnostics.filter((d) => d.severity !== "debug").map((d) => d.message)].join("\n");
    return { stdout, stderr, changeSummary, steps, diagnostics, outputs, text };
}

function toConfigMap(config: Record<string, ConfigEntry | string>): ConfigMap {
    return Object.fromEntries(
        Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? { value: v } : { value: v.value, secret: v.secret ?? false }]),
    );
}

/**
 * Writes a throwaway Pulumi project under `.tenant-users/programs/` from a TypeScript program,
 * transpiled here once so the engine runs it as JavaScript: each run then skips loading ts-node
 * and the compiler in the program's process (measured: 0.7 s of a 5 s preview). The examples and
 * the package tests keep running TypeScript programs, type-checked, as users do.
 */
export function writeProgram(program: string, name = "tu-test"): string {
    const dir = writeProgramDir("programs", program, name);
    const js = ts.transpileModule(program, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    fs.writeFileSync(path.join(dir, "index.js"), js);
    fs.writeFileSync(
        path.join(dir, "Pulumi.yaml"),
        `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n`,
    );
    return dir;
}

/**
 * The program of a `writeProgram` project as an inline program: its `index.js` evaluated as a
 * CommonJS module resolving packages from the project, in the project's directory while its
 * top level runs (the programs read their users.json there), its exports the stack's outputs.
 */
function inlineProgram(dir: string): PulumiFn {
    const file = path.join(dir, "index.js");
    return async () => {
        const module = { exports: {} as Record<string, unknown> };
        const run = new Function("exports", "require", "module", "__filename", "__dirname", fs.readFileSync(file, "utf8"));
        const cwd = process.cwd();
        process.chdir(dir);
        try {
            run(module.exports, createRequire(file), module, file, dir);
        } finally {
            process.chdir(cwd);
        }
        return module.exports;
    };
}

/** Resources of a given type in an exported checkpoint. */
export function resourcesOfType(state: { deployment: any }, typeSuffix: string): any[] {
    return (state.deployment.resources ?? []).filter((r: any) => String(r.type).endsWith(typeSuffix));
}
