/** Re-runs the operation behind each missed time target under the profilers (see profile.ts). */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { Session } from "node:inspector/promises";
import { benchEmulatorIngest } from "../../emulator/bench";
import type { BenchContext } from "./context";
import { makeUsers, newBenchTenant } from "./emulator";
import { profiled, requestTimeline, summarizeCpuProfile, type ProfileReport } from "./profile";
import { startRequestLog } from "./request-log";
import { EMPTY_PROGRAM, ROSTER_PROGRAM } from "./programs";
import type { TargetResult } from "./results";
import { runVariant, type Variant, variantId } from "./scenarios/tenant-user";
import { BenchStack } from "./stack";
import { round } from "./stats";

async function rosterStack(ctx: BenchContext, n: number) {
    const users = makeUsers(n);
    const tenant = await newBenchTenant(ctx.emu);
    const stack = await BenchStack.create({
        program: ROSTER_PROGRAM,
        project: "bench-profile",
        files: { "users.json": JSON.stringify(users) },
        config: tenant.config,
        secrets: tenant.secrets,
    });
    return { stack, users };
}

/** The bench process itself under the inspector's profiler (for in-process work: the emulator). */
async function profileInProcess(what: string, rawRoot: string, relTo: string, fn: () => Promise<unknown>): Promise<ProfileReport> {
    const dir = path.join(
        rawRoot,
        what
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, "-")
            .replace(/^-|-$/g, ""),
    );
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 1000 });
    await session.post("Profiler.start");
    const started = performance.now();
    let error: string | undefined;
    try {
        await fn();
    } catch (err) {
        error = err instanceof Error ? err.message : String(err);
    }
    const wallMs = performance.now() - started;
    const { profile } = await session.post("Profiler.stop");
    session.disconnect();
    const file = path.join(dir, "bench-process.cpuprofile");
    fs.writeFileSync(file, JSON.stringify(profile));
    const summary = { ...summarizeCpuProfile(file), role: "bench process (emulator server and client)" };
    fs.writeFileSync(`${file}.gz`, zlib.gzipSync(fs.readFileSync(file)));
    fs.rmSync(file);
    return { what, wallMs: round(wallMs, 0), node: [summary], rawDir: path.relative(relTo, dir), ...(error ? { error } : {}) };
}

/** A profiled `up` of one scenario-4 variant, with the vendor requests it made on its timeline. */
async function profileVariant(ctx: BenchContext, v: Variant, what: string, rawRoot: string, outDir: string): Promise<ProfileReport> {
    const log = await startRequestLog(ctx.emu.url);
    try {
        let spawnedUs = 0;
        const report = await profiled(
            what,
            rawRoot,
            outDir,
            async (o) => {
                const r = await runVariant(ctx, v, { ...o, viaUrl: log.url });
                spawnedUs = r.spawnedUs;
                return { ms: r.ms, spawnedUs: r.spawnedUs, code: 0, stdout: "", stderr: "", summary: {} };
            },
            ctx.log,
        );
        report.requests = requestTimeline(log.requests, spawnedUs);
        return report;
    } finally {
        await log.close();
    }
}

