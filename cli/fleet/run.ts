/**
 * Runs one operation over a set of tenants, at most `concurrency` stacks at once. A tenant's
 * failure is its own result and never stops the others.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { pulumiToolchain, REPO_ROOT } from "../pulumi-toolchain";
import type { FleetTenant } from "./file";
import { FLEET_PROJECT, type Operation, runTenant, type TenantResult } from "./stack";

export interface FleetRunOptions {
    operation: Operation;
    /** Stacks in flight at once. */
    concurrency: number;
    /** How long to wait for a stack locked by another runner. */
    lockTimeoutSeconds: number;
    /** `--secrets-provider` for stacks this run creates. */
    secretsProvider?: string;
    /** Called as each tenant finishes, with how many are done. */
    onResult?(result: TenantResult, done: number, total: number): void;
    /** Progress messages (lock waits, stopping). @default stderr */
    log?(line: string): void;
}

/**
 * A fresh directory in the OS temp dir for this run's stacks (the package may be read-only), with
 * links to the package and to its `@pulumi/pulumi` in `node_modules`: each stack's provider
 * launcher resolves `@pulumi/pulumi/cmd/dynamic-provider` from its working directory below, and
 * the provider loads `pulumi-tenant-users/runtime` by name from there.
 */
export function createWorkRoot(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "tenant-users-fleet-"));
    fs.mkdirSync(path.join(root, "node_modules", "@pulumi"), { recursive: true });
    fs.symlinkSync(REPO_ROOT, path.join(root, "node_modules", "pulumi-tenant-users"), "junction");
    const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    fs.symlinkSync(sdk, path.join(root, "node_modules", "@pulumi", "pulumi"), "junction");
    return root;
}

/**
 * Where Pulumi keeps its settings and plugins, and the state when no store is named: Pulumi's own
 * defaults (PULUMI_HOME, else ~/.pulumi; `pulumi login --local`), never inside the package.
 */
function pulumiPlaces(): { pulumiHome: string; backendUrl: string } {
    return {
        pulumiHome: process.env.PULUMI_HOME || path.join(os.homedir(), ".pulumi"),
        backendUrl: process.env.PULUMI_BACKEND_URL || `file://${os.homedir()}`,
    };
}

/**
 * On SIGINT or SIGTERM no new stack starts. SIGTERM (a CI job cancelled) is passed on to the
 * running updates as SIGINT, Pulumi's graceful cancel: they stop after their current step and
 * release their locks. SIGINT from a terminal already reached them (one process group), and a
 * second SIGINT would make Pulumi stop at once, so it is not repeated. A second signal exits.
 */
function onStopSignals(stop: (forward: boolean) => void): () => void {
    let stopping = false;
    const handler = (signal: NodeJS.Signals) => {
        if (stopping) process.exit(130);
        stopping = true;
        stop(signal === "SIGTERM");
    };
    process.on("SIGINT", handler);
    process.on("SIGTERM", handler);
    return () => {
        process.off("SIGINT", handler);
        process.off("SIGTERM", handler);
    };
}

/** Results in the order of `tenants`. */
export async function runFleet(tenants: readonly FleetTenant[], opts: FleetRunOptions): Promise<TenantResult[]> {
    if (tenants.length === 0) return [];
    const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    // The state store is whatever PULUMI_BACKEND_URL names: the point of a fleet is a shared one.
    const toolchain = pulumiToolchain({ ...pulumiPlaces(), linkSelf: false });
    const pulumiCommand = await PulumiCommand.get({ root: path.dirname(toolchain.binDir), skipVersionCheck: true });
    const abort = new AbortController();
    let stopped = false;
    const workRoot = createWorkRoot();
    const ctx = {
        operation: opts.operation,
        pulumiCommand,
        envVars: toolchain.env,
        workRoot,
        secretsProvider: opts.secretsProvider,
        lockTimeoutMs: opts.lockTimeoutSeconds * 1000,
        signal: abort.signal,
        log,
    };
    const results: TenantResult[] = new Array(tenants.length);
    let next = 0;
    let done = 0;
    const finish = (i: number, r: TenantResult) => {
        results[i] = r;
        opts.onResult?.(r, ++done, tenants.length);
    };
    const worker = async () => {
        while (next < tenants.length) {
            const i = next++;
            if (stopped) {
                const t = tenants[i];
                finish(i, {
                    tenant: t.name,
                    stack: `${FLEET_PROJECT}/${t.name}`,
                    result: "failed",
                    created: 0,
                    adopted: 0,
                    failed: 0,
                    seconds: 0,
                    changes: {},
                    error: "not started: the run was stopped",
                });
                continue;
            }
            finish(i, await runTenant(tenants[i], ctx));
        }
    };
    const release = onStopSignals((forward) => {
        stopped = true;
        log(
            `fleet: stopping; no new stack starts${forward ? ", and running updates are cancelled after their current step" : ""} (signal again to exit at once)`,
        );
        if (forward) abort.abort();
    });
    try {
        const width = Math.max(1, Math.min(opts.concurrency, tenants.length));
        await Promise.all(Array.from({ length: width }, worker));
    } finally {
        release();
        fs.rmSync(workRoot, { recursive: true, force: true }); // removes the link, not the package
    }
    return results;
}
