/**
 * Scenario 6: the fleet benchmark (`scripts/fleet/bench.ts`, `benchFleet`), loaded at run time so
 * this benchmark still runs while that module is missing or failing. Its own result is kept as it
 * came; its numeric fields become measurements, and the call's wall time is measured here too.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { BenchContext } from "../context";
import { type Measurement, Recorder } from "../results";

export interface FleetBenchOptions {
    quick: boolean;
    tenants: number;
    usersPerTenant: number;
    latencyMs: number;
}
type BenchFleet = (opts: FleetBenchOptions) => Promise<unknown>;

/** The compiled fleet benchmark module, if it exists. */
export function fleetModulePath(benchDir: string): string {
    return path.join(benchDir, "..", "fleet", "bench.js");
}

function unitOf(key: string): Measurement["unit"] | undefined {
    if (/seconds/i.test(key)) return "ms"; // converted below
    if (/speedup|ratio/i.test(key)) return "x";
    if (/ms$|Ms$|millis/i.test(key)) return "ms";
    if (/requests?$/i.test(key)) return "requests";
    if (/perSecond|PerS$|perSec/i.test(key)) return "users/s";
    if (/bytes/i.test(key)) return "bytes";
    if (/users$|Users$|tenants$|count$/i.test(key)) return "users";
    return undefined;
}

/** Numeric leaves of the fleet result, as `a.b.c` → value (arrays of numbers become samples). */
function numericLeaves(value: unknown, prefix = "", out: [string, number[]][] = [], depth = 0): [string, number[]][] {
    if (depth > 3 || value === null || typeof value !== "object") return out;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const key = prefix ? `${prefix}.${k}` : k;
        if (typeof v === "number" && Number.isFinite(v)) out.push([key, [v]]);
        else if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number")) out.push([key, v as number[]]);
        else if (!Array.isArray(v)) numericLeaves(v, key, out, depth + 1);
    }
    return out;
}

/** `sequential.wallSeconds` → `pulumi up, one stack after another: wall time`, using the phase's own name. */
function fleetLabel(result: unknown, key: string): string {
    const [head, leaf] = key.includes(".") ? [key.slice(0, key.lastIndexOf(".")), key.slice(key.lastIndexOf(".") + 1)] : ["", key];
    let phase: unknown = result;
    for (const part of head ? head.split(".") : []) phase = (phase as Record<string, unknown> | undefined)?.[part];
    const name = typeof (phase as { name?: unknown })?.name === "string" ? (phase as { name: string }).name : head;
    const what: Record<string, string> = {
        wallSeconds: "wall time",
        cpuSeconds: "CPU of the child processes",
        cpuSecondsPerStack: "CPU per stack",
    };
    if (head === "speedup") return `speed-up of ${leaf} over the sequential runs`;
    return `${name ? `${name}: ` : ""}${what[leaf] ?? leaf}`;
}

export async function fleetScenario(ctx: BenchContext): Promise<Recorder> {
    const { tenants, usersPerTenant } = ctx.sizes.fleet;
    // `options` is the result's echo of what we asked; not a measurement.
    const opts: FleetBenchOptions = { quick: ctx.mode !== "full", tenants, usersPerTenant, latencyMs: ctx.sizes.latencyMs };
    const rec = new Recorder(
        "fleet",
        `Fleet: ${tenants} tenants × ${usersPerTenant.toLocaleString("en-US")} users, ${ctx.sizes.latencyMs} ms latency`,
    );
    rec.result.details.options = opts;
    const file = fleetModulePath(ctx.benchDir);
    if (!fs.existsSync(file)) {
        rec.result.status = "skipped";
        rec.result.error = `${path.relative(path.join(ctx.benchDir, "..", ".."), file)} does not exist yet (scripts/fleet/bench.ts exporting benchFleet).`;
        return rec;
    }
    let benchFleet: BenchFleet | undefined;
    try {
        benchFleet = (require(file) as { benchFleet?: BenchFleet }).benchFleet;
    } catch (err) {
        throw new Error(`loading ${file} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (typeof benchFleet !== "function") throw new Error(`${file} does not export a benchFleet function`);
    const started = performance.now();
    const result = await benchFleet(opts);
    const ms = performance.now() - started;
    rec.add("fleet.total", `benchFleet wall time (${tenants} tenants × ${usersPerTenant} users)`, "ms", ms, { ...opts });
    for (const [key, samples] of numericLeaves(result)) {
        if (key.startsWith("options.")) continue;
        const unit = unitOf(key);
        if (!unit) continue;
        const seconds = /seconds/i.test(key);
        const label = fleetLabel(result, key);
        for (const v of samples) rec.add(`fleet.${key}`, label, unit, seconds ? v * 1000 : v, { tenants, usersPerTenant });
    }
    rec.result.details.result = result;
    ctx.log(`fleet: ${(ms / 1000).toFixed(1)} s`);
    return rec;
}
