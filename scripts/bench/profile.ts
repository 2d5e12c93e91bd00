/**
 * Where the time goes, measured: one operation re-run with every Node process of the deployment
 * (the program and the dynamic-provider process) under `--cpu-prof` (through NODE_OPTIONS, which
 * the CLI passes to the processes it starts) and the CLI's engine under `--profiling` (Go pprof).
 * The summaries (busy vs idle time per process, top functions by self and by inclusive time,
 * engine top functions) go into the report; the raw profiles are kept beside it.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import type { CliResult, OperationOptions } from "./stack";
import { round } from "./stats";

export interface FunctionTime {
    fn: string;
    ms: number;
    pct: number;
}

export interface NodeProfileSummary {
    file: string;
    /** "program", "dynamic provider", or what else ran. */
    role: string;
    wallMs: number;
    /** Sampled time not idle: JavaScript, GC and native work. */
    busyMs: number;
    idleMs: number;
    gcMs: number;
    /** Self time by code area: this package's provider runtime, the Pulumi SDK, gRPC/protobuf, Node internals… */
    byArea: Record<string, number>;
    topSelf: FunctionTime[];
    topInclusive: FunctionTime[];
    /** Time spent loading each package's modules (inclusive of what they load), the top ones. */
    moduleLoad: { pkg: string; ms: number }[];
    /** Process lifetime on the monotonic clock, ms after the profiled operation was spawned. */
    startMs?: number;
    endMs?: number;
    /** Raw monotonic start/end (µs), for the timeline. */
    startUs: number;
    endUs: number;
}

export interface ProfileReport {
    /** What was profiled, e.g. "roster up, 10,000 users". */
    what: string;
    /** Wall time of the profiled run (profiling adds overhead; compare shares, not totals). */
    wallMs: number;
    node: NodeProfileSummary[];
    /** `go tool pprof -top` of the CLI process (the engine), flat and cumulative. */
    engineTop?: string[];
    engineTopCum?: string[];
    /** Directory of the raw profiles, relative to the report. */
    rawDir: string;
    /** Vendor requests of the profiled run as they happened (a recording pass-through in front of the emulator). */
    requests?: RequestTimeline;
    error?: string;
}

export interface RequestTimeline {
    count: number;
    users: number;
    /** Seconds after the CLI was spawned. */
    firstStartS: number;
    lastEndS: number;
    /** Median ms from one request's end to the next one's start (time no request was in flight counts here). */
    medianGapMs: number;
    /** The first requests: start (s after spawn), duration (ms), users. */
    rows: { startS: number; ms: number; users: number; route: string; status: number }[];
}

/** Summarizes logged requests relative to the CLI spawn (µs on the same monotonic clock). */
export function requestTimeline(
    requests: { start: number; end: number; users: number; route: string; status: number }[],
    spawnedUs: number,
    maxRows = 25,
): RequestTimeline {
    const rs = [...requests].sort((a, b) => a.start - b.start);
    const t0 = spawnedUs / 1000;
    const gaps: number[] = [];
    for (let i = 1; i < rs.length; i++) gaps.push(Math.max(0, rs[i]!.start - rs[i - 1]!.end));
    gaps.sort((a, b) => a - b);
    return {
        count: rs.length,
        users: rs.reduce((n, r) => n + r.users, 0),
        firstStartS: rs.length ? round((rs[0]!.start - t0) / 1000, 2) : NaN,
        lastEndS: rs.length ? round((Math.max(...rs.map((r) => r.end)) - t0) / 1000, 2) : NaN,
        medianGapMs: gaps.length ? round(gaps[Math.floor(gaps.length / 2)]!, 0) : NaN,
        rows: rs.slice(0, maxRows).map((r) => ({
            startS: round((r.start - t0) / 1000, 2),
            ms: round(r.end - r.start, 0),
            users: r.users,
            route: r.route,
            status: r.status,
        })),
    };
}

interface CpuProfile {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
    samples: number[];
    timeDeltas: number[];
    startTime: number;
    endTime: number;
}

