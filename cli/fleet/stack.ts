/**
 * One tenant, one stack: selects or creates the stack in the shared state store, sets its config
 * from the fleet file, and runs the operation with an inline program (no per-stack compile).
 * A stack locked by another runner is retried with backoff until the lock timeout.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
    CommandError,
    ConcurrentUpdateError,
    type ConfigMap,
    type EngineEvent,
    LocalWorkspace,
    type PulumiCommand,
    Stack,
    StackAlreadyExistsError,
    StackNotFoundError,
    type StepEventMetadata,
} from "@pulumi/pulumi/automation";
import * as pulumi from "@pulumi/pulumi";
import { TenantUserRoster } from "../../provider/resources/roster";
import type { FleetTenant } from "./file";
import { credentialEnv, redact } from "./secrets";

export { redact };

export const FLEET_PROJECT = "tenant-users-fleet";
export type Operation = "preview" | "up" | "destroy";

export interface TenantResult {
    tenant: string;
    /** `<project>/<stack>`. */
    stack: string;
    result: "succeeded" | "failed";
    /**
     * Users created by this run: the roster's `createdEmails` when it changed, else 0; the growth of
     * its `createdCount` when this run failed partway, or when the list also holds such a run's users.
     */
    created: number;
    /** Users the vendor already had, adopted by this run. */
    adopted: number;
    /** Rows the vendor rejected in this run. */
    failed: number;
    seconds: number;
    /** Resource operations the engine reported, e.g. `{ same: 2 }` for an unchanged stack. */
    changes: Partial<Record<string, number>>;
    error?: string;
}

export interface StackContext {
    operation: Operation;
    pulumiCommand: PulumiCommand;
    /** The environment of every Pulumi run (toolchain: PATH, PULUMI_HOME, backend, passphrase). */
    envVars: Record<string, string>;
    /** Where per-run working directories go: a directory that resolves `pulumi-tenant-users` (see `runTenant`). */
    workRoot: string;
    /** Given to `pulumi stack init --secrets-provider` for a new stack. @default the passphrase */
    secretsProvider?: string;
    lockTimeoutMs: number;
    /** Aborted to cancel running updates (Pulumi's graceful SIGINT) and stop waiting for locks. */
    signal?: AbortSignal;
    /** Told about each wait for a lock. */
    log(line: string): void;
}

/** The inline program: one roster of the tenant's users on the stack's default connection. */
export function rosterProgram(t: FleetTenant) {
    return async () => {
        const roster = new TenantUserRoster(t.name, { users: t.users });
        return {
            userCount: roster.userCount,
            createdCount: roster.createdCount,
            adoptedCount: roster.adoptedCount,
            presentCount: roster.presentCount,
            createdEmails: roster.createdEmails,
            failed: roster.failed,
            // Plain counts of the last up that sent anything, so the engine's events carry them
            // (secret outputs arrive masked); a count of emails says nothing about anyone.
            lastCreated: pulumi.unsecret(roster.createdEmails.apply((e) => e.length)),
            lastFailed: pulumi.unsecret(roster.failed.apply((f) => f.length)),
        };
    };
}

/**
 * The stack config the fleet file declares, all of it plain. The credentials are not config: the
 * Automation API would put them on `pulumi config set-all`'s command line, which every local user
 * can read; they reach the provider through the environment instead (`credentialEnv`).
 */
export function stackConfig(t: FleetTenant): ConfigMap {
    const config: ConfigMap = { "tenant-users:dialect": { value: t.dialect } };
    if (t.baseUrl) config["tenant-users:baseUrl"] = { value: t.baseUrl };
    for (const [key, value] of Object.entries(t.settings)) {
        if (value !== undefined) config[`tenant-users:${key}`] = { value: String(value) };
    }
    return config;
}

/** The CLI's answer inside a CommandError (the field is not public in the typings). */
function cliResult(err: unknown): { stderr: string; code: number } | undefined {
    return err instanceof CommandError ? (err as unknown as { commandResult: { stderr: string; code: number } }).commandResult : undefined;
}

export function isLockError(err: unknown): boolean {
    if (err instanceof ConcurrentUpdateError) return true;
    const text = cliResult(err)?.stderr ?? String((err as Error)?.message ?? err);
    return /currently locked|Another update is currently in progress/i.test(text);
}

