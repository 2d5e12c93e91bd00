/**
 * `npm run bench` in its smallest form (`--quick --tiny`): every scenario runs end to end through
 * the real CLI and lands in results.json with numeric medians. No timing is asserted: the numbers
 * belong to the report, not to a test on a shared machine.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { REPO_ROOT } from "../../cli/pulumi-toolchain";
import { SIZES, type Sizes } from "../../scripts/bench/context";
import type { ScenarioId, ScenarioResult } from "../../scripts/bench/results";
import { type Kind, sweepRowId, variantId } from "../../scripts/bench/scenarios/tenant-user";
import { evaluateTargets } from "../../scripts/bench/targets";

const execFileAsync = promisify(execFile);
const SCENARIOS = ["floor", "roster", "growth", "tenant-user", "emulator", "fleet"];

describe("npm run bench", function () {
    this.timeout(15 * 60_000);
    let out: string;

    before(() => {
        out = fs.mkdtempSync(path.join(os.tmpdir(), "tu-bench-test-"));
    });
    after(() => {
        fs.rmSync(out, { recursive: true, force: true });
    });

    it("writes a report with every scenario's medians in its quick form", async () => {
        const script = path.join(REPO_ROOT, "dist", "scripts", "bench", "index.js");
        let stderr = "";
        try {
            ({ stderr } = await execFileAsync(process.execPath, [script, "--quick", "--tiny", "--no-profile", "--out", out], {
                cwd: REPO_ROOT,
                maxBuffer: 64 << 20,
            }));
        } catch (err: any) {
            // A failed scenario exits 1; the report below says which, with its error.
            stderr = String(err?.stderr ?? err);
        }
        const file = path.join(out, "results.json");
        expect(fs.existsSync(file), `no results.json; the bench printed:\n${stderr.slice(-4000)}`).to.equal(true);
        const results = JSON.parse(fs.readFileSync(file, "utf8"));
        expect(results.mode).to.equal("tiny");
        expect(results.scenarios.map((s: any) => s.id)).to.deep.equal(SCENARIOS);
        // The fleet benchmark is another module (scripts/fleet/bench.ts); without it, the scenario says so.
        const fleetModule = fs.existsSync(path.join(REPO_ROOT, "dist", "scripts", "fleet", "bench.js"));
        for (const s of results.scenarios) {
            if (s.id === "fleet" && !fleetModule) {
                expect(s.status, JSON.stringify(s)).to.equal("skipped");
                continue;
            }
            expect(s.status, `${s.id}: ${s.error ?? ""}`).to.equal("ok");
            expect(s.measurements.length, s.id).to.be.greaterThan(0);
            for (const m of s.measurements) {
                expect(m.median, `${s.id} ${m.id}`).to.be.a("number");
                expect(Number.isFinite(m.median), `${s.id} ${m.id} median ${m.median}`).to.equal(true);
                expect(m.samples.length, `${s.id} ${m.id}`).to.be.greaterThan(0);
            }
        }
        expect(results.targets.length).to.be.greaterThan(0);
        for (const t of results.targets) expect(t.met, `${t.id}: ${t.measured}`).to.be.oneOf([true, false]);
        const readme = fs.readFileSync(path.join(out, "README.md"), "utf8");
        for (const chart of ["roster.svg", "growth.svg", "tenant-user.svg"]) {
            expect(readme).to.include(`](${chart})`);
            expect(fs.readFileSync(path.join(out, chart), "utf8")).to.match(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
        }
    });
});

/** Every measurement the targets read at `sizes`, each with the median `medianOf(id)`; no CLI runs. */
function measuredAt(sizes: Sizes, medianOf: (id: string) => number = () => 1000): ScenarioResult[] {
    const p = Math.max(...sizes.parallel);
    const big = Math.max(...sizes.growth);
    const tenantUser: string[] = [];
    for (const kind of ["TenantUser", "unbatched", "command"] as Kind[])
        tenantUser.push(variantId({ kind, parallel: p, skipCheckpoints: false }));
    tenantUser.push(`${variantId({ kind: "TenantUser", parallel: p, skipCheckpoints: false })}.requests`);
    for (const users of sizes.sweepUsers) {
        for (const latencyMs of sizes.sweepLatencies) {
            for (const kind of ["TenantUser", "unbatched"] as Kind[]) tenantUser.push(sweepRowId(sizes, kind, users, latencyMs));
        }
    }
    for (const skipCheckpoints of sizes.rateLimitSkipCheckpoints) {
        for (const kind of sizes.rateLimitKinds) {
            tenantUser.push(variantId({ kind, parallel: p, skipCheckpoints, group: "rate-limit", users: sizes.rateLimitUsers }));
        }
    }
    const ids: Record<string, string[]> = {
        floor: ["floor.up", "floor.preview"],
        roster: ["roster.up", "plain.run", "roster.up.requests", "roster.up-nochange.requests"],
        growth: [`growth.preview.${big}`, `growth.state-per-user.${big}`],
        "tenant-user": tenantUser,
        emulator: ["emulator.zquence.users-per-second"],
    };
    return Object.entries(ids).map(([id, mids]) => ({
        id: id as ScenarioId,
        title: id,
        status: "ok",
        notes: [],
        measurements: mids.map((m) => ({ id: m, label: m, unit: "ms", samples: [medianOf(m)], median: medianOf(m) })),
        details: {},
        durationMs: 0,
        loadAverage: { before: 0, after: 0 },
    }));
}