function area(url: string, fn: string): string {
    if (fn === "(idle)") return "idle";
    if (fn === "(garbage collector)") return "GC";
    if (fn === "(program)") return "native (program)";
    if (/pulumi-tenant-users|\/work\/main\/dist\/provider|\/dist\/provider\//.test(url)) return "pulumi-tenant-users provider";
    if (url.includes("@grpc") || url.includes("google-protobuf") || url.includes("protobufjs")) return "gRPC / protobuf";
    if (url.includes("@pulumi/pulumi") || url.includes("@pulumi/command")) return "Pulumi SDK";
    if (url.includes("typescript") || url.includes("ts-node")) return "TypeScript transpile";
    if (url.includes("undici")) return "undici (HTTP)";
    if (url.includes("/node_modules/")) return "other packages";
    if (url.startsWith("node:") || url === "") return "Node internals";
    return "program code";
}

/** The package a script URL belongs to (`@pulumi/pulumi`, `zod`, `pulumi-tenant-users`, `node:internal`, …). */
function packageOf(url: string): string {
    const u = url.replace(/^file:\/\//, "");
    const nm = u.lastIndexOf("/node_modules/");
    if (nm >= 0) {
        const rest = u.slice(nm + "/node_modules/".length).split("/");
        const name = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
        return name === "pulumi-tenant-users" ? "pulumi-tenant-users" : name;
    }
    if (/\/dist\/(provider|emulator|scripts)\//.test(u)) return "pulumi-tenant-users";
    if (u.startsWith("node:")) return "node:internal";
    return u.endsWith(".ts") ? "program (index.ts)" : path.basename(u) || "(native)";
}

function fnKey(cf: { functionName: string; url: string; lineNumber: number }): string {
    const where = cf.url
        ? `${cf.url
              .replace(/^file:\/\//, "")
              .replace(/^.*node_modules\//, "")
              .replace(/^.*\/dist\//, "dist/")}:${cf.lineNumber + 1}`
        : "";
    return `${cf.functionName || "(anonymous)"}${where ? ` ${where}` : ""}`;
}

/** Self and inclusive time per function of a V8 `.cpuprofile`. */
export function summarizeCpuProfile(file: string, top = 12): NodeProfileSummary {
    const prof = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const self = new Map<string, number>();
    const inclusive = new Map<string, number>();
    const byArea: Record<string, number> = {};
    const moduleLoad = new Map<string, number>();
    let idle = 0,
        gc = 0,
        total = 0;
    let role = "other";
    for (const n of prof.nodes) {
        if (n.callFrame.url.includes("cmd/dynamic-provider")) role = "dynamic provider";
        else if (role === "other" && n.callFrame.url.includes("cmd/run")) role = "program";
    }
    if (role === "other" && prof.nodes.some((n) => n.callFrame.url === "[eval]" || n.callFrame.url.endsWith("[eval]")))
        role = "other (node -e)";
    for (let i = 0; i < prof.samples.length; i++) {
        const ms = (prof.timeDeltas[i + 1] ?? prof.timeDeltas[i] ?? 0) / 1000;
        const node = byId.get(prof.samples[i]!)!;
        const cf = node.callFrame;
        total += ms;
        if (cf.functionName === "(idle)") {
            idle += ms;
            continue;
        }
        if (cf.functionName === "(garbage collector)") gc += ms;
        const a = area(cf.url, cf.functionName);
        byArea[a] = (byArea[a] ?? 0) + ms;
        const k = fnKey(cf);
        self.set(k, (self.get(k) ?? 0) + ms);
        const seen = new Set<string>();
        const pkgs = new Set<string>();
        for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
            const f = byId.get(id)!.callFrame;
            if (f.functionName === "(root)") continue;
            // A CommonJS module's body is an anonymous function at line 0 of its file.
            if (f.functionName === "" && f.lineNumber === 0 && f.url && !f.url.startsWith("node:")) {
                const pkg = packageOf(f.url);
                if (!pkgs.has(pkg)) {
                    pkgs.add(pkg);
                    moduleLoad.set(pkg, (moduleLoad.get(pkg) ?? 0) + ms);
                }
            }
            const key = fnKey(f);
            // Node's own frames (the module loader, timers) wrap everything: rank the code that runs.
            if (f.url.startsWith("node:") || f.url === "" || seen.has(key)) continue;
            seen.add(key);
            inclusive.set(key, (inclusive.get(key) ?? 0) + ms);
        }
    }
    const busy = total - idle;
    const rank = (m: Map<string, number>) =>
        [...m.entries()]
            .sort((a, b) => b[1] - a[1])
            .slice(0, top)
            .map(([fn, ms]) => ({ fn, ms: round(ms, 0), pct: busy > 0 ? round((100 * ms) / busy, 1) : 0 }));
    return {
        file: path.basename(file),
        role,
        wallMs: round((prof.endTime - prof.startTime) / 1000, 0),
        busyMs: round(busy, 0),
        idleMs: round(idle, 0),
        gcMs: round(gc, 0),
        byArea: Object.fromEntries(
            Object.entries(byArea)
                .sort((a, b) => b[1] - a[1])
                .map(([k, v]) => [k, round(v, 0)]),
        ),
        topSelf: rank(self),
        topInclusive: rank(inclusive),
        moduleLoad: [...moduleLoad.entries()]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 8)
            .map(([pkg, ms]) => ({ pkg, ms: round(ms, 0) })),
        startUs: prof.startTime,
        endUs: prof.endTime,
    };
}

function goBinary(): string | undefined {
    for (const dir of [...(process.env.PATH ?? "").split(path.delimiter), "/usr/local/go/bin"]) {
        const candidate = path.join(dir, "go");
        if (dir && fs.existsSync(candidate)) return candidate;
    }
    return undefined;
}

function pprofTop(file: string, cum: boolean): string[] | undefined {
    const go = goBinary();
    if (!go) return undefined;
    try {
        const out = execFileSync(go, ["tool", "pprof", "-top", "-nodecount=20", ...(cum ? ["-cum"] : []), file], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "ignore"],
            timeout: 120_000,
        });
        return out.split("\n").filter((l) => l.trim() !== "" && !/^(File|Build ID|Type|Time):/.test(l));
    } catch {
        return undefined;
    }
}

