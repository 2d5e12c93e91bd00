#!/usr/bin/env node
/**
 * Where `TenantUser` creates wait in the batcher: runs one `up` per setting with the batcher's debug
 * trace on (TENANT_USERS_BATCH_TRACE) and prints, per setting, each flush (why, how big, how long
 * its oldest and newest create waited) and the wait after the last create arrived.
 *
 *   node dist/scripts/bench/batch-trace.js [--users 10,100,1000] [--parallel 1000] [--latency 0] [--checkpoints both|on|off]
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { SIZES, type BenchContext } from "./context";
import { startBenchEmulator } from "./emulator";
import { runVariant } from "./scenarios/tenant-user";

interface TraceLine { t: number; event: string; pending: number; expected: number; reason?: string; size?: number; oldestWaitedMs?: number; newestWaitedMs?: number; ms?: number; count?: number }

/** A trace in a few lines: what went when, and how long creates sat in the batcher. */
export function summarizeTrace(lines: TraceLine[]): string[] {
    const flushes = lines.filter((l) => l.event === "flush");
    const adds = lines.filter((l) => l.event === "add");
    const expects = lines.filter((l) => l.event === "expect");
    if (adds.length === 0) return ["no creates traced"];
    const lastAdd = adds[adds.length - 1]!.t;
    const lastFlush = flushes[flushes.length - 1]?.t ?? NaN;
    const out = [
        `${expects.length} announcements (first ${expects[0]?.t ?? "-"} ms, last ${expects[expects.length - 1]?.t ?? "-"} ms), ` +
        `${adds.length} creates (first ${adds[0]!.t} ms, last ${lastAdd} ms), ${flushes.length} flushes; ` +
        `last flush ${lastFlush - lastAdd} ms after the last create`,
    ];
    for (const f of flushes.slice(0, 12)) {
        out.push(`  flush at ${f.t} ms: ${f.size} (${f.reason}), oldest waited ${f.oldestWaitedMs} ms, newest ${f.newestWaitedMs} ms`);
    }
    if (flushes.length > 12) out.push(`  … ${flushes.length - 12} more`);
    return out;
}

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: {
            users: { type: "string", default: "10,100,1000" },
            parallel: { type: "string", default: "1000" },
            latency: { type: "string", default: "0" },
            checkpoints: { type: "string", default: "both" },
        },
    });
    const emu = await startBenchEmulator();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tu-batch-trace-"));
    try {
        for (const users of values.users.split(",").map(Number)) {
            for (const skipCheckpoints of values.checkpoints === "both" ? [false, true] : [values.checkpoints === "off"]) {
                const ctx: BenchContext = {
                    mode: "quick", sizes: { ...SIZES.quick, users, latencyMs: Number(values.latency) }, emu, benchDir: __dirname,
                    log: (line) => process.stderr.write(`${line}\n`),
                };
                const file = path.join(dir, `trace-${users}-${skipCheckpoints}.jsonl`);
                const r = await runVariant(ctx, { kind: "TenantUser", parallel: Number(values.parallel), skipCheckpoints, primary: false }, { env: { TENANT_USERS_BATCH_TRACE: file } });
                const lines = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as TraceLine) : [];
                process.stdout.write(`${users} users, --parallel ${values.parallel}, latency ${values.latency} ms, checkpoints ${skipCheckpoints ? "off" : "on"}: ` +
                    `up ${(r.ms / 1000).toFixed(2)} s, ${r.requests} requests\n${summarizeTrace(lines).join("\n")}\n\n`);
            }
        }
    } finally {
        await emu.close();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

if (require.main === module) {
    main().catch((err) => {
        process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
        process.exitCode = 1;
    });
}
