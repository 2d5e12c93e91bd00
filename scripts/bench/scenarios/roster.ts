/**
 * Scenario 2, a 10,000-user roster: fresh `up`, a second `up` with no change, a `preview` with one
 * added user; against the vendor's plain script (dedupe, chunks of 1,000, retry 429) on the same
 * emulator, interleaved sample by sample. Requests counted by the emulator, per tenant.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { BenchContext } from "../context";
import { makeUsers, newBenchTenant, requestCount, type BenchTenant } from "../emulator";
import { ROSTER_PROGRAM } from "../programs";
import { Recorder } from "../results";
import { BenchStack, run } from "../stack";

/** Runs the plain script as its own process against a tenant; wall time from spawn to exit. */
export async function runPlainScript(ctx: BenchContext, tenant: BenchTenant, users: unknown[]): Promise<{ ms: number; created: number }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tu-bench-plain-"));
    try {
        const file = path.join(dir, "users.json");
        fs.writeFileSync(file, JSON.stringify(users));
        const r = await run(process.execPath, [path.join(ctx.benchDir, "plain-sync.js"), file], {
            cwd: dir,
            env: { PATH: process.env.PATH ?? "", ...tenant.env },
        });
        if (r.code !== 0) throw new Error(`plain script failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
        const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { created: number };
        return { ms: r.ms, created: out.created };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

export async function expectUsers(ctx: BenchContext, tenant: BenchTenant, count: number, what: string): Promise<void> {
    const held = (await ctx.emu.control.users(tenant.tenantId)).length;
    if (held !== count) throw new Error(`${what}: the tenant holds ${held} users, expected ${count}`);
}

export async function rosterScenario(ctx: BenchContext): Promise<Recorder> {
    const n = ctx.sizes.roster;
    const rec = new Recorder("roster", `Roster of ${n.toLocaleString("en-US")} users vs the vendor's plain script`);
    const users = makeUsers(n);
    const params = { users: n };
    const byRoute: Record<string, unknown>[] = [];

    const roster = async (s: number) => {
        const tenant = await newBenchTenant(ctx.emu);
        const stack = await BenchStack.create({
            program: ROSTER_PROGRAM,
            project: "bench-roster",
            files: { "users.json": JSON.stringify(users) },
            config: tenant.config,
            secrets: tenant.secrets,
        });
        try {
            const up = await stack.up();
            const afterUp = await requestCount(ctx.emu, tenant);
            await expectUsers(ctx, tenant, n, "roster up");
            rec.add("roster.up", "roster `up`, fresh", "ms", up.ms, params);
            rec.add("roster.up.requests", "roster `up`, fresh: requests", "requests", afterUp.total, params);
            byRoute.push({ sample: s + 1, upByRoute: afterUp.byRoute });

            const again = await stack.up();
            const afterAgain = await requestCount(ctx.emu, tenant);
            if (again.summary.unchanged === undefined || Object.keys(again.summary).length !== 1) {
                rec.note(`The no-change \`up\` reported ${JSON.stringify(again.summary)} (expected only unchanged resources).`);
            }
            rec.add("roster.up-nochange", "roster `up`, no change", "ms", again.ms, params);
            rec.add(
                "roster.up-nochange.requests",
                "roster `up`, no change: requests",
                "requests",
                afterAgain.total - afterUp.total,
                params,
            );

            ctx.log(
                `roster ${s + 1}/${ctx.sizes.samples}: up ${up.ms.toFixed(0)} ms (${afterUp.total} requests), no-change up ${again.ms.toFixed(0)} ms`,
            );
            // The smoke form reads no target off the one-added preview.
            if (ctx.sizes.smoke) return;
            stack.writeFile("users.json", JSON.stringify([...users, ...makeUsers(1, "added")]));
            const preview = await stack.preview();
            const afterPreview = await requestCount(ctx.emu, tenant);
            if (preview.summary["to update"] !== 1)
                rec.note(`The one-change \`preview\` reported ${JSON.stringify(preview.summary)} (expected 1 to update).`);
            rec.add("roster.preview-one-added", "roster `preview`, one user added", "ms", preview.ms, params);
            rec.add(
                "roster.preview-one-added.requests",
                "roster `preview`, one user added: requests",
                "requests",
                afterPreview.total - afterAgain.total,
                params,
            );
            ctx.log(`roster ${s + 1}/${ctx.sizes.samples}: preview +1 ${preview.ms.toFixed(0)} ms`);
        } finally {
            stack.dispose();
        }
    };

    const plain = async (s: number) => {
        const tenant = await newBenchTenant(ctx.emu);
        const r = await runPlainScript(ctx, tenant, users);
        const counts = await requestCount(ctx.emu, tenant);
        await expectUsers(ctx, tenant, n, "plain script");
        rec.add("plain.run", "plain script (undici), fresh tenant", "ms", r.ms, params);
        rec.add("plain.run.requests", "plain script: requests", "requests", counts.total, params);
        ctx.log(`plain script ${s + 1}/${ctx.sizes.samples}: ${r.ms.toFixed(0)} ms (${counts.total} requests)`);
    };

    // Interleaved, alternating which goes first, so a noisy minute hits both.
    for (let s = 0; s < ctx.sizes.samples; s++) {
        if (s % 2 === 0) {
            await roster(s);
            await plain(s);
        } else {
            await plain(s);
            await roster(s);
        }
    }
    rec.result.details.requestsByRoute = byRoute;
    return rec;
}
