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
