/** Writes results.json, README.md (tables) and the SVG charts the README links. */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ProfileReport } from "./profile";
import type { Measurement, Results, ScenarioResult } from "./results";
import { linearity } from "./scenarios/growth";
import type { Kind } from "./scenarios/tenant-user";
import { barChart, COLORS, lineChart } from "./svg";
import { fmtBytes, fmtMs, fmtNum, fmtValue, round } from "./stats";

const SCENARIO_HEADINGS: Record<string, string> = {
    floor: "1. CLI floor",
    roster: "2. Roster vs the plain script",
    growth: "3. Growth",
    "tenant-user": "4. One resource per user",
    emulator: "5. Emulator bulk ingest",
    fleet: "6. Fleet",
};

function measurementTable(ms: Measurement[]): string[] {
    const rows = ["| measurement | median | samples |", "|---|---:|---|"];
    for (const m of ms)
        rows.push(`| ${m.label} | **${fmtValue(m.median, m.unit)}** | ${m.samples.map((v) => fmtValue(v, m.unit)).join(", ")} |`);
    return rows;
}

function scenario(results: Results, id: string): ScenarioResult | undefined {
    return results.scenarios.find((s) => s.id === id);
}

function median(results: Results, sid: string, mid: string): number {
    return scenario(results, sid)?.measurements.find((m) => m.id === mid)?.median ?? NaN;
}

/** The charts this run can draw: file name → SVG text. */
export function charts(results: Results): Record<string, string> {
    const out: Record<string, string> = {};
    const roster = scenario(results, "roster");
    const floor = scenario(results, "floor");
    if (roster?.status === "ok" && floor?.status === "ok") {
        const n = Number(results.sizes.roster);
        const f = median(results, "floor", "floor.up"),
            p = median(results, "roster", "plain.run");
        out["roster.svg"] = barChart({
            title: `Roster of ${fmtNum(n)} users: wall time (median)`,
            fmt: fmtMs,
            bars: [
                { label: "CLI floor: empty program up", value: f, color: COLORS[6] },
                { label: "plain script (undici)", value: p, color: COLORS[6] },
                { label: "reference: no-op dynamic resource up", value: median(results, "floor", "floor.dynamic.up"), color: COLORS[5] },
                { label: "roster up, fresh", value: median(results, "roster", "roster.up"), color: COLORS[0] },
                { label: "roster up, no change", value: median(results, "roster", "roster.up-nochange"), color: COLORS[0] },
                { label: "CLI floor: empty preview", value: median(results, "floor", "floor.preview"), color: COLORS[6] },
                { label: "roster preview, one added", value: median(results, "roster", "roster.preview-one-added"), color: COLORS[0] },
            ],
            refs: Number.isFinite(f + p) ? [{ value: 1.2 * (f + p), label: "target: 1.2 × (floor + plain)" }] : [],
        });
    }
    const growth = scenario(results, "growth");
    if (growth?.status === "ok") {
        const sizes = (results.sizes.growth as number[]) ?? [];
        out["growth.svg"] = lineChart({
            title: "Roster growth: wall time (median) by users",
            xLabel: "users in the roster",
            yLabel: "seconds",
            fmtX: (v) => (v >= 1000 ? `${fmtNum(v / 1000)}k` : fmtNum(v)),
            fmtY: (v) => `${round(v / 1000, 1)}`,
            series: [
                { name: "up, fresh", points: sizes.map((n) => ({ x: n, y: median(results, "growth", `growth.up.${n}`) })) },
                {
                    name: "preview, one added",
                    points: sizes.map((n) => ({ x: n, y: median(results, "growth", `growth.preview.${n}`) })),
                    color: COLORS[1],
                },
                ...(floor?.status === "ok"
                    ? [
                          {
                              name: "3 × floor preview",
                              points: [
                                  { x: 0, y: 3 * median(results, "floor", "floor.preview") },
                                  { x: Math.max(...sizes), y: 3 * median(results, "floor", "floor.preview") },
                              ],
                              color: COLORS[1],
                              dashed: true,
                          },
                      ]
                    : []),
            ],
        });
        out["growth-state.svg"] = barChart({
            title: "Roster state per user (`pulumi stack export`)",
            fmt: (v) => `${round(v, 0)} B`,
            bars: sizes.map((n) => ({ label: `${fmtNum(n)} users`, value: median(results, "growth", `growth.state-per-user.${n}`) })),
            refs: [{ value: 200, label: "target: 200 B/user" }],
        });
    }
    const tu = scenario(results, "tenant-user");
    if (tu?.status === "ok") {
        const bars = tu.measurements
            .filter((m) => m.unit === "ms" && (m.params?.group ?? "main") === "main")
            .map((m) => {
                const kind = m.params?.kind as Kind;
                return {
                    label: `${kind === "TenantUser" ? "TenantUser" : kind === "unbatched" ? "unbatched" : "command+curl"} · p${m.params?.parallel}${m.params?.skipCheckpoints ? " · skip ckpt" : ""}`,
                    value: m.median,
                    color: kind === "TenantUser" ? COLORS[0] : kind === "unbatched" ? COLORS[4] : COLORS[3],
                };
            });
        out["tenant-user.svg"] = barChart({
            title: `${fmtNum(Number(results.sizes.users))} users, one resource each, ${results.sizes.latencyMs} ms latency: up (median)`,
            fmt: fmtMs,
            bars,
        });
    }
    return out;
}