/**
 * Runs `op` with profiling on, then summarizes. `rawRoot` is where raw profiles are kept (gzipped);
 * `relTo` is the report directory they are named relative to.
 */
export async function profiled(
    what: string,
    rawRoot: string,
    relTo: string,
    op: (opts: Pick<OperationOptions, "env" | "args">) => Promise<CliResult>,
    log: (line: string) => void = () => {},
): Promise<ProfileReport> {
    const slug = what
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "");
    const dir = path.join(rawRoot, slug);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const report: ProfileReport = { what, wallMs: NaN, node: [], rawDir: path.relative(relTo, dir) };
    // The engine stops a plugin with SIGINT (then SIGKILL after 5 s); Node's default SIGINT exit
    // skips writing --cpu-prof. This preload turns the signal into a normal exit, so it is written.
    const preload = path.join(os.tmpdir(), "tu-bench-exit-on-signal.js");
    fs.writeFileSync(preload, `for (const s of ["SIGINT", "SIGTERM"]) process.once(s, () => process.exit(130));\n`);
    let spawnedUs = Number(process.hrtime.bigint() / 1000n);
    try {
        const r = await op({
            env: { NODE_OPTIONS: `--require ${preload} --cpu-prof --cpu-prof-dir=${dir} --cpu-prof-interval=1000` },
            args: ["--profiling", path.join(dir, "engine")],
        });
        report.wallMs = round(r.ms, 0);
        spawnedUs = r.spawnedUs;
        log(`profiled run took ${round(r.ms / 1000, 1)} s; summarizing ${fs.readdirSync(dir).join(", ")}`);
    } catch (err) {
        report.error = err instanceof Error ? err.message.slice(0, 2000) : String(err);
    }
    for (const f of fs.readdirSync(dir)) {
        const file = path.join(dir, f);
        if (f.endsWith(".cpuprofile")) {
            try {
                const s = summarizeCpuProfile(file);
                report.node.push(s);
            } catch {
                continue;
            }
        } else if (/^engine\.\d+\.cpu$/.test(f)) {
            report.engineTop = pprofTop(file, false);
            report.engineTopCum = pprofTop(file, true);
            continue; // pprof files are already compressed
        } else if (/^engine\.\d+\.(mem|trace)$/.test(f)) {
            fs.rmSync(file); // execution traces are hundreds of MB; the CPU profile is what the report uses
            continue;
        } else {
            continue;
        }
        fs.writeFileSync(`${file}.gz`, zlib.gzipSync(fs.readFileSync(file)));
        fs.rmSync(file);
    }
    for (const n of report.node) {
        n.startMs = round((n.startUs - spawnedUs) / 1000, 0);
        n.endMs = round((n.endUs - spawnedUs) / 1000, 0);
    }
    report.node.sort((a, b) => b.busyMs - a.busyMs);
    log(`profiles summarized`);
    return report;
}
