/**
 * Scenario 4, one resource per user: N users with a fixed latency on every emulator request (a
 * realistic SaaS). `TenantUser` (batched) at each `--parallel`, with and without
 * PULUMI_SKIP_CHECKPOINTS, against the same settings for an unbatched dynamic provider (one
 * add-user per create) and for `@pulumi/command` running curl per user. Interleaved per sample.
 * Two more groups: the batching tax (TenantUser vs unbatched at several sizes, with and without
 * latency) and Geldstuck's default rate limit (20 requests/s, burst 40; no latency).
 */
import type { BenchContext, Sizes } from "../context";
import { makeUsers, newBenchTenant, requestCount } from "../emulator";
import { COMMAND_CURL_PROGRAM, TENANT_USERS_PROGRAM, UNBATCHED_PROGRAM } from "../programs";
import { Recorder } from "../results";
import { BenchStack } from "../stack";
import { fmtNum, median } from "../stats";
import { expectUsers } from "./roster";

export type Kind = "TenantUser" | "unbatched" | "command";

/** `main`: the original comparison; `sweep`: the batching tax by size and latency; `rate-limit`: a Geldstuck tenant. */
export type Group = "main" | "sweep" | "rate-limit";

export interface Variant {
    kind: Kind;
    parallel: number;
    skipCheckpoints: boolean;
    /** One of the three the targets compare (highest --parallel, checkpoints on). */
    primary: boolean;
    group?: Group;
    /** Default: the scenario's `users`. */
    users?: number;
    /** Default: the scenario's `latencyMs`. */
    latencyMs?: number;
}

export const KIND_LABEL: Record<Kind, string> = {
    TenantUser: "TenantUser (batched)",
    unbatched: "unbatched dynamic provider",
    command: "@pulumi/command + curl",
};

const PROGRAM: Record<Kind, string> = { TenantUser: TENANT_USERS_PROGRAM, unbatched: UNBATCHED_PROGRAM, command: COMMAND_CURL_PROGRAM };

export function variantId(v: Pick<Variant, "kind" | "parallel" | "skipCheckpoints" | "group" | "users" | "latencyMs">): string {
    const skip = v.skipCheckpoints ? ".skip-checkpoints" : "";
    if (v.group === "sweep") return `tenant-user.sweep.${v.kind}.u${v.users}.l${v.latencyMs}${skip}`;
    if (v.group === "rate-limit") return `tenant-user.rate-limit.${v.kind}.u${v.users}${skip}`;
    return `tenant-user.${v.kind}.p${v.parallel}${skip}`;
}

/**
 * The measurement a batching-tax row reads: the main comparison's own row when it is the same
 * setting (the scenario's users and latency, highest --parallel, checkpoints on), so no `up` runs twice.
 */
export function sweepRowId(sizes: Sizes, kind: Kind, users: number, latencyMs: number): string {
    const parallel = Math.max(...sizes.parallel);
    if (users === sizes.users && latencyMs === sizes.latencyMs) return variantId({ kind, parallel, skipCheckpoints: false });
    return variantId({ kind, parallel, skipCheckpoints: false, group: "sweep", users, latencyMs });
}

/** The batching-tax and rate-limit variants, all at the highest --parallel. */
export function extraVariants(ctx: BenchContext): Variant[] {
    const parallel = Math.max(...ctx.sizes.parallel);
    const out: Variant[] = [];
    for (const users of ctx.sizes.sweepUsers) {
        for (const latencyMs of ctx.sizes.sweepLatencies) {
            for (const kind of ["TenantUser", "unbatched"] as Kind[]) {
                // Measured by the main comparison already.
                if (sweepRowId(ctx.sizes, kind, users, latencyMs) === variantId({ kind, parallel, skipCheckpoints: false })) continue;
                out.push({ kind, parallel, skipCheckpoints: false, primary: false, group: "sweep", users, latencyMs });
            }
        }
    }
    for (const skipCheckpoints of ctx.sizes.rateLimitSkipCheckpoints) {
        for (const kind of ctx.sizes.rateLimitKinds) {
            out.push({
                kind,
                parallel,
                skipCheckpoints,
                primary: false,
                group: "rate-limit",
                users: ctx.sizes.rateLimitUsers,
                latencyMs: 0,
            });
        }
    }
    return out;
}

export function variants(ctx: BenchContext): Variant[] {
    const maxParallel = Math.max(...ctx.sizes.parallel);
    const out: Variant[] = [];
    for (const parallel of ctx.sizes.parallel) {
        for (const skipCheckpoints of ctx.sizes.skipCheckpointVariants ? [false, true] : [false]) {
            for (const kind of ["TenantUser", "unbatched", "command"] as Kind[]) {
                out.push({ kind, parallel, skipCheckpoints, primary: parallel === maxParallel && !skipCheckpoints });
            }
        }
    }
    return out;
}

export function samplesOf(ctx: BenchContext, v: Variant): number {
    if (v.kind === "command") return Math.min(ctx.sizes.samples, ctx.sizes.commandSamples);
    return v.primary ? ctx.sizes.samples : Math.min(ctx.sizes.samples, ctx.sizes.secondarySamples);
}

