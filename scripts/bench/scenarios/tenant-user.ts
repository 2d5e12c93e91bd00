/**
 * Scenario 4, one resource per user: N users with a fixed latency on every emulator request (a
 * realistic SaaS). `TenantUser` (batched) at each `--parallel`, with and without
 * PULUMI_SKIP_CHECKPOINTS, against the same settings for an unbatched dynamic provider (one
 * add-user per create) and for `@pulumi/command` running curl per user. Interleaved per sample.
 */
import type { BenchContext } from "../context";
import { makeUsers, newBenchTenant, requestCount } from "../emulator";
import { COMMAND_CURL_PROGRAM, TENANT_USERS_PROGRAM, UNBATCHED_PROGRAM } from "../programs";
import { Recorder } from "../results";
import { BenchStack } from "../stack";
import { expectUsers } from "./roster";

export type Kind = "TenantUser" | "unbatched" | "command";

export interface Variant {
    kind: Kind;
    parallel: number;
    skipCheckpoints: boolean;
    /** One of the three the targets compare (highest --parallel, checkpoints on). */
    primary: boolean;
}

export const KIND_LABEL: Record<Kind, string> = {
    TenantUser: "TenantUser (batched)",
    unbatched: "unbatched dynamic provider",
    command: "@pulumi/command + curl",
};

const PROGRAM: Record<Kind, string> = { TenantUser: TENANT_USERS_PROGRAM, unbatched: UNBATCHED_PROGRAM, command: COMMAND_CURL_PROGRAM };

export function variantId(v: Pick<Variant, "kind" | "parallel" | "skipCheckpoints">): string {
    return `tenant-user.${v.kind}.p${v.parallel}${v.skipCheckpoints ? ".skip-checkpoints" : ""}`;
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
    const n = ctx.sizes.users;
    const users = makeUsers(n);
    const tenant = await newBenchTenant(ctx.emu, { latencyMs: ctx.sizes.latencyMs, viaUrl: profileOpts?.viaUrl });
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
    const all = variants(ctx);
    const byRoute: Record<string, Record<string, number>> = {};
    const maxSamples = Math.max(...all.map((v) => samplesOf(ctx, v)));
    for (let s = 0; s < maxSamples; s++) {
        const due = all.filter((v) => samplesOf(ctx, v) > s);
        // Rotate the order per sample so no variant always runs first.
        const order = due.map((_, i) => due[(i + s) % due.length]!);
        for (const v of order) {
            const id = variantId(v);
            const r = await runVariant(ctx, v);
            const params = {
                users: n,
                parallel: v.parallel,
                skipCheckpoints: v.skipCheckpoints,
                kind: v.kind,
                latencyMs: ctx.sizes.latencyMs,
            };
            const setting = `--parallel ${v.parallel}${v.skipCheckpoints ? ", PULUMI_SKIP_CHECKPOINTS" : ""}`;
            rec.add(id, `${KIND_LABEL[v.kind]}, ${setting}`, "ms", r.ms, params);
            rec.add(`${id}.requests`, `${KIND_LABEL[v.kind]}, ${setting}: requests`, "requests", r.requests, params);
            byRoute[id] = r.byRoute;
            ctx.log(`${id} (${s + 1}/${samplesOf(ctx, v)}): up ${r.ms.toFixed(0)} ms, ${r.requests} requests`);
        }
    }
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
    rec.result.details.requestsByRoute = byRoute;
    return rec;
}
