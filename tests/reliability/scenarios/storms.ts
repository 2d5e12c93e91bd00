/**
 * Fault storms and exhausted retry budgets: one `up` under 429s, 500s, 503s and dropped
 * connections must converge with no user lost or duplicated; a budget that runs out must fail
 * with partial progress recorded, and the next `up` must send only the rest.
 */
import { type Dialect, type OutcomeCounts, replayFaults, stormFaults } from "../tools";
import {
    attempt,
    bench,
    countRequests,
    errorLines,
    newResult,
    openTenant,
    ROSTER_PROGRAM,
    type ScenarioResult,
    settle,
    stackFor,
    teardown,
    timed,
    TENANT_USERS_PROGRAM,
} from "./steps";

export interface StormOptions {
    /** Users in the roster, or TenantUser resources. */
    size: number;
    dialect?: Dialect;
    /** Roster chunk size. @default size / 20 */
    chunkSize?: number;
    /** Roster concurrency. @default 2 */
    concurrency?: number;
    /** `pulumi up --parallel` for TenantUsers. @default 25 */
    parallel?: number;
    seed?: number;
    maxAttempts?: number;
    latencyMs?: number;
}

/**
 * A roster under the storm: burst of 429s (HTTP-date Retry-After), then 8 % 429 (seconds), 10 % 500,
 * 10 % 503, 5 % drop-before, 5 % drop-after-commit, 200 ms latency; one `up` must converge.
 */
export async function stormRoster(opts: StormOptions): Promise<ScenarioResult> {
    const dialect = opts.dialect ?? "zquence";
    const r = newResult(`storm-roster-${dialect}`, opts.size);
    const maxAttempts = opts.maxAttempts ?? 10;
    const chunkSize = opts.chunkSize ?? Math.max(1, Math.ceil(opts.size / 20));
    const chunks = Math.ceil(opts.size / chunkSize);
    const b = await bench();
    return timed(r, async () => {
        try {
            const { tenant, users } = await openTenant(b, dialect, opts.size, "storm");
            const stack = await stackFor(
                b,
                ROSTER_PROGRAM,
                "rel-storm-roster",
                { ...tenant.config, "tenant-users:maxAttempts": String(maxAttempts) },
                { "users.json": users, "options.json": { chunkSize, concurrency: opts.concurrency ?? 2 } },
                { inline: true },
            );
            for (const f of stormFaults(tenant.tenantId, opts.seed ?? 7, opts.latencyMs ?? 200)) await b.emu.control.addFault(f);
            r.ups++;
            const up = await attempt(() => stack.up());
            if (up.failed) r.problems.push(`up failed: ${errorLines(up.text)}`);
            await countRequests(b, tenant, r);
            await settle(b, tenant, users, stack, r);
            r.details.chunks = chunks;
            // Each chunk succeeds once: a chunk that landed is never sent again.
            if (r.injected.ok !== chunks) r.problems.push(`${r.injected.ok} requests succeeded for ${chunks} chunks`);
            if (r.requests > maxAttempts * chunks)
                r.problems.push(`${r.requests} requests exceed the budget of ${maxAttempts} × ${chunks} chunks`);
        } finally {
            await teardown(b);
        }
    });
}

/** `size` TenantUser resources under the same storm, one `up --parallel`. */
export async function stormUsers(opts: StormOptions): Promise<ScenarioResult> {
    const dialect = opts.dialect ?? "geldstuck";
    const r = newResult(`storm-users-${dialect}`, opts.size);
    const maxAttempts = opts.maxAttempts ?? 10;
    const b = await bench();
    return timed(r, async () => {
        try {
            const { tenant, users } = await openTenant(b, dialect, opts.size, "single");
            const stack = await stackFor(
                b,
                TENANT_USERS_PROGRAM,
                "rel-storm-users",
                {
                    ...tenant.config,
                    "tenant-users:maxAttempts": String(maxAttempts),
                    "tenant-users:batchMaxWaitMs": "300",
                },
                { "users.json": users },
                { inline: true },
            );
            // Seed 320 draws every fault kind within its first seven requests: a few batches meet them all.
            for (const f of stormFaults(tenant.tenantId, opts.seed ?? 320, opts.latencyMs ?? 200)) await b.emu.control.addFault(f);
            r.ups++;
            const up = await attempt(() => stack.up({ parallel: opts.parallel ?? 25 }));
            if (up.failed) r.problems.push(`up failed: ${errorLines(up.text)}`);
            await countRequests(b, tenant, r);
            await settle(b, tenant, users, stack, r);
            // Each batch succeeds once; a logical call makes at most maxAttempts attempts.
            r.details.batches = r.injected.ok;
            if (r.requests > maxAttempts * r.injected.ok)
                r.problems.push(`${r.requests} requests exceed the budget of ${maxAttempts} × ${r.injected.ok} batches`);
        } finally {
            await teardown(b);
        }
    });
}