export async function profileMisses(ctx: BenchContext, targets: TargetResult[], outDir: string, all: boolean): Promise<ProfileReport[]> {
    const rawRoot = path.join(outDir, "profiles");
    const want = (id: string) => targets.some((t) => t.id === id && (t.met === false || (all && t.met !== null)));
    const reports: ProfileReport[] = [];
    const attach = (ids: string[], report: ProfileReport) => {
        reports.push(report);
        for (const t of targets) if (ids.includes(t.id) && (t.met === false || all)) t.profile = report.what;
    };

    const floorProfile = async (op: "up" | "preview") => {
        ctx.log(`profiling: CLI floor ${op} (the reference)`);
        const stack = await BenchStack.create({ program: EMPTY_PROGRAM, project: "bench-profile-floor" });
        try {
            if (op === "preview") await stack.up();
            reports.push(
                await profiled(
                    `CLI floor ${op}, empty program (reference)`,
                    rawRoot,
                    outDir,
                    (o) => (op === "up" ? stack.up(o) : stack.preview(o)),
                    ctx.log,
                ),
            );
        } finally {
            stack.dispose();
        }
    };

    if (want("roster-up-time")) {
        await floorProfile("up");
        const n = ctx.sizes.roster;
        ctx.log(`profiling: roster up, ${n} users`);
        const { stack } = await rosterStack(ctx, n);
        try {
            attach(["roster-up-time"], await profiled(`roster up, ${n} users`, rawRoot, outDir, (o) => stack.up(o), ctx.log));
        } finally {
            stack.dispose();
        }
    }
    if (want("preview-time")) {
        await floorProfile("preview");
        const n = Math.max(...ctx.sizes.growth);
        ctx.log(`profiling: roster one-change preview, ${n} users`);
        const { stack, users } = await rosterStack(ctx, n);
        try {
            await stack.up();
            stack.writeFile("users.json", JSON.stringify([...users, ...makeUsers(1, "added")]));
            attach(
                ["preview-time"],
                await profiled(`roster preview with one added, ${n} users`, rawRoot, outDir, (o) => stack.preview(o), ctx.log),
            );
        } finally {
            stack.dispose();
        }
    }
    if (want("tenant-user-vs-unbatched") || want("tenant-user-vs-command")) {
        const p = Math.max(...ctx.sizes.parallel);
        ctx.log(`profiling: TenantUser up, ${ctx.sizes.users} users, --parallel ${p}`);
        // TenantUser at the compared --parallel, the unbatched provider at the same settings, and
        // TenantUser at the lowest --parallel (where batches can hold only that many creates).
        const runs = [
            { kind: "TenantUser" as const, parallel: p, ref: false },
            { kind: "unbatched" as const, parallel: p, ref: true },
            { kind: "TenantUser" as const, parallel: Math.min(...ctx.sizes.parallel), ref: true },
        ];
        for (const run of runs) {
            const v = { kind: run.kind, parallel: run.parallel, skipCheckpoints: false, primary: !run.ref };
            const what = `${run.kind} up, ${ctx.sizes.users} users, parallel ${run.parallel}${run.ref ? " (reference)" : ""}`;
            const report = await profileVariant(ctx, v, what, rawRoot, outDir);
            if (!run.ref) attach(["tenant-user-vs-unbatched", "tenant-user-vs-command"], report);
            else reports.push(report);
        }
    }
    // The batching-tax and rate-limit targets: TenantUser at the target's own setting (one profile per setting).
    const settings: { ids: string[]; v: Variant }[] = [];
    const p = Math.max(...ctx.sizes.parallel);
    for (const users of ctx.sizes.sweepUsers) {
        for (const latencyMs of ctx.sizes.sweepLatencies) {
            const v: Variant = {
                kind: "TenantUser",
                parallel: p,
                skipCheckpoints: false,
                primary: false,
                group: "sweep",
                users,
                latencyMs,
            };
            settings.push({ ids: [`tenant-user-no-tax-u${users}-l${latencyMs}`], v });
        }
    }
    settings.push({
        ids: ["tenant-user-rate-limit-vs-unbatched", "tenant-user-rate-limit-vs-command"],
        v: {
            kind: "TenantUser",
            parallel: p,
            skipCheckpoints: true,
            primary: false,
            group: "rate-limit",
            users: ctx.sizes.rateLimitUsers,
            latencyMs: 0,
        },
    });
    for (const { ids, v } of settings.filter((x) => x.ids.some(want))) {
        const what = `TenantUser up, ${variantId(v)}`;
        ctx.log(`profiling: ${what}`);
        attach(ids, await profileVariant(ctx, v, what, rawRoot, outDir));
    }
    if (want("emulator-ingest")) {
        ctx.log("profiling: emulator ingest");
        attach(["emulator-ingest"], await profileInProcess("emulator ingest", rawRoot, outDir, () => benchEmulatorIngest({ quick: true })));
    }
    return reports;
}
