/**
 * Crashes: `pulumi up` killed with SIGKILL in the middle of its creates, and the emulator killed
 * under a running `up`. The documented recovery, then one more `up`, must converge.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { TestStack, writeProgram } from "../../harness/pulumi";
import { ChildEmulator, isAlive, killPids, pulumi, PulumiChild, waitFor } from "../tools";
import {
    attempt,
    bench,
    errorLines,
    newResult,
    openTenant,
    ROSTER_PROGRAM,
    type ScenarioResult,
    settle,
    stackFor,
    teardown,
    timed,
    TENANT_USERS_PROGRAM,
} from "./steps";

/** The recovery after a killed `up`, in order, once the checkpoint loads. The README documents exactly these commands. */
export const RECOVERY_COMMANDS: readonly string[][] = [
    ["cancel", "--yes"],
    ["refresh", "--clear-pending-creates", "--yes", "--skip-preview"],
];

/**
 * A SIGKILL during a checkpoint write can leave the file backend's `<stack>.json.attrs` sidecar
 * empty (the checkpoint itself is whole: the new one was still a `*.tmp`), and then every command
 * fails with `failed to load checkpoint: EOF`. The repair: delete the empty `*.attrs` and the
 * `*.tmp` leftovers under `<backend>/.pulumi/stacks/<project>/`. Returns the files removed (none
 * when the checkpoint loads).
 */
export async function repairCheckpoint(stack: TestStack): Promise<string[]> {
    const probe = await pulumi(stack, ["stack", "export"]);
    if (probe.code === 0) return [];
    if (!/failed to load checkpoint: EOF/.test(probe.text) || !stack.backendDir)
        throw new Error(`the checkpoint does not load: ${probe.text}`);
    const removed: string[] = [];
    const stacks = path.join(stack.backendDir, ".pulumi", "stacks");
    for (const project of fs.readdirSync(stacks)) {
        for (const file of fs.readdirSync(path.join(stacks, project))) {
            const full = path.join(stacks, project, file);
            if ((file.endsWith(".attrs") && fs.statSync(full).size === 0) || file.endsWith(".tmp")) {
                fs.rmSync(full);
                removed.push(`${project}/${file}`);
            }
        }
    }
    const again = await pulumi(stack, ["stack", "export"]);
    if (again.code !== 0) throw new Error(`the checkpoint still does not load after removing ${removed.join(", ")}: ${again.text}`);
    return removed;
}

/**
 * The sidecar repair on purpose: an `up`, the `<stack>.json.attrs` emptied as a kill mid-write
 * leaves it, then the repair and one more `up`. Returns what each step printed.
 */