export interface BudgetOptions {
    size: number;
    /** Chunks that land before the one that fails for good. @default 3 */
    goodChunks?: number;
    maxAttempts?: number;
}

/**
 * A roster whose retry budget runs out: chunk `goodChunks + 1` answers 503 to every attempt. The
 * failed `up` must say how many users were sent and record them; the next `up`, under a milder
 * storm, sends only the rest and converges.
 */
export async function budgetRoster(opts: BudgetOptions): Promise<ScenarioResult> {
    const r = newResult("budget-roster", opts.size);
    const maxAttempts = opts.maxAttempts ?? 3;
    const goodChunks = opts.goodChunks ?? 3;
    const chunkSize = Math.max(1, Math.ceil(opts.size / 10));
    const chunks = Math.ceil(opts.size / chunkSize);
    const b = await bench();
    return timed(r, async () => {
        try {
            const { tenant, users } = await openTenant(b, "zquence", opts.size, "budget");
            const stack = await stackFor(
                b,
                ROSTER_PROGRAM,
                "rel-budget",
                { ...tenant.config, "tenant-users:maxAttempts": String(maxAttempts) },
                { "users.json": users, "options.json": { chunkSize, concurrency: 1 } },
                { inline: true },
            );
            await b.emu.control.addFault({
                tenantId: tenant.tenantId,
                latencyMs: 50,
                sequence: [...Array(goodChunks).fill("ok"), ...Array(maxAttempts).fill("503")],
            });
            r.ups++;
            const first = await stack.up({ expectFailure: true });
            const text =
                first.diagnostics
                    .filter((d) => d.severity === "error")
                    .map((d) => d.message)
                    .join("\n") || first.stderr;
            r.messages.push(text);
            const atVendor = (await b.emu.control.users(tenant.tenantId)).length;
            const said = /(\d+) of (\d+) users sent/.exec(text);
            r.details.sentBeforeFailure = said ? Number(said[1]) : -1;
            r.details.atVendorAfterFailure = atVendor;
            r.details.mentionsEndpoint = text.includes("POST /v1/tenants/add-user-bulk");
            r.details.mentionsAttempts = text.includes(`${maxAttempts} attempts`);
            if (!said) r.problems.push(`the failed up does not say how many users were sent: ${text.slice(0, 300)}`);
            else if (Number(said[1]) !== atVendor || Number(said[1]) !== goodChunks * chunkSize) {
                r.problems.push(`the failed up says ${said[1]} sent; the vendor holds ${atVendor}; ${goodChunks * chunkSize} expected`);
            }
            if (!r.details.mentionsEndpoint) r.problems.push("the failed up's error does not name the endpoint");
            if (!r.details.mentionsAttempts) r.problems.push(`the failed up's error does not say it made ${maxAttempts} attempts`);
            const recorded = await stack.exportState();
            const roster = (recorded.deployment.resources ?? []).find((x: any) => String(x.type).endsWith("TenantUserRoster"));
            r.details.recordedAfterFailure = Number(roster?.outputs?.userCount ?? 0);
            if (r.details.recordedAfterFailure !== goodChunks * chunkSize)
                r.problems.push(`state recorded ${r.details.recordedAfterFailure} users after the failure`);

            await b.emu.control.clearFaults();
            await b.emu.control.addFault({ tenantId: tenant.tenantId, seed: 3, probabilities: { "500": 0.1, "drop-after-commit": 0.05 } });
            const before = (await b.emu.control.requests(tenant.tenantId)).total;
            r.ups++;
            const second = await attempt(() => stack.up());
            if (second.failed) r.problems.push(`the second up failed too: ${errorLines(second.text)}`);
            const secondRequests = (await b.emu.control.requests(tenant.tenantId)).total - before;
            const replayed = replayFaults((await b.emu.control.faults()).filter((f) => f.tenantId === tenant.tenantId));
            r.details.secondUpChunks = replayed.ok;
            if (replayed.ok !== chunks - goodChunks)
                r.problems.push(`the second up sent ${replayed.ok} chunks successfully; ${chunks - goodChunks} were missing`);
            r.requests = before + secondRequests;
            r.injected["503"] += maxAttempts;
            for (const k of Object.keys(replayed) as (keyof OutcomeCounts)[]) if (k !== "ok") r.injected[k] += replayed[k];
            r.retries = maxAttempts - 1 + replayed["500"] + replayed["drop-after-commit"];
            await settle(b, tenant, users, stack, r);
        } finally {
            await teardown(b);
        }
    });
}