/** Waits between attempts on a locked stack: 1 s doubling to 15 s, ±20 % so runners spread out. */
export function lockBackoffMs(attempt: number, random: () => number = Math.random): number {
    return Math.round(Math.min(15_000, 1000 * 2 ** attempt) * (0.8 + 0.4 * random()));
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the terminal's escape character is the point.
const ANSI = /\u001b\[[0-9;]*m/g;

/** A failure of one step of preparing a stack, so the result says which step failed. */
class StepError extends Error {
    constructor(
        readonly step: string,
        override readonly cause: unknown,
    ) {
        super(step);
    }
}

/** The error lines of a failed run: the engine's diagnostics, else the CLI's `error:` lines. */
export function errorText(err: unknown, diagnostics: string[]): string {
    return redact(rawErrorText(err, diagnostics));
}

/** The engine's generic closing errors, which add nothing to the resource's own message. */
const GENERIC = /^(update|preview|destroy|refresh) failed$/;

function rawErrorText(err: unknown, diagnostics: string[]): string {
    // Unwrap Go's "1 error occurred:\n\t* …" lists into one line per message.
    const messages = diagnostics
        .flatMap((d) => d.replace(/^\d+ errors? occurred:\s*/, "").split(/\n\s*\*\s+/))
        .map((m) =>
            m
                .replace(/^\*\s+/, "")
                .replace(/\s*\n\s*/g, " ")
                .trim(),
        )
        .filter((m) => m && !GENERIC.test(m));
    if (messages.length) return [...new Set(messages)].join("; ");
    const cli = cliResult(err);
    if (cli) {
        const lines = cli.stderr
            .replace(ANSI, "")
            .split("\n")
            .map((l) => l.trim())
            .filter(Boolean);
        const errors = lines.filter((l) => l.startsWith("error:")).map((l) => l.slice(6).trim());
        return (errors.length ? errors : lines.slice(-3)).join("; ") || `pulumi exited with code ${cli.code}`;
    }
    return err instanceof Error ? err.message : String(err);
}

/**
 * The tenant's stack with its config set from the fleet file, created if missing (not for a
 * destroy: a stack that does not exist has nothing to destroy). Every command the Automation API runs names its
 * stack (`--stack`), so `stack select` would be a CLI run (~0.5 s) that changes nothing: an
 * existing stack costs one run here (`config set-all`), a new one three.
 */
async function openStack(t: FleetTenant, ctx: StackContext, workDir: string): Promise<Stack> {
    const ws = await LocalWorkspace.create({
        workDir,
        program: rosterProgram(t),
        projectSettings: { name: FLEET_PROJECT, runtime: "nodejs" },
        // Each run of the CLI, and so the provider process it starts, gets this tenant's credentials.
        envVars: { ...ctx.envVars, ...credentialEnv(t) },
        pulumiCommand: ctx.pulumiCommand,
        secretsProvider: ctx.secretsProvider,
    });
    ws.selectStack = async () => undefined;
    if (ctx.operation !== "destroy") {
        const config = stackConfig(t);
        for (let attempt = 0; ; attempt++) {
            let step = "setting the stack's config";
            try {
                try {
                    await ws.setAllConfig(t.name, config);
                    break;
                } catch (err) {
                    if (!(err instanceof StackNotFoundError)) throw err;
                    step = "creating the stack";
                    await ws.createStack(t.name); // then set its config on the next turn
                }
            } catch (err) {
                if (!isStoreRace(err) || attempt >= 5) throw new StepError(step, err);
                const wait = lockBackoffMs(attempt);
                ctx.log(`${t.name}: ${describeRace(err)}; retrying in ${(wait / 1000).toFixed(1)}s`);
                await new Promise((r) => setTimeout(r, wait));
            }
        }
    }
    return Stack.select(t.name, ws);
}

/**
 * Races inside the state store between runners that start together, gone a moment later:
 * two creating the same new stack (the loser sees "already exists", or on a DIY store "could not
 * create stack"), or, on a fresh PostgreSQL database, two creating the backend's table at once
 * (`duplicate key value violates unique constraint "pg_type_typname_nsp_index"`). All measured here.
 */
export function isStoreRace(err: unknown): boolean {
    if (err instanceof StackAlreadyExistsError) return true;
    const text = cliResult(err)?.stderr ?? String((err as Error)?.message ?? err);
    return /could not create stack|already exists|failed to create table|duplicate key value violates unique constraint/i.test(text);
}

function describeRace(err: unknown): string {
    return /failed to create table|duplicate key/i.test(cliResult(err)?.stderr ?? String(err))
        ? "another runner is setting up the state store"
        : "another runner is creating this stack";
}

/**
 * Runs the operation on one tenant's stack and never throws: a failure is a result.
 *
 * The working directory is fresh per run (two runners on one machine never share files) and lies
 * under `workRoot`: the dynamic provider's process loads `pulumi-tenant-users/runtime` by module
 * name from there, so `workRoot` holds a `node_modules/pulumi-tenant-users` link to the package.
 */
export async function runTenant(t: FleetTenant, ctx: StackContext): Promise<TenantResult> {
    const started = Date.now();
    const result: TenantResult = {
        tenant: t.name,
        stack: `${FLEET_PROJECT}/${t.name}`,
        result: "succeeded",
        created: 0,
        adopted: 0,
        failed: 0,
        seconds: 0,
        changes: {},
    };
    const workDir = fs.mkdtempSync(path.join(ctx.workRoot, `${t.name}-`));
    // Everything reported comes from the engine's events.
    let diagnostics: string[] = [];
    let roster: StepEventMetadata | undefined;
    let stackOutputs: Record<string, unknown> = {};
    const onEvent = (e: EngineEvent) => {
        const d = e.diagnosticEvent;
        if (d && d.severity === "error") diagnostics.push(d.message.replace(ANSI, "").trim());
        const step = e.resOutputsEvent?.metadata;
        // A roster step that fails partway reports its partial state (what landed) with its failure.
        const failed = e.resOpFailedEvent?.metadata;
        if (failed && /TenantUserRoster$/.test(failed.type)) roster = failed;
        if (step && /TenantUserRoster$/.test(step.type)) roster = step;
        if (step && step.type === "pulumi:pulumi:Stack") stackOutputs = step.new?.outputs ?? {};
        if (e.summaryEvent) result.changes = e.summaryEvent.resourceChanges;
    };
    try {
        const stack = await openStack(t, ctx, workDir);
        // up and destroy end with `stack output` and `stack history` runs of the CLI (~1.5 s a
        // stack) whose answers the events already gave: skip them.
        stack.outputs = async () => ({});
        stack.info = async () => undefined;
        const deadline = Date.now() + ctx.lockTimeoutMs;
        for (let attempt = 0; ; attempt++) {
            diagnostics = [];
            try {
                const run = { onEvent, signal: ctx.signal };
                if (ctx.operation === "preview") await stack.preview(run);
                else if (ctx.operation === "destroy") await stack.destroy(run);
                else await stack.up(run);
                break;
            } catch (err) {
                if (ctx.operation === "destroy" && err instanceof StackNotFoundError) return result; // never created: nothing to do
                const remaining = deadline - Date.now();
                const locked = isLockError(err);
                if (!(locked || isStoreRace(err)) || remaining <= 0 || ctx.signal?.aborted) throw err;
                const wait = Math.min(lockBackoffMs(attempt), remaining);
                ctx.log(
                    `${t.name}: ${locked ? "the stack is locked by another update" : describeRace(err)}; retrying in ${(wait / 1000).toFixed(1)}s`,
                );
                await new Promise((r) => setTimeout(r, wait));
            }
        }
    } catch (thrown) {
        result.result = "failed";
        const err = thrown instanceof StepError ? thrown.cause : thrown;
        const prefix = thrown instanceof StepError ? `${thrown.step} failed: ` : "";
        result.error =
            prefix +
            (isLockError(err)
                ? `still locked after waiting ${ctx.lockTimeoutMs / 1000}s: ${errorText(err, [])}`
                : errorText(err, diagnostics));
    } finally {
        // The roster's step may have finished even when the run did not (a cancel waits for it), or
        // failed partway with what landed recorded. createdEmails and failed describe the last up
        // that sent anything: this run's only if the roster changed, and after a run that failed
        // partway they also list what that run created (already counted by it), so then the growth counts.
        if (ctx.operation === "up" && roster && roster.op !== "same") {
            const grown = (key: string) => Math.max(0, Number(roster!.new?.outputs?.[key] ?? 0) - Number(roster!.old?.outputs?.[key] ?? 0));
            const afterPartialRun = roster.old?.outputs?.complete === false;
            // The stack's outputs come last, so a cancelled or failed run has only the roster's counts.
            result.created =
                stackOutputs.lastCreated === undefined || afterPartialRun ? grown("createdCount") : Number(stackOutputs.lastCreated);
            result.failed = Number(stackOutputs.lastFailed ?? 0);
            result.adopted = grown("adoptedCount");
        }
        result.seconds = Math.round((Date.now() - started) / 100) / 10;
        fs.rmSync(workDir, { recursive: true, force: true });
    }
    return result;
}