export async function sidecarRepair(): Promise<{ brokenExport: string; removed: string[]; exportAfter: number; upAfter: number }> {
    const dir = writeProgram("export const answer = 42;\n", "rel-sidecar");
    const stack = await TestStack.create({ workDir: dir });
    try {
        await stack.up();
        const stacks = path.join(stack.backendDir!, ".pulumi", "stacks");
        for (const project of fs.readdirSync(stacks)) {
            const attrs = path.join(stacks, project, `${stack.stack.name}.json.attrs`);
            if (fs.existsSync(attrs)) fs.truncateSync(attrs, 0);
        }
        const broken = await pulumi(stack, ["stack", "export"]);
        const removed = await repairCheckpoint(stack);
        const exportAfter = (await pulumi(stack, ["stack", "export"])).code ?? -1;
        const upAfter = (await pulumi(stack, ["up", "--yes", "--skip-preview"])).code ?? -1;
        return { brokenExport: broken.text, removed, exportAfter, upAfter };
    } finally {
        await stack.dispose().catch(() => undefined);
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Runs the documented recovery; returns each command's text. Throws when one fails. */
export async function recover(stack: TestStack): Promise<string[]> {
    const out: string[] = [];
    const repaired = await repairCheckpoint(stack);
    if (repaired.length) out.push(`removed ${repaired.join(", ")} (an empty checkpoint sidecar left by the kill)`);
    for (const args of RECOVERY_COMMANDS) {
        const res = await pulumi(stack, args);
        out.push(`$ pulumi ${args.join(" ")}\n${res.text}`);
        if (res.code !== 0) throw new Error(`pulumi ${args.join(" ")} failed (${res.code}): ${res.text}`);
    }
    return out;
}

export interface CrashOptions {
    size: number;
    /**
     * `tree`: SIGKILL the CLI and every process it started (a dead machine or container).
     * `cli`: SIGKILL only the `pulumi` process, as `kill -9 <pid>` does; its language host and
     * provider live on (Pulumi starts plugins in their own process groups), then are killed.
     */
    killMode?: "tree" | "cli";
    /** Kill once this share of the logical requests has reached the emulator. @default 0.3 */
    killAt?: number;
    parallel?: number;
    /** Confirm with `preview` that nothing is left to do. @default true */
    confirmNoop?: boolean;
}

async function confirmNoop(stack: TestStack, r: ScenarioResult): Promise<void> {
    const run = await attempt(() => stack.preview());
    if (run.failed || !run.result) {
        r.problems.push(`preview after convergence failed: ${errorLines(run.text)}`);
        return;
    }
    const changes = Object.entries(run.result.changeSummary).filter(([op, n]) => op !== "same" && Number(n) > 0);
    r.details.previewChanges = changes.length ? changes.map(([op, n]) => `${op}:${n}`).join(",") : "none";
    if (changes.length) r.problems.push(`preview after convergence still plans ${r.details.previewChanges}`);
}

async function killUp(child: PulumiChild, mode: "tree" | "cli", r: ScenarioResult): Promise<number[]> {
    const tree = child.tree();
    r.details.killedProcesses = mode === "tree" ? tree.length : 1;
    killPids(mode === "tree" ? tree : [child.pid]);
    await child.exited;
    return tree.filter((p) => p !== child.pid);
}

/** SIGKILL `pulumi up` in the middle of a roster, recover, `up` again. */
export async function crashRoster(opts: CrashOptions): Promise<ScenarioResult> {
    const mode = opts.killMode ?? "tree";
    const r = newResult(`crash-roster-${mode}`, opts.size);
    const chunkSize = Math.max(1, Math.ceil(opts.size / 20));
    const chunks = Math.ceil(opts.size / chunkSize);
    const b = await bench();
    let survivors: number[] = [];
    return timed(r, async () => {
        try {
            const { tenant, users } = await openTenant(b, "zquence", opts.size, "crash");
            const stack = await stackFor(b, ROSTER_PROGRAM, "rel-crash-roster", tenant.config, {
                "users.json": users,
                "options.json": { chunkSize, concurrency: 1 },
            });
            await b.emu.control.addFault({ tenantId: tenant.tenantId, latencyMs: 250 });
            const threshold = Math.max(1, Math.floor(chunks * (opts.killAt ?? 0.3)));
            r.ups++;
            const child = new PulumiChild(stack, ["up", "--yes", "--skip-preview"]);
            const reached = await waitFor(
                async () => !child.running || (await b.emu.control.requests(tenant.tenantId)).total >= threshold,
                300_000,
            );
            if (!child.running || !reached) throw new Error(`the up ended before the kill: ${child.output.slice(-500)}`);
            survivors = await killUp(child, mode, r);
            const atKill = (await b.emu.control.users(tenant.tenantId)).length;
            await sleep(2000);
            const later = (await b.emu.control.users(tenant.tenantId)).length;
            r.details.usersAtKill = atKill;
            r.details.sentAfterKill = later - atKill;
            if (atKill === 0 || atKill >= opts.size) r.problems.push(`the kill came at ${atKill} of ${opts.size} users: not in the middle`);
            r.details.checkpointRepaired = (await repairCheckpoint(stack)).length > 0;
            const stateAfterKill = await stack.exportState();
            r.details.pendingAfterKill = (stateAfterKill.deployment.pending_operations ?? []).length;
            r.messages.push(...(await recover(stack)));
            await b.emu.control.clearFaults();
            r.ups++;
            const up = await attempt(() => stack.up());
            if (up.failed) r.problems.push(`the up after recovery failed: ${errorLines(up.text)}`);
            if (opts.confirmNoop ?? true) await confirmNoop(stack, r);
            r.requests = (await b.emu.control.requests(tenant.tenantId)).total;
            r.details.orphansAlive = survivors.filter(isAlive).length;
            await settle(b, tenant, users, stack, r);
        } finally {
            killPids(survivors.filter(isAlive));
            await teardown(b);
        }
    });
}

/** SIGKILL `pulumi up` in the middle of batched TenantUser creates, recover, `up` again. */
export async function crashUsers(opts: CrashOptions): Promise<ScenarioResult> {
    const mode = opts.killMode ?? "tree";
    const r = newResult(`crash-users-${mode}`, opts.size);
    const parallel = opts.parallel ?? 10;
    const b = await bench();
    let survivors: number[] = [];
    return timed(r, async () => {
        try {
            const { tenant, users } = await openTenant(b, "geldstuck", opts.size, "batch");
            const stack = await stackFor(
                b,
                TENANT_USERS_PROGRAM,
                "rel-crash-users",
                {
                    ...tenant.config,
                    "tenant-users:batchWindowMs": "20",
                    "tenant-users:batchMaxWaitMs": "100",
                },
                { "users.json": users },
            );
            await b.emu.control.addFault({ tenantId: tenant.tenantId, latencyMs: 300 });
            const batches = Math.ceil(opts.size / parallel);
            const threshold = Math.max(1, Math.floor(batches * (opts.killAt ?? 0.3)));
            r.ups++;
            const child = new PulumiChild(stack, ["up", "--yes", "--skip-preview", "--parallel", String(parallel)]);
            const reached = await waitFor(
                async () => !child.running || (await b.emu.control.requests(tenant.tenantId)).total >= threshold,
                300_000,
            );
            if (!child.running || !reached) throw new Error(`the up ended before the kill: ${child.output.slice(-500)}`);
            survivors = await killUp(child, mode, r);
            await sleep(1000); // requests in flight at the kill finish at the vendor
            const atKill = (await b.emu.control.users(tenant.tenantId)).length;
            r.details.usersAtKill = atKill;
            if (atKill === 0 || atKill >= opts.size) r.problems.push(`the kill came at ${atKill} of ${opts.size} users: not in the middle`);
            r.details.checkpointRepaired = (await repairCheckpoint(stack)).length > 0;
            const stateAfterKill = await stack.exportState();
            r.details.pendingAfterKill = (stateAfterKill.deployment.pending_operations ?? []).length;
            r.details.recordedAtKill = (stateAfterKill.deployment.resources ?? []).filter((x: any) =>
                String(x.type).endsWith("TenantUser"),
            ).length;
            r.messages.push(...(await recover(stack)));
            await b.emu.control.clearFaults();
            r.ups++;
            const up = await attempt(() => stack.up({ parallel }));
            if (up.failed) r.problems.push(`the up after recovery failed: ${errorLines(up.text)}`);
            if (opts.confirmNoop ?? true) await confirmNoop(stack, r);
            r.requests = (await b.emu.control.requests(tenant.tenantId)).total;
            await settle(b, tenant, users, stack, r);
        } finally {
            killPids(survivors.filter(isAlive));
            await teardown(b);
        }
    });
}

/**
 * `kill -9` the emulator (a child process on a SQLite file) in the middle of a roster's bulks,
 * restart it on the same port and database: the running `up` retries through the outage or fails
 * with partial progress; at most one more `up` converges.
 */
export async function crashEmulator(opts: { size: number; downMs?: number; confirmNoop?: boolean }): Promise<ScenarioResult> {
    const r = newResult("crash-emulator", opts.size);
    const chunkSize = Math.max(1, Math.ceil(opts.size / 20));
    const emu = await ChildEmulator.start();
    const b = await bench(emu);
    return timed(r, async () => {
        try {
            const { tenant, users } = await openTenant(b, "zquence", opts.size, "restart");
            const stack = await stackFor(
                b,
                ROSTER_PROGRAM,
                "rel-crash-emu",
                { ...tenant.config },
                { "users.json": users, "options.json": { chunkSize, concurrency: 2 } },
            );
            await emu.control.addFault({ tenantId: tenant.tenantId, latencyMs: 200 });
            r.ups++;
            const running = attempt(() => stack.up());
            let seen = 0;
            const reached = await waitFor(
                async () => {
                    seen = (await emu.control.users(tenant.tenantId)).length;
                    return seen >= opts.size * 0.3;
                },
                300_000,
                100,
            );
            if (!reached) throw new Error("the roster never reached 30 % of its users");
            const received = (await emu.control.requests(tenant.tenantId)).total;
            await emu.kill9();
            r.details.usersBeforeKill = seen;
            // What the killed emulator committed: a bulk and its events together or not at all.
            const committed = emu.committedCounts();
            r.details.usersAtRestart = committed.users;
            r.details.eventsAtRestart = committed.events;
            // Requests counted but not committed were in the handler (200 ms latency) when it died.
            r.details.bulksInFlightAtKill = received - committed.users / chunkSize;
            if (committed.users % chunkSize !== 0)
                r.problems.push(`${committed.users} users after the restart: not a whole number of ${chunkSize}-user chunks`);
            if (committed.events !== committed.users)
                r.problems.push(`${committed.events} webhook events for ${committed.users} users after the restart`);
            await sleep(opts.downMs ?? 1000);
            await emu.restart();
            const first = await running;
            r.details.firstUpSucceeded = !first.failed;
            if (first.failed) {
                r.messages.push(errorLines(first.text));
                r.ups++;
                const second = await attempt(() => stack.up());
                if (second.failed) r.problems.push(`the second up failed too: ${errorLines(second.text)}`);
            }
            if (opts.confirmNoop ?? true) await confirmNoop(stack, r);
            r.requests = (await emu.control.requests(tenant.tenantId)).total;
            await settle(b, tenant, users, stack, r);
            if (emu.stderr.trim()) r.problems.push(`the emulator wrote to stderr: ${emu.stderr.slice(0, 300)}`);
        } finally {
            await teardown(b);
        }
    });
}