/** One paragraph saying where the wall time went, read off the profile's numbers. */
function headline(p: ProfileReport): string | undefined {
    const s = (ms?: number) => (ms === undefined ? "?" : `${round(ms / 1000, 1)} s`);
    const program = p.node.find((n) => n.role === "program");
    const provider = p.node.find((n) => n.role === "dynamic provider");
    if (!program && !provider) return undefined;
    const parts: string[] = [`Of ${s(p.wallMs)} wall:`];
    if (program)
        parts.push(
            `the program process ran ${s(program.startMs)} → ${s(program.endMs)} (CPU ${s(program.busyMs)}, idle ${s(program.idleMs)} waiting on the engine)`,
        );
    if (provider) {
        const pulumiLoad = provider.moduleLoad.find((m) => m.pkg === "@pulumi/pulumi");
        parts.push(
            `the dynamic-provider process ran ${s(provider.startMs)} → ${s(provider.endMs)} (CPU ${s(provider.busyMs)}${pulumiLoad ? `, of which ${s(pulumiLoad.ms)} loading @pulumi/pulumi` : ""})`,
        );
    }
    if (p.requests && p.requests.count > 0)
        parts.push(
            `the ${p.requests.count} vendor request${p.requests.count > 1 ? "s" : ""} ran ${p.requests.firstStartS} s → ${p.requests.lastEndS} s`,
        );
    const total = /Total samples = ([\d.]+)(ms|s)/.exec(p.engineTop?.find((l) => l.includes("Total samples")) ?? "");
    if (total) {
        const engineMs = Number(total[1]) * (total[2] === "s" ? 1000 : 1);
        const write = p.engineTopCum?.find(
            (l) => l.includes("WriteAll") || l.includes("saveCheckpoint") || l.includes("(*checkpointManager)"),
        );
        const writeCum = write ? /\s([\d.]+)(ms|s)\s+[\d.]+%\s+\S+$/.exec(write.trim()) : null;
        parts.push(
            `the CLI's engine used ${s(engineMs)} of CPU${writeCum ? ` (checkpoint writes ${writeCum[1]}${writeCum[2]} cumulative)` : ""}; the rest of the time the processes waited on each other or on process start-up.`,
        );
    }
    return parts.join("; ").replace(/:; /, ": ");
}

