/**
 * The issue's targets, evaluated on the medians of this run. At quick and tiny sizes the same
 * formulas are applied to the smaller sizes (indicative only; the targets are stated for full sizes).
 */
import type { Sizes } from "./context";
import type { ScenarioResult, TargetResult } from "./results";
import { fmtBytes, fmtMs, fmtNum, round } from "./stats";
import { sweepRowId, variantId } from "./scenarios/tenant-user";

function finder(scenarios: ScenarioResult[]) {
    return (scenario: string, id: string): number | undefined => {
        const s = scenarios.find((x) => x.id === scenario && x.status === "ok");
        const m = s?.measurements.find((x) => x.id === id);
        return m && Number.isFinite(m.median) ? m.median : undefined;
    };
}

/** A target "value ≤ limit": ratio value/limit, met when ≤ 1. */
function atMost(t: Omit<TargetResult, "ratio" | "met" | "miss">, unitFmt: (x: number) => string): TargetResult {
    const ratio = t.limit === 0 ? (t.value === 0 ? 0 : Infinity) : t.value / t.limit;
    const met = t.value <= t.limit;
    return {
        ...t,
        ratio: round(ratio, 2),
        met,
        ...(met
            ? {}
            : {
                  miss: `${unitFmt(t.value)} against at most ${unitFmt(t.limit)}: ${t.limit === 0 ? `${fmtNum(t.value)} over` : `${round(ratio, 2)}× the limit (${round((ratio - 1) * 100, 0)}% over)`}`,
              }),
    };
}

/** A target "value ≥ limit" (speed-ups, throughput): ratio limit/value, met when ≤ 1. */
function atLeast(t: Omit<TargetResult, "ratio" | "met" | "miss">, unitFmt: (x: number) => string): TargetResult {
    const ratio = t.value === 0 ? Infinity : t.limit / t.value;
    const met = t.value >= t.limit;
    return {
        ...t,
        ratio: round(ratio, 2),
        met,
        ...(met
            ? {}
            : { miss: `${unitFmt(t.value)} against at least ${unitFmt(t.limit)}: ${round((t.value / t.limit) * 100, 0)}% of the target` }),
    };
}

function missing(id: string, description: string, why: string): TargetResult {
    return { id, description, measured: `not measured: ${why}`, value: NaN, limit: NaN, ratio: NaN, met: null };
}