describe("bench targets", () => {
    it("evaluates every target of the full run, the batching tax and rate limit ones included, as met or not", () => {
        const targets = evaluateTargets(measuredAt(SIZES.full), SIZES.full);
        for (const t of targets) expect(t.met, `${t.id}: ${t.measured}`).to.be.oneOf([true, false]);
        expect(targets.map((t) => t.id)).to.include.members([
            "tenant-user-no-tax-u10-l0",
            "tenant-user-no-tax-u100-l50",
            "tenant-user-no-tax-u1000-l0",
            "tenant-user-no-tax-u1000-l50",
            "tenant-user-rate-limit-vs-unbatched",
            "tenant-user-rate-limit-vs-command",
        ]);
    });

    it("misses the batching tax target when TenantUser is slower than the unbatched provider", () => {
        const slower = (id: string) => (id.startsWith("tenant-user.sweep.TenantUser.u100.l0") ? 1001 : 1000);
        const targets = evaluateTargets(measuredAt(SIZES.full, slower), SIZES.full);
        expect(targets.filter((t) => t.id.startsWith("tenant-user-no-tax") && !t.met).map((t) => t.id)).to.deep.equal([
            "tenant-user-no-tax-u100-l0",
        ]);
    });

    it("measures the rate limit speed-up as the unbatched time over TenantUser's, without checkpoints", () => {
        const times = (id: string) => (id === "tenant-user.rate-limit.unbatched.u1000.skip-checkpoints" ? 2900 : 1000);
        const t = evaluateTargets(measuredAt(SIZES.full, times), SIZES.full).find((x) => x.id === "tenant-user-rate-limit-vs-unbatched")!;
        expect([t.value, t.met]).to.deep.equal([2.9, false]);
    });

    it("reads the no-tax row at the main comparison's setting from the main comparison", () => {
        expect(sweepRowId(SIZES.tiny, "TenantUser", 10, 50)).to.equal(
            variantId({ kind: "TenantUser", parallel: 1000, skipCheckpoints: false }),
        );
    });

    it("leaves out of the smoke form the targets whose rows it does not run", () => {
        const targets = evaluateTargets(measuredAt(SIZES.tiny), SIZES.tiny);
        expect(targets.filter((t) => t.met === null).map((t) => t.id)).to.deep.equal([]);
    });
});