function profileSection(p: ProfileReport): string[] {
    const lines: string[] = [`### Profile: ${p.what}`, ""];
    const h = headline(p);
    if (h) lines.push(h, "");
    if (p.error) lines.push(`The profiled run failed: \`${p.error.split("\n")[0]}\``, "");
    lines.push(
        `Profiled run: ${fmtMs(p.wallMs)} wall (profiling adds overhead: read shares, not totals). Raw profiles: [\`${p.rawDir}/\`](${p.rawDir}/) (\`.cpuprofile.gz\`: gunzip, open in Chrome DevTools → Performance; \`engine.*.cpu\`: \`go tool pprof\`).`,
        "",
    );
    if (p.node.length > 0) {
        if (p.node.some((n) => n.startMs !== undefined))
            lines.push(
                "Timeline (seconds after the CLI was spawned; the CLI exited at " +
                    `${round(p.wallMs / 1000, 2)} s) and CPU of each Node process:`,
                "",
            );
        lines.push(
            "| Node process | alive | busy (CPU) | idle | GC | busy by area | module loading by package (inclusive) |",
            "|---|---|---:|---:|---:|---|---|",
        );
        for (const n of [...p.node].sort((a, b) => (a.startMs ?? 0) - (b.startMs ?? 0))) {
            const areas = Object.entries(n.byArea)
                .slice(0, 4)
                .map(([k, v]) => `${k} ${fmtMs(v)}`)
                .join("; ");
            const mods = n.moduleLoad
                .slice(0, 5)
                .map((m) => `${m.pkg} ${fmtMs(m.ms)}`)
                .join("; ");
            const alive =
                n.startMs !== undefined && n.endMs !== undefined
                    ? `${round(n.startMs / 1000, 2)} → ${round(n.endMs / 1000, 2)} s`
                    : fmtMs(n.wallMs);
            lines.push(`| ${n.role} | ${alive} | ${fmtMs(n.busyMs)} | ${fmtMs(n.idleMs)} | ${fmtMs(n.gcMs)} | ${areas} | ${mods} |`);
        }
        lines.push("");
        for (const n of p.node.filter((x) => x.busyMs > 200 && !x.role.startsWith("other")).slice(0, 2)) {
            lines.push(`Top functions of the ${n.role} process by inclusive time (share of its busy time):`, "");
            lines.push("| function | inclusive | share |", "|---|---:|---:|");
            for (const f of n.topInclusive.slice(0, 10)) lines.push(`| \`${f.fn}\` | ${fmtMs(f.ms)} | ${f.pct}% |`);
            lines.push("", "By self time:", "", "| function | self | share |", "|---|---:|---:|");
            for (const f of n.topSelf.slice(0, 8)) lines.push(`| \`${f.fn}\` | ${fmtMs(f.ms)} | ${f.pct}% |`);
            lines.push("");
        }
    }
    if (p.requests) {
        const r = p.requests;
        lines.push(
            `Vendor requests as they happened (recorded in front of the emulator): ${r.count} requests carrying ${fmtNum(r.users)} users, the first at ${r.firstStartS} s, the last done at ${r.lastEndS} s after the CLI was spawned; median gap between one request's end and the next one's start: ${fmtMs(r.medianGapMs)}.`,
            "",
        );
        if (r.count > 1 && r.count <= 200) {
            lines.push("| # | start (s) | took | users |", "|---:|---:|---:|---:|");
            for (const [i, row] of r.rows.entries()) lines.push(`| ${i + 1} | ${row.startS} | ${fmtMs(row.ms)} | ${row.users} |`);
            if (r.count > r.rows.length) lines.push(`| … | | | ${r.count - r.rows.length} more |`);
            lines.push("");
        }
    }
    if (p.engineTop) {
        lines.push(
            "The `pulumi` CLI process (the engine), `go tool pprof -top` (flat, then cumulative):",
            "",
            "```",
            ...p.engineTop.slice(0, 16),
            "```",
            "",
        );
        if (p.engineTopCum) lines.push("```", ...p.engineTopCum.slice(0, 22), "```", "");
    }
    return lines;
}

