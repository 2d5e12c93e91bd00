/**
 * Scenario 1, the CLI floor: `up` and `preview` of a program that declares nothing. Everything a
 * Pulumi operation costs before a single resource: CLI start, plugin and language host start,
 * program load, checkpoint write.
 */
import type { BenchContext } from "../context";
import { EMPTY_PROGRAM, NOOP_DYNAMIC_PROGRAM } from "../programs";
import { Recorder } from "../results";
import { BenchStack } from "../stack";

export async function floorScenario(ctx: BenchContext): Promise<Recorder> {
    const rec = new Recorder("floor", "CLI floor: an empty program");
    for (let s = 0; s < ctx.sizes.samples; s++) {
        const stack = await BenchStack.create({ program: EMPTY_PROGRAM, project: "bench-floor" });
        try {
            const up = await stack.up();
            rec.add("floor.up", "`up`, fresh stack (creates the Stack resource)", "ms", up.ms);
            if (!ctx.sizes.smoke) {
                const again = await stack.up();
                rec.add("floor.up-nochange", "`up`, no change", "ms", again.ms);
            }
            const preview = await stack.preview();
            rec.add("floor.preview", "`preview`, no change", "ms", preview.ms);
            ctx.log(`floor ${s + 1}/${ctx.sizes.samples}: up ${up.ms.toFixed(0)} ms, preview ${preview.ms.toFixed(0)} ms`);
        } finally {
            stack.dispose();
        }
        // The smoke form reads no target off the no-op dynamic resource.
        if (ctx.sizes.smoke) continue;
        // Reference, not a target: what any dynamic provider adds to the floor (its process start).
        const dyn = await BenchStack.create({ program: NOOP_DYNAMIC_PROGRAM, project: "bench-floor-dynamic" });
        try {
            const up = await dyn.up();
            rec.add("floor.dynamic.up", "reference: one no-op dynamic resource, `up` fresh", "ms", up.ms);
            const preview = await dyn.preview();
            rec.add("floor.dynamic.preview", "reference: one no-op dynamic resource, `preview` no change", "ms", preview.ms);
            ctx.log(
                `floor with one no-op dynamic resource ${s + 1}/${ctx.sizes.samples}: up ${up.ms.toFixed(0)} ms, preview ${preview.ms.toFixed(0)} ms`,
            );
        } finally {
            dyn.dispose();
        }
    }
    return rec;
}
