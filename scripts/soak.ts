/**
 * `npm run soak`: the reliability scenarios of tests/reliability/scenarios/ at the sizes
 * (a 10,000-user roster and 200 TenantUsers under fault storms, crashes of `pulumi up` and of the
 * emulator, answers lost after commit with users already at the vendor, the checkpoint-free fast path
 * killed mid-run, 10,000 malformed requests, malformed vendor answers, a credential search), one line per
 * scenario with its counts, then `N passed, N failed`.
 *
 *   npm run soak                      # full sizes (about 10 to 15 minutes on 2 cores)
 *   npm run soak -- --quick           # small sizes (2 to 3 minutes)
 *   npm run soak -- --only storm      # scenarios whose name contains "storm"
 *   npm run soak -- --verbose         # also print each scenario's messages and details
 */
import { parseArgs } from "node:util";
import {
    budgetRoster,
    budgetUsers,
    crashEmulator,
    crashRoster,
    crashUsers,
    formatResult,
    malformedAnswers,
    malformedRequests,
    type ScenarioResult,
    secretsAndIsolation,
    stormRoster,
    stormUsers,
} from "../tests/reliability/scenarios";
import { fastPathCrash, lostAnswers } from "../tests/reliability/scenarios/lost-answers";

interface Sizes {
    roster: number;
    users: number;
    requests: number;
    crashRoster: number;
    crashUsers: number;
    budget: number;
}

const FULL: Sizes = { roster: 10_000, users: 200, requests: 10_000, crashRoster: 10_000, crashUsers: 200, budget: 10_000 };
const QUICK: Sizes = { roster: 1_000, users: 20, requests: 2_000, crashRoster: 1_000, crashUsers: 20, budget: 1_000 };

/** The scenarios in order; `--quick` keeps one of each kind and skips the no-op previews. */
function scenarios(s: Sizes, quick: boolean): { name: string; run: () => Promise<ScenarioResult> }[] {
    const confirmNoop = !quick;
    const all = [
        {
            name: "storm-roster-zquence",
            run: () => stormRoster({ size: s.roster, dialect: "zquence", chunkSize: Math.ceil(s.roster / 40) }),
        },
        {
            name: "storm-roster-projects",
            full: true,
            run: () => stormRoster({ size: s.roster, dialect: "projects", chunkSize: Math.min(1000, Math.ceil(s.roster / 20)) }),
        },
        { name: "storm-users-geldstuck", run: () => stormUsers({ size: s.users, dialect: "geldstuck", parallel: 25 }) },
        { name: "budget-roster", run: () => budgetRoster({ size: s.budget }) },
        { name: "budget-users", full: true, run: () => budgetUsers({ size: Math.min(s.users, 50) }) },
        { name: "crash-roster-tree", run: () => crashRoster({ size: s.crashRoster, killMode: "tree", confirmNoop }) },
        { name: "crash-roster-cli", full: true, run: () => crashRoster({ size: s.crashRoster, killMode: "cli", confirmNoop: false }) },
        {
            name: "crash-users-tree",
            run: () => crashUsers({ size: s.crashUsers, killMode: "tree", parallel: quick ? 5 : 20, confirmNoop }),
        },
        { name: "lost-answers-roster", run: () => lostAnswers({ kind: "roster", size: s.roster, seed: 11 }) },
        {
            name: "lost-answers-users",
            run: () => lostAnswers({ kind: "users", size: quick ? 40 : 200, seed: 7, parallel: quick ? 10 : 200 }),
        },
        { name: "fast-path-crash", run: () => fastPathCrash({ size: quick ? 60 : 300, parallel: quick ? 10 : 20 }) },
        { name: "crash-emulator", run: () => crashEmulator({ size: s.crashRoster, confirmNoop }) },
        { name: "malformed-requests", run: () => malformedRequests({ count: s.requests }) },
        {
            name: "malformed-answers",
            run: () => malformedAnswers({ size: quick ? 50 : 500, ...(quick ? { kinds: ["html" as const] } : {}) }),
        },
        { name: "secrets", run: async () => (await secretsAndIsolation({ size: quick ? 3 : 10 })).result },
    ];
    return all.filter((x) => !quick || !x.full);
}

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: {
            quick: { type: "boolean", default: false },
            only: { type: "string", multiple: true },
            verbose: { type: "boolean", default: false },
        },
        strict: true,
    });
    const major = Number(process.versions.node.split(".")[0]);
    if (major < 22) throw new Error(`the soak needs Node 22 or newer (this is ${process.version}); run it through npm`);
    const quick = values.quick ?? false;
    const list = scenarios(quick ? QUICK : FULL, quick).filter((s) => !values.only?.length || values.only.some((o) => s.name.includes(o)));
    const t0 = Date.now();
    console.log(`soak (${quick ? "quick" : "full"}): ${list.length} scenarios`);
    let passed = 0;
    let failed = 0;
    for (const s of list) {
        let result: ScenarioResult;
        try {
            result = await s.run();
        } catch (err) {
            result = { name: s.name, problems: [`crashed: ${(err as Error).stack ?? err}`] } as ScenarioResult;
            console.log(`FAIL ${s.name}: ${result.problems[0]}`);
            failed++;
            continue;
        }
        console.log(formatResult(result));
        if (values.verbose) {
            for (const m of result.messages) console.log(`     | ${m.replace(/\n/g, "\n     | ")}`);
            console.log(`     | ${JSON.stringify(result.details)}`);
        }
        if (result.problems.length === 0) passed++;
        else failed++;
    }
    console.log(`\n${passed} passed, ${failed} failed (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}

main().catch((err) => {
    console.error(err instanceof Error ? err.stack : err);
    console.log("\n0 passed, 1 failed");
    process.exitCode = 1;
});