export function renderReadme(results: Results, chartFiles: string[]): string {
    const L: string[] = [];
    const title = results.mode === "full" ? "Benchmarks" : `Benchmarks (${results.mode} run)`;
    L.push(`# ${title}`, "");
    L.push(
        `Generated by \`${results.command}\` on ${results.generatedAt} in ${fmtMs(results.totalMs)}; do not edit by hand. Raw samples, medians, machine and versions: [results.json](results.json).`,
        "",
    );
    if (results.mode !== "full") {
        L.push(
            `> **${results.mode} run, small sizes** (${Object.entries(results.sizes)
                .filter(([k]) => ["roster", "growth", "users"].includes(k))
                .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
                .join(
                    ", ",
                )}): the targets below apply the issue's formulas to these sizes and are indicative only. The full report is [../README.md](../README.md) (\`npm run bench\`).`,
            "",
        );
    }
    L.push("## Machine", "");
    L.push("| | |", "|---|---|");
    for (const [k, v] of Object.entries(results.machine)) L.push(`| ${k} | ${v} |`);
    for (const [k, v] of Object.entries(results.versions)) L.push(`| ${k} | ${v} |`);
    L.push("");

    L.push("## Targets", "");
    L.push("| target | measured | ratio (≤ 1 is met) | met |", "|---|---|---:|---|");
    for (const t of results.targets) {
        const met = t.met === null ? "not measured" : t.met ? "**met**" : `**not met**: ${t.miss}`;
        L.push(
            `| ${t.description} | ${t.measured} | ${Number.isFinite(t.ratio) ? t.ratio : "—"} | ${met}${t.profile ? ` ([profile](#${anchor(`Profile: ${t.profile}`)}))` : ""} |`,
        );
    }
    L.push("");
    const missed = results.targets.filter((t) => t.met === false);
    if (missed.length > 0 && results.profiles.length === 0) {
        L.push(
            `Targets were missed and no profile was taken in this run (profiles are taken by default in full runs, with \`--profile\` otherwise).`,
            "",
        );
    }

    for (const s of results.scenarios) {
        L.push(`## ${SCENARIO_HEADINGS[s.id]?.split(". ")[0] ?? "?"}. ${s.title}`, "");
        if (s.status !== "ok") {
            L.push(`**${s.status}**${s.error ? `: ${s.error.split("\n")[0]}` : ""}`, "");
            if (s.measurements.length === 0) continue;
        }
        for (const c of chartFiles.filter((f) => f.replace(/(-state)?\.svg$/, "") === s.id)) L.push(`![${c}](${c})`, "");
        L.push(...measurementTable(s.measurements), "");
        if (s.id === "growth") {
            const sizes = results.sizes.growth as number[];
            const up = linearity(sizes.map((n) => ({ x: n, y: median(results, "growth", `growth.up.${n}`) })));
            const pv = linearity(sizes.map((n) => ({ x: n, y: median(results, "growth", `growth.preview.${n}`) })));
            L.push(
                `Linearity (least squares over the medians; the marginal cost per user between consecutive sizes should stay flat, ratio ≈ 1):`,
                "",
            );
            L.push("| series | slope | intercept | R² | marginal ms/user | last/first marginal |", "|---|---:|---:|---:|---|---:|");
            for (const [name, f] of [
                ["`up`", up],
                ["`preview`", pv],
            ] as const) {
                L.push(
                    `| ${name} | ${f.slopeMsPerUser} ms/user | ${fmtMs(f.interceptMs)} | ${f.r2} | ${f.marginalMsPerUser.join(" → ")} | ${Number.isFinite(f.marginalRatio) ? f.marginalRatio : "— (a step got faster: noise)"} |`,
                );
            }
            L.push("");
            const bd = (s.details.stateBreakdown as Record<string, any> | undefined)?.[String(Math.max(...sizes))];
            if (bd?.largestResource) {
                L.push(
                    `Where the state bytes are (${fmtNum(Math.max(...sizes))} users, pretty-printed export ${fmtBytes(bd.exportBytes)}, compact ${fmtBytes(bd.compactBytes)}), fields of the \`${bd.largestResource.type}\` resource:`,
                    "",
                );
                L.push("| field | inputs | outputs |", "|---|---:|---:|");
                const keys = [...new Set([...Object.keys(bd.largestResource.inputs), ...Object.keys(bd.largestResource.outputs)])];
                keys.sort(
                    (a, b) =>
                        (bd.largestResource.outputs[b] ?? 0) +
                        (bd.largestResource.inputs[b] ?? 0) -
                        (bd.largestResource.outputs[a] ?? 0) -
                        (bd.largestResource.inputs[a] ?? 0),
                );
                for (const k of keys.slice(0, 12))
                    L.push(
                        `| \`${k}\` | ${bd.largestResource.inputs[k] !== undefined ? fmtBytes(bd.largestResource.inputs[k]) : "—"} | ${bd.largestResource.outputs[k] !== undefined ? fmtBytes(bd.largestResource.outputs[k]) : "—"} |`,
                    );
                L.push("");
            }
        }
        if (s.id === "tenant-user") {
            const ms = s.measurements.filter((m) => m.unit === "ms" && (m.params?.group ?? "main") === "main");
            const ref = ms.find(
                (m) =>
                    m.params?.kind === "TenantUser" &&
                    m.params?.parallel === Math.max(...(results.sizes.parallel as number[])) &&
                    !m.params?.skipCheckpoints,
            );
            if (ref) {
                L.push(`Relative to \`TenantUser\` at \`--parallel ${ref.params?.parallel}\` with checkpoints (${fmtMs(ref.median)}):`, "");
                L.push("| variant | up (median) | requests | × TenantUser |", "|---|---:|---:|---:|");
                for (const m of ms) {
                    const req = s.measurements.find((x) => x.id === `${m.id}.requests`);
                    L.push(`| ${m.label} | ${fmtMs(m.median)} | ${req ? fmtNum(req.median) : "—"} | ${round(m.median / ref.median, 2)}× |`);
                }
                L.push("");
            }
            const extra = s.measurements.filter((m) => m.unit === "ms" && (m.params?.group ?? "main") !== "main");
            if (extra.length > 0) {
                L.push("Batching tax and rate limit (each against its own unbatched and command rows):", "");
                L.push("| variant | up (median) | requests |", "|---|---:|---:|");
                for (const m of extra) {
                    const req = s.measurements.find((x) => x.id === `${m.id}.requests`);
                    L.push(`| ${m.label} | ${fmtMs(m.median)} | ${req ? fmtNum(req.median) : "—"} |`);
                }
                L.push("");
            }
        }
        if (s.id === "fleet" && s.details.result !== undefined) {
            L.push("The fleet benchmark's own result:", "", "```json", JSON.stringify(s.details.result, null, 2).slice(0, 4000), "```", "");
        }
        if (s.notes.length > 0) {
            for (const n of s.notes) L.push(`- ${n}`);
            L.push("");
        }
        L.push(`<sub>${fmtMs(s.durationMs)} for this scenario; load average ${s.loadAverage.before} → ${s.loadAverage.after}.</sub>`, "");
    }

    if (results.profiles.length > 0) {
        L.push("## Where the time goes", "");
        L.push(
            "For each missed time target, the operation was run once more with every Node process of the deployment under `--cpu-prof` (NODE_OPTIONS) and the CLI under `--profiling`. A process that is mostly idle is waiting on another one; the engine's profile then says what it was doing.",
            "",
        );
        for (const p of results.profiles) L.push(...profileSection(p));
    }

    L.push("## Method", "");
    L.push(
        ...[
            "- Every operation is the real `pulumi` CLI (the toolchain of `cli/pulumi-toolchain.ts`), spawned once per operation and timed from spawn to exit with `performance.now()`; `up` runs with `--yes --skip-preview`. Programs are TypeScript run with `PULUMI_NODEJS_TRANSPILE_ONLY=true` (the empty program too).",
            "- Each sample uses a fresh emulator tenant (Zquence dialect, no rate limit), a fresh stack and a fresh `file://` state directory. Requests are the emulator's per-tenant counters.",
            "- The emulator runs in the benchmark process on a WAL database file. Scenario 4 adds the stated latency to every request of its tenants (an emulator fault).",
            "- Comparisons are interleaved sample by sample, rotating the order; each figure is the median of its samples.",
            "- The plain script (`scripts/bench/plain-sync.ts`) is the vendor's nightly-sync recipe: de-duplicate by email, chunks of 1,000 sent one after the other with undici, retry 429/5xx after `Retry-After`; it runs as its own Node process, timed from spawn to exit.",
            "- The unbatched provider is a `pulumi.dynamic.Resource` written inline in the program whose `create` sends one `add-user`; the command variant is `@pulumi/command`'s `local.Command` running `curl` per user.",
            "- State bytes are the size of `pulumi stack export` (pretty-printed, secrets encrypted) divided by the users.",
            "- The CLI floor's program imports nothing, so it does not load `@pulumi/pulumi`'s index (which loads the Automation API and npm's arborist) and starts no provider. The reference row \"one no-op dynamic resource\" is the floor of any dynamic provider: the same CLI plus Pulumi's dynamic-provider process.",
            "",
            "Run: `npm run bench` (full, writes here), `npm run bench -- --quick` (writes `quick/`), `--only <floor|roster|growth|tenant-user|emulator|fleet>`, `--profile` / `--no-profile`, `--out <dir>`, `--samples <n>`.",
            "",
        ],
    );
    return L.join("\n");
}

function anchor(heading: string): string {
    return heading
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, "")
        .trim()
        .replace(/ /g, "-");
}

export function writeReport(results: Results, outDir: string): string[] {
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
    const svgs = charts(results);
    for (const [file, svg] of Object.entries(svgs)) fs.writeFileSync(path.join(outDir, file), svg);
    fs.writeFileSync(path.join(outDir, "README.md"), renderReadme(results, Object.keys(svgs)));
    return ["results.json", "README.md", ...Object.keys(svgs)];
}
