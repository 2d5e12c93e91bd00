/**
 * Scenario 3, growth: rosters of 1k, 10k and 100k users: fresh `up`, one-change `preview`, and the
 * state each user costs. Sizes interleaved within each sample. The curve should be linear.
 */
import type { BenchContext } from "../context";
import { makeUsers, newBenchTenant, requestCount } from "../emulator";
import { ROSTER_PROGRAM } from "../programs";
import { Recorder } from "../results";
import { BenchStack } from "../stack";
import { linearFit, round } from "../stats";
import { expectUsers } from "./roster";

/** Where the bytes of an exported checkpoint are: per resource type, and per field of the largest resource. */
export function stateBreakdown(exported: string): Record<string, unknown> {
    const state = JSON.parse(exported);
    const resources: any[] = state.deployment?.resources ?? [];
    const byType: Record<string, { count: number; bytes: number }> = {};
    let largest: any;
    let largestBytes = 0;
    for (const r of resources) {
        const bytes = Buffer.byteLength(JSON.stringify(r, null, 4));
        byType[r.type] ??= { count: 0, bytes: 0 };
        const t = byType[r.type];
        t.count++;
        t.bytes += bytes;
        if (bytes > largestBytes) {
            largestBytes = bytes;
            largest = r;
        }
    }
    const fields = (o: Record<string, unknown> | undefined) =>
        Object.fromEntries(
            Object.entries(o ?? {})
                .map(([k, v]) => [k, Buffer.byteLength(JSON.stringify(v))] as const)
                .sort((a, b) => b[1] - a[1]),
        );
    return {
        exportBytes: Buffer.byteLength(exported),
        compactBytes: Buffer.byteLength(JSON.stringify(state)),
        byType,
        largestResource: largest
            ? { type: largest.type, bytes: largestBytes, inputs: fields(largest.inputs), outputs: fields(largest.outputs) }
            : undefined,
    };
}

export async function growthScenario(ctx: BenchContext): Promise<Recorder> {
    const sizes = ctx.sizes.growth;
    const rec = new Recorder("growth", `Growth: rosters of ${sizes.map((n) => n.toLocaleString("en-US")).join(", ")} users`);
    const breakdowns: Record<string, unknown> = {};
    for (let s = 0; s < ctx.sizes.samples; s++) {
        // Rotate the order of sizes per sample so no size always runs on a warmer or busier machine.
        const order = sizes.map((_, i) => sizes[(i + s) % sizes.length]!);
        for (const n of order) {
            const users = makeUsers(n);
            const tenant = await newBenchTenant(ctx.emu);
            const stack = await BenchStack.create({
                program: ROSTER_PROGRAM,
                project: "bench-growth",
                files: { "users.json": JSON.stringify(users) },
                config: tenant.config,
                secrets: tenant.secrets,
            });
            try {
                const params = { users: n };
                const up = await stack.up();
                await expectUsers(ctx, tenant, n, `growth ${n} up`);
                rec.add(`growth.up.${n}`, `roster \`up\`, ${n.toLocaleString("en-US")} users`, "ms", up.ms, params);
                rec.add(
                    `growth.up.${n}.requests`,
                    `roster \`up\`, ${n.toLocaleString("en-US")} users: requests`,
                    "requests",
                    (await requestCount(ctx.emu, tenant)).total,
                    params,
                );
                const exported = await stack.exportState();
                const bytes = Buffer.byteLength(exported);
                rec.add(`growth.state.${n}`, `state (\`stack export\`), ${n.toLocaleString("en-US")} users`, "bytes", bytes, params);
                rec.add(
                    `growth.state-per-user.${n}`,
                    `state per user, ${n.toLocaleString("en-US")} users`,
                    "bytes/user",
                    bytes / n,
                    params,
                );
                rec.add(
                    `growth.checkpoint.${n}`,
                    `checkpoint file on disk, ${n.toLocaleString("en-US")} users`,
                    "bytes",
                    stack.checkpointBytes(),
                    params,
                );
                if (s === 0) breakdowns[String(n)] = stateBreakdown(exported);

                stack.writeFile("users.json", JSON.stringify([...users, ...makeUsers(1, "added")]));
                const before = (await requestCount(ctx.emu, tenant)).total;
                const preview = await stack.preview();
                if (preview.summary["to update"] !== 1)
                    rec.note(
                        `The one-change \`preview\` at ${n} users reported ${JSON.stringify(preview.summary)} (expected 1 to update).`,
                    );
                rec.add(
                    `growth.preview.${n}`,
                    `roster \`preview\`, one added, ${n.toLocaleString("en-US")} users`,
                    "ms",
                    preview.ms,
                    params,
                );
                const previewRequests = (await requestCount(ctx.emu, tenant)).total - before;
                if (previewRequests !== 0) rec.note(`The one-change \`preview\` at ${n} users sent ${previewRequests} requests.`);
                ctx.log(
                    `growth ${n} (${s + 1}/${ctx.sizes.samples}): up ${up.ms.toFixed(0)} ms, preview +1 ${preview.ms.toFixed(0)} ms, state ${(bytes / n).toFixed(0)} B/user`,
                );
            } finally {
                stack.dispose();
            }
        }
    }
    rec.result.details.stateBreakdown = breakdowns;
    return rec;
}

/** Linearity of a growth series: the fit, and the marginal cost per user between consecutive sizes. */
export function linearity(points: { x: number; y: number }[]): {
    slopeMsPerUser: number;
    interceptMs: number;
    r2: number;
    marginalMsPerUser: number[];
    marginalRatio: number;
} {
    const fit = linearFit(points);
    const marginal: number[] = [];
    for (let i = 1; i < points.length; i++) marginal.push((points[i]!.y - points[i - 1]!.y) / (points[i]!.x - points[i - 1]!.x));
    const pos = marginal.filter((m) => m > 0);
    return {
        slopeMsPerUser: round(fit.slope, 4),
        interceptMs: round(fit.intercept, 0),
        r2: round(fit.r2, 4),
        marginalMsPerUser: marginal.map((m) => round(m, 4)),
        // Last marginal cost over the first: ≈ 1 for a straight line, ≫ 1 when per-user cost grows with size.
        marginalRatio:
            pos.length === marginal.length && marginal.length >= 2 ? round(marginal[marginal.length - 1]! / marginal[0]!, 2) : NaN,
    };
}