/**
 * TenantUsers whose every bulk lands at the vendor but never answers (drop-after-commit until the
 * budget runs out): the `up` fails naming the endpoint and the attempts; the next `up` adopts the
 * users the vendor already holds: no duplicate, one webhook each.
 */
export async function budgetUsers(opts: { size: number; maxAttempts?: number }): Promise<ScenarioResult> {
    const r = newResult("budget-users", opts.size);
    const maxAttempts = opts.maxAttempts ?? 3;
    const b = await bench();
    return timed(r, async () => {
        try {
            const { tenant, users } = await openTenant(b, "geldstuck", opts.size, "lost");
            const stack = await stackFor(
                b,
                TENANT_USERS_PROGRAM,
                "rel-budget-users",
                { ...tenant.config, "tenant-users:maxAttempts": String(maxAttempts) },
                { "users.json": users },
                { inline: true },
            );
            await b.emu.control.addFault({ tenantId: tenant.tenantId, probabilities: { "drop-after-commit": 1 } });
            r.ups++;
            const first = await stack.up({ parallel: opts.size, expectFailure: true });
            const errors = first.diagnostics.filter((d) => d.severity === "error" && d.urn?.includes("TenantUser"));
            const text = errors.map((d) => d.message).join("\n");
            r.messages.push(errors[0]?.message ?? first.stderr.slice(0, 500));
            r.details.failedResources = errors.length;
            r.details.atVendorAfterFailure = (await b.emu.control.users(tenant.tenantId)).length;
            r.details.mentionsEndpoint = /POST \/v1\/tenants\/add-user(-bulk)?/.test(text);
            r.details.mentionsAttempts = text.includes(`${maxAttempts} attempts`);
            if (errors.length !== opts.size) r.problems.push(`${errors.length} TenantUsers failed; all ${opts.size} should have`);
            if (!r.details.mentionsEndpoint) r.problems.push("the errors do not name the endpoint");
            if (!r.details.mentionsAttempts) r.problems.push(`the errors do not say ${maxAttempts} attempts were made`);
            await b.emu.control.clearFaults();
            r.ups++;
            const second = await attempt(() => stack.up({ parallel: opts.size }));
            if (second.failed) r.problems.push(`the second up failed too: ${errorLines(second.text)}`);
            const state = await stack.exportState();
            const statuses = (state.deployment.resources ?? [])
                .filter((x: any) => String(x.type).endsWith("TenantUser"))
                .map((x: any) => x.outputs?.status);
            r.details.createdStatus = statuses.filter((s: string) => s === "created").length;
            // Those users were created by the lost first attempts; the second up cannot claim them as its own.
            if (r.details.createdStatus !== 0)
                r.problems.push(`${r.details.createdStatus} users are marked created by the second up, though the first one created them`);
            r.requests = (await b.emu.control.requests(tenant.tenantId)).total;
            await settle(b, tenant, users, stack, r);
        } finally {
            await teardown(b);
        }
    });
}
