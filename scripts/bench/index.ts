#!/usr/bin/env node
/**
 * `npm run bench`: the benchmarks of the issue, each scenario against the emulator through the real
 * CLI, several samples, medians, comparisons interleaved in the same run. Writes results.json,
 * README.md (tables, targets met or not) and SVG charts.
 *
 *   npm run bench                          # full sizes → docs/benchmarks/ (30–40 minutes)
 *   npm run bench -- --quick               # small sizes → docs/benchmarks/quick/ (3–4 minutes)
 *   node dist/scripts/bench/index.js --quick --tiny --out /tmp/x   # smallest, every scenario (tests)
 *   … --only roster[,growth]               # some scenarios (roster and growth bring the floor along)
 *   … --profile | --no-profile | --profile-all   # profile missed targets (default: full runs only)
 *   … --samples 5                          # override samples per measurement
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { pulumiToolchain, REPO_ROOT } from "../../cli/pulumi-toolchain";
import { SIZES, type BenchContext } from "./context";
import { startBenchEmulator } from "./emulator";
import { profileMisses } from "./profiles";
import { writeReport } from "./report";
import { Recorder, SCENARIO_IDS, type Mode, type Results, type ScenarioId, type ScenarioResult } from "./results";
import { emulatorScenario } from "./scenarios/emulator";
import { fleetScenario } from "./scenarios/fleet";
import { floorScenario } from "./scenarios/floor";
import { growthScenario } from "./scenarios/growth";
import { rosterScenario } from "./scenarios/roster";
import { tenantUserScenario } from "./scenarios/tenant-user";
import { round } from "./stats";
import { evaluateTargets } from "./targets";

const SCENARIOS: Record<ScenarioId, { title: string; run: (ctx: BenchContext) => Promise<Recorder> }> = {
    floor: { title: "CLI floor", run: floorScenario },
    roster: { title: "Roster vs plain script", run: rosterScenario },
    growth: { title: "Growth", run: growthScenario },
    "tenant-user": { title: "One resource per user", run: tenantUserScenario },
    emulator: { title: "Emulator bulk ingest", run: emulatorScenario },
    fleet: { title: "Fleet", run: fleetScenario },
};

function packageVersion(name: string): string {
    try {
        return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "node_modules", name, "package.json"), "utf8")).version;
    } catch {
        return "not installed";
    }
}

function machine(): Record<string, string | number> {
    const cpus = os.cpus();
    return {
        CPU: cpus[0]?.model.trim() ?? "unknown",
        cores: cpus.length,
        memory: `${round(os.totalmem() / 2 ** 30, 1)} GiB`,
        OS: `${os.type()} ${os.release()} (${os.arch()})`,
        "load average at start (1/5/15 min)": os
            .loadavg()
            .map((x) => round(x, 2))
            .join(" / "),
    };
}

function usage(message?: string): never {
    if (message) process.stderr.write(`${message}\n\n`);
    process.stderr.write(
        `Usage: node dist/scripts/bench/index.js [--quick] [--tiny] [--only ${SCENARIO_IDS.join("|")}[,…]] [--out DIR] [--samples N] [--profile|--no-profile|--profile-all]\n`,
    );
    process.exit(2);
}

async function main(): Promise<number> {
    const { values } = parseArgs({
        options: {
            quick: { type: "boolean", default: false },
            tiny: { type: "boolean", default: false },
            only: { type: "string" },
            out: { type: "string" },
            samples: { type: "string" },
            profile: { type: "boolean" },
            "no-profile": { type: "boolean", default: false },
            "profile-all": { type: "boolean", default: false },
            help: { type: "boolean", default: false },
        },
        strict: true,
    });
    if (values.help) usage();
    const mode: Mode = values.tiny ? "tiny" : values.quick ? "quick" : "full";
    const sizes = structuredClone(SIZES[mode]);
    if (values.samples !== undefined) {
        const n = Number(values.samples);
        if (!Number.isInteger(n) || n < 1) usage(`--samples must be a positive whole number, got ${values.samples}`);
        sizes.samples = n;
    }
    let selected: ScenarioId[] = [...SCENARIO_IDS];
    const notes: string[] = [];
    if (values.only) {
        const asked = values.only
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean);
        for (const a of asked) if (!(SCENARIO_IDS as readonly string[]).includes(a)) usage(`unknown scenario "${a}"`);
        const set = new Set(asked as ScenarioId[]);
        if ((set.has("roster") || set.has("growth")) && !set.has("floor")) {
            set.add("floor");
            notes.push("the CLI floor runs too: the roster and growth targets are relative to it");
        }
        selected = SCENARIO_IDS.filter((id) => set.has(id));
    }
    const outDir = path.resolve(
        values.out ??
            (mode === "full"
                ? path.join(REPO_ROOT, "docs", "benchmarks")
                : mode === "quick"
                  ? path.join(REPO_ROOT, "docs", "benchmarks", "quick")
                  : fs.mkdtempSync(path.join(os.tmpdir(), "tu-bench-tiny-"))),
    );
    const profile = values["profile-all"] || (values["no-profile"] ? false : (values.profile ?? mode === "full"));
    const command = `node dist/scripts/bench/index.js ${process.argv.slice(2).join(" ")}`.trim();

    const started = performance.now();
    const log = (line: string) =>
        process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
    log(`${mode} run: ${selected.join(", ")} → ${outDir}${notes.length ? ` (${notes.join("; ")})` : ""}`);

    const toolchain = pulumiToolchain();
    const emu = await startBenchEmulator();
    const ctx: BenchContext = { mode, sizes, emu, benchDir: __dirname, log };
    const results: Results = {
        generatedAt: new Date().toISOString(),
        mode,
        command,
        sizes: { ...sizes },
        machine: machine(),
        versions: {
            Node: process.version,
            "Pulumi CLI": `${toolchain.version} (${toolchain.source === "built" ? "built from source by ../shared/toolchain" : "on PATH"})`,
            "@pulumi/pulumi": packageVersion("@pulumi/pulumi"),
            "@pulumi/command": packageVersion("@pulumi/command"),
            undici: packageVersion("undici"),
            "pulumi-tenant-users": JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).version,
        },
        scenarios: [],
        targets: [],
        profiles: [],
        totalMs: 0,
    };
    const save = () => {
        results.totalMs = round(performance.now() - started, 0);
        const profiles = new Map(results.targets.map((t) => [t.id, t.profile]));
        results.targets = evaluateTargets(results.scenarios, sizes).map((t) =>
            profiles.get(t.id) ? { ...t, profile: profiles.get(t.id) } : t,
        );
        return writeReport(results, outDir);
    };

    const runScenario = async (id: ScenarioId): Promise<ScenarioResult> => {
        log(`scenario ${id}: ${SCENARIOS[id].title}`);
        try {
            return (await SCENARIOS[id].run(ctx)).finish();
        } catch (err) {
            const failed = new Recorder(id, SCENARIOS[id].title);
            failed.result.status = "failed";
            failed.result.error = err instanceof Error ? err.message : String(err);
            log(`scenario ${id} FAILED: ${String(failed.result.error).split("\n")[0]}`);
            return failed.finish();
        }
    };
    try {
        if (sizes.smoke) {
            // The smoke form proves each scenario runs, not how fast: all at once, reported in their order.
            results.scenarios.push(...(await Promise.all(selected.map(runScenario))));
        } else {
            for (const id of selected) {
                results.scenarios.push(await runScenario(id));
                save(); // a partial report survives a crash later on
            }
        }
        results.targets = evaluateTargets(results.scenarios, sizes);
        if (profile) {
            try {
                results.profiles = await profileMisses(ctx, results.targets, outDir, values["profile-all"]);
            } catch (err) {
                log(`profiling failed: ${err instanceof Error ? err.message : String(err)}`);
            }
        }
    } finally {
        await emu.close();
    }
    const files = save();
    log(`wrote ${files.map((f) => path.join(outDir, f)).join(", ")}`);
    for (const t of results.targets) {
        log(`target ${t.met === null ? "n/a " : t.met ? "MET " : "MISS"} ${t.description}: ${t.measured}${t.miss ? ` (${t.miss})` : ""}`);
    }
    const failed = results.scenarios.filter((s) => s.status === "failed");
    return failed.length > 0 ? 1 : 0;
}

main().then(
    (code) => {
        process.exitCode = code;
    },
    (err) => {
        process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exitCode = 1;
    },
);