export function evaluateTargets(scenarios: ScenarioResult[], sizes: Sizes): TargetResult[] {
    const get = finder(scenarios);
    const out: TargetResult[] = [];
    const n = sizes.roster;
    const nText = n.toLocaleString("en-US");
    const x = (v: number) => `${round(v, 2)}×`;

    // 1. Roster up vs floor + plain script.
    {
        const desc = `Roster ${nText} \`up\` ≤ 1.2 × (CLI floor \`up\` + plain script)`;
        const roster = get("roster", "roster.up"),
            floor = get("floor", "floor.up"),
            plain = get("roster", "plain.run");
        if (roster === undefined || floor === undefined || plain === undefined)
            out.push(missing("roster-up-time", desc, "roster or floor scenario did not run"));
        else
            out.push(
                atMost(
                    {
                        id: "roster-up-time",
                        description: desc,
                        measured: `${fmtMs(roster)} vs 1.2 × (${fmtMs(floor)} + ${fmtMs(plain)}) = ${fmtMs(1.2 * (floor + plain))}`,
                        value: roster,
                        limit: 1.2 * (floor + plain),
                    },
                    fmtMs,
                ),
            );
    }
    {
        const limit = Math.ceil(n / 1000) + 1;
        const desc = `Roster ${nText} \`up\` in ≤ ${limit} requests`;
        const req = get("roster", "roster.up.requests");
        if (req === undefined) out.push(missing("roster-up-requests", desc, "roster scenario did not run"));
        else
            out.push(
                atMost(
                    { id: "roster-up-requests", description: desc, measured: `${fmtNum(req)} requests`, value: req, limit },
                    (v) => `${fmtNum(v)} requests`,
                ),
            );
    }
    {
        const desc = "No-change roster `up` makes 0 requests";
        const req = get("roster", "roster.up-nochange.requests");
        if (req === undefined) out.push(missing("roster-nochange-requests", desc, "roster scenario did not run"));
        else
            out.push(
                atMost(
                    { id: "roster-nochange-requests", description: desc, measured: `${fmtNum(req)} requests`, value: req, limit: 0 },
                    (v) => `${fmtNum(v)} requests`,
                ),
            );
    }

    // 2. Preview of the largest roster vs the floor preview; state per user.
    const big = Math.max(...sizes.growth);
    const bigText = big.toLocaleString("en-US");
    {
        const desc = `One-change \`preview\` of a ${bigText}-user roster ≤ 3 × the CLI floor \`preview\``;
        const p = get("growth", `growth.preview.${big}`),
            floor = get("floor", "floor.preview");
        if (p === undefined || floor === undefined) out.push(missing("preview-time", desc, "growth or floor scenario did not run"));
        else
            out.push(
                atMost(
                    {
                        id: "preview-time",
                        description: desc,
                        measured: `${fmtMs(p)} vs 3 × ${fmtMs(floor)} = ${fmtMs(3 * floor)}`,
                        value: p,
                        limit: 3 * floor,
                    },
                    fmtMs,
                ),
            );
    }
    {
        const desc = `Roster state ≤ 200 bytes per user (${bigText} users, \`pulumi stack export\`)`;
        const b = get("growth", `growth.state-per-user.${big}`);
        if (b === undefined) out.push(missing("state-per-user", desc, "growth scenario did not run"));
        else
            out.push(
                atMost(
                    {
                        id: "state-per-user",
                        description: desc,
                        measured: `${round(b, 1)} B/user (${fmtBytes(b * big)} in all)`,
                        value: b,
                        limit: 200,
                    },
                    (v) => `${round(v, 1)} B/user`,
                ),
            );
    }

    // 3. TenantUser at the highest --parallel.
    const p = Math.max(...sizes.parallel);
    const u = sizes.users.toLocaleString("en-US");
    const tu = get("tenant-user", variantId({ kind: "TenantUser", parallel: p, skipCheckpoints: false }));
    const tuReq = get("tenant-user", `${variantId({ kind: "TenantUser", parallel: p, skipCheckpoints: false })}.requests`);
    {
        const desc = `${u} \`TenantUser\`s at \`--parallel ${p}\`: ≤ 10 requests`;
        if (tuReq === undefined) out.push(missing("tenant-user-requests", desc, "tenant-user scenario did not run"));
        else
            out.push(
                atMost(
                    { id: "tenant-user-requests", description: desc, measured: `${fmtNum(tuReq)} requests`, value: tuReq, limit: 10 },
                    (v) => `${fmtNum(v)} requests`,
                ),
            );
    }
    for (const [kind, factor, id, label] of [
        ["unbatched", 3, "tenant-user-vs-unbatched", "the unbatched dynamic provider"],
        ["command", 10, "tenant-user-vs-command", "@pulumi/command + curl"],
    ] as const) {
        const desc = `${u} \`TenantUser\`s at \`--parallel ${p}\`: ≥ ${factor} × faster than ${label}`;
        const other = get("tenant-user", variantId({ kind, parallel: p, skipCheckpoints: false }));
        if (tu === undefined || other === undefined) out.push(missing(id, desc, "tenant-user scenario did not run"));
        else
            out.push(
                atLeast(
                    {
                        id,
                        description: desc,
                        measured: `${fmtMs(other)} / ${fmtMs(tu)} = ${x(other / tu)}`,
                        value: other / tu,
                        limit: factor,
                    },
                    x,
                ),
            );
    }

    // 3b. No batching tax: TenantUser no slower than the unbatched provider, at each size, with and without latency.
    for (const users of sizes.sweepUsers) {
        for (const latencyMs of sizes.sweepLatencies) {
            const id = `tenant-user-no-tax-u${users}-l${latencyMs}`;
            const desc = `No batching tax: ${fmtNum(users)} \`TenantUser\`s, ${latencyMs} ms latency, \`--parallel ${p}\`: ≤ 1.0 × the unbatched dynamic provider`;
            const tuAt = get("tenant-user", sweepRowId(sizes, "TenantUser", users, latencyMs));
            const unAt = get("tenant-user", sweepRowId(sizes, "unbatched", users, latencyMs));
            if (tuAt === undefined || unAt === undefined) out.push(missing(id, desc, "tenant-user scenario did not run"));
            else out.push(atMost({ id, description: desc, measured: `${fmtMs(tuAt)} vs ${fmtMs(unAt)}`, value: tuAt, limit: unAt }, fmtMs));
        }
    }

    // 3c. Geldstuck's default rate limit (20 requests/s, burst 40), without checkpoints (with them,
    // the scenario reports the speed-ups as measurements: no target).
    // (Only the kinds this mode runs: the smoke form has no row to compare.)
    if (sizes.rateLimitSkipCheckpoints.includes(true)) {
        const r = fmtNum(sizes.rateLimitUsers);
        const at = { parallel: p, skipCheckpoints: true, group: "rate-limit" as const, users: sizes.rateLimitUsers };
        const tuAt = get("tenant-user", variantId({ kind: "TenantUser", ...at }));
        for (const [kind, factor, label] of [
            ["unbatched", 3, "the unbatched dynamic provider"],
            ["command", 5, "@pulumi/command + curl --retry"],
        ] as const) {
            if (!sizes.rateLimitKinds.includes(kind)) continue;
            const id = `tenant-user-rate-limit-vs-${kind}`;
            const desc = `Rate limit (20 requests/s, burst 40), PULUMI_SKIP_CHECKPOINTS: ${r} \`TenantUser\`s ≥ ${factor} × faster than ${label}`;
            const other = get("tenant-user", variantId({ kind, ...at }));
            if (tuAt === undefined || other === undefined) out.push(missing(id, desc, "tenant-user scenario did not run"));
            else
                out.push(
                    atLeast(
                        {
                            id,
                            description: desc,
                            measured: `${fmtMs(other)} / ${fmtMs(tuAt)} = ${x(other / tuAt)}`,
                            value: other / tuAt,
                            limit: factor,
                        },
                        x,
                    ),
                );
        }
    }

    // 4. Emulator.
    {
        const desc = "Emulator bulk ingest ≥ 50,000 users/s (Zquence add-user-bulk of 10,000)";
        const v = get("emulator", "emulator.zquence.users-per-second");
        const cpu = get("emulator", "emulator.zquence.users-per-cpu-second");
        if (v === undefined) out.push(missing("emulator-ingest", desc, "emulator scenario did not run"));
        else
            out.push(
                atLeast(
                    {
                        id: "emulator-ingest",
                        description: desc,
                        measured: `${fmtNum(Math.round(v))} users/s wall${cpu !== undefined ? ` (${fmtNum(Math.round(cpu))} users per CPU second: what an idle core does)` : ""}`,
                        value: v,
                        limit: 50_000,
                    },
                    (y) => `${fmtNum(Math.round(y))} users/s`,
                ),
            );
    }
    return out;
}