/** One fresh tenant and stack, one `up`; returns the wall time and the requests the tenant received. */
export async function runVariant(
    ctx: BenchContext,
    v: Variant,
    profileOpts?: { env?: Record<string, string>; args?: string[]; viaUrl?: string },
): Promise<{ ms: number; spawnedUs: number; requests: number; byRoute: Record<string, number> }> {
    const n = v.users ?? ctx.sizes.users;
    const rateLimited = v.group === "rate-limit";
    const users = makeUsers(n, "user", 0, !rateLimited);
    const tenant = await newBenchTenant(ctx.emu, {
        latencyMs: v.latencyMs ?? ctx.sizes.latencyMs,
        viaUrl: profileOpts?.viaUrl,
        dialect: rateLimited ? "geldstuck" : "zquence",
    });
    const stack = await BenchStack.create({
        program: PROGRAM[v.kind],
        project: `bench-${v.kind.toLowerCase()}`,
        files: { "users.json": JSON.stringify(users) },
        config: tenant.config,
        secrets: tenant.secrets,
        env: tenant.env,
    });
    try {
        const up = await stack.up({
            parallel: v.parallel,
            env: { ...(v.skipCheckpoints ? { PULUMI_SKIP_CHECKPOINTS: "true" } : {}), ...profileOpts?.env },
            args: profileOpts?.args,
        });
        const counts = await requestCount(ctx.emu, tenant);
        await expectUsers(ctx, tenant, n, `${variantId(v)} up`);
        return { ms: up.ms, spawnedUs: up.spawnedUs, requests: counts.total, byRoute: counts.byRoute };
    } finally {
        stack.dispose();
    }
}

export async function tenantUserScenario(ctx: BenchContext): Promise<Recorder> {
    const n = ctx.sizes.users;
    const rec = new Recorder(
        "tenant-user",
        `One resource per user: ${n.toLocaleString("en-US")} users, ${ctx.sizes.latencyMs} ms latency per request`,
    );
    const all = [...variants(ctx), ...extraVariants(ctx)];
    const byRoute: Record<string, Record<string, number>> = {};
    const maxSamples = Math.max(...all.map((v) => samplesOf(ctx, v)));
    for (let s = 0; s < maxSamples; s++) {
        const due = all.filter((v) => samplesOf(ctx, v) > s);
        // Rotate the order per sample so no variant always runs first.
        const order = due.map((_, i) => due[(i + s) % due.length]!);
        for (const v of order) {
            const id = variantId(v);
            const r = await runVariant(ctx, v);
            const group = v.group ?? "main";
            const params = {
                users: v.users ?? n,
                parallel: v.parallel,
                skipCheckpoints: v.skipCheckpoints,
                kind: v.kind,
                latencyMs: v.latencyMs ?? ctx.sizes.latencyMs,
                group,
            };
            const where =
                group === "main"
                    ? ""
                    : group === "sweep"
                      ? `${fmtNum(v.users!)} users, ${v.latencyMs} ms latency, `
                      : `${fmtNum(v.users!)} users, Geldstuck rate limit, `;
            const setting = `${where}--parallel ${v.parallel}${v.skipCheckpoints ? ", PULUMI_SKIP_CHECKPOINTS" : ""}`;
            rec.add(id, `${KIND_LABEL[v.kind]}, ${setting}`, "ms", r.ms, params);
            rec.add(`${id}.requests`, `${KIND_LABEL[v.kind]}, ${setting}: requests`, "requests", r.requests, params);
            byRoute[id] = r.byRoute;
            ctx.log(`${id} (${s + 1}/${samplesOf(ctx, v)}): up ${r.ms.toFixed(0)} ms, ${r.requests} requests`);
        }
    }
    rec.note(
        `The batching-tax rows (N users, ${ctx.sizes.sweepLatencies.join(" or ")} ms latency; the row at ${fmtNum(n)} users and ${ctx.sizes.latencyMs} ms is the main comparison's) and the rate-limit rows (a Geldstuck tenant: 20 requests/s, burst 40, no latency) run at the highest --parallel with ${Math.min(ctx.sizes.samples, ctx.sizes.secondarySamples)} sample each; compare them only within this run.`,
    );
    const secondary = all.find((v) => !v.primary && v.kind !== "command");
    if (secondary && samplesOf(ctx, secondary) < ctx.sizes.samples) {
        rec.note(
            `To keep the run bounded, only the three compared by the targets (--parallel ${Math.max(...ctx.sizes.parallel)}, checkpoints on) get ${ctx.sizes.samples} samples; the other variants get ${samplesOf(ctx, secondary)}.`,
        );
    }
    const cmd = all.find((v) => v.kind === "command")!;
    if (samplesOf(ctx, cmd) < ctx.sizes.samples) {
        rec.note(
            `The @pulumi/command + curl variants (one shell and one curl process per user) get ${samplesOf(ctx, cmd)} sample${samplesOf(ctx, cmd) > 1 ? "s" : ""} each, to keep the run bounded.`,
        );
    }
    // Under the rate limit with checkpoints there is no target: the speed-ups are reported as they are.
    const rateAt = (kind: Kind) =>
        rec.get(
            variantId({
                kind,
                parallel: Math.max(...ctx.sizes.parallel),
                skipCheckpoints: false,
                group: "rate-limit",
                users: ctx.sizes.rateLimitUsers,
            }),
        );
    for (const kind of ["unbatched", "command"] as const) {
        const tu = rateAt("TenantUser");
        const other = rateAt(kind);
        if (tu && other) {
            rec.add(
                `tenant-user.rate-limit.speedup-vs-${kind}`,
                `Geldstuck rate limit, checkpoints on: ${KIND_LABEL[kind]} time / TenantUser time`,
                "x",
                median(other.samples) / median(tu.samples),
                { group: "rate-limit" },
            );
        }
    }
    rec.result.details.requestsByRoute = byRoute;
    return rec;
}
