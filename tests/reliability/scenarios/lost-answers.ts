/**
 * Honest accounting when the stack cannot know what it did. `created` means this stack made the
 * user, `adopted` that the vendor held it before the stack asked, `present` that the stack cannot
 * tell. Two ways to lose that knowledge:
 * - lost answers (issue 16): the vendor commits an add and the connection drops before the answer;
 *   the users of a call that fails for good are recorded unsettled and sent again by the next `up`;
 * - the checkpoint-free fast path killed mid-run (issue 19): with PULUMI_SKIP_CHECKPOINTS the engine
 *   forgets every create of the killed `up`, so the next one adds users the vendor already holds.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { unpack } from "../../../provider/roster-codec";
import type { TestStack } from "../../harness/pulumi";
import { type Dialect, duplicatesOf, isAlive, killPids, PulumiChild, type Tenant, waitFor } from "../tools";
import { recover, repairCheckpoint } from "./crashes";
import {
    attempt,
    type Bench,
    bench,
    countRequests,
    countUsers,
    errorLines,
    newResult,
    openTenant,
    ROSTER_PROGRAM,
    type ScenarioResult,
    reveal,
    stackFor,
    teardown,
    timed,
    TENANT_USERS_PROGRAM,
} from "./steps";

export type Status = "created" | "adopted" | "present" | "unsettled";
const ROSTER_STATUS: Record<string, Status> = { c: "created", a: "adopted", p: "present", u: "unsettled" };

/**
 * Every recorded user's status, by lowercased email, read from the decrypted checkpoint (a roster
 * keeps them in its packed, secret `users`), with the roster's own counters when there is one.
 */
export async function recordedStatuses(stack: TestStack): Promise<{
    byEmail: Map<string, Status>;
    duplicates: number;
    pending: number;
    counters?: Record<string, number>;
}> {
    const deployment: any = (await stack.stack.exportStack()).deployment;
    const resources: any[] = deployment.resources ?? [];
    const entries: [string, Status][] = [];
    let counters: Record<string, number> | undefined;
    for (const res of resources) {
        const outs = res.outputs ?? {};
        if (String(res.type).endsWith("TenantUserRoster")) {
            for (const row of unpack<[string, ...unknown[]][]>(reveal(outs.users)))
                entries.push([row[0].toLowerCase(), ROSTER_STATUS[String(row[4])]!]);
            counters = { created: reveal(outs.createdCount), adopted: reveal(outs.adoptedCount), present: reveal(outs.presentCount) };
        } else if (String(res.type).endsWith("TenantUser")) {
            entries.push([String(reveal(outs.email)).toLowerCase(), reveal(outs.status) as Status]);
        }
    }
    return {
        byEmail: new Map(entries),
        duplicates: duplicatesOf(entries.map(([e]) => e)),
        pending: (deployment.pending_operations ?? []).length,
        ...(counters ? { counters } : {}),
    };
}

function tally(statuses: Iterable<Status>): Record<Status, number> {
    const out: Record<Status, number> = { created: 0, adopted: 0, present: 0, unsettled: 0 };
    for (const s of statuses) out[s]++;
    return out;
}

/**
 * Waits for every invite event of the tenant to be delivered and received, then checks that there is
 * exactly one per user the vendor created through its API (`apiCreated`) and none for any other user.
 */
async function countInvites(b: Bench, tenant: Tenant, apiCreated: Set<string>, r: ScenarioResult): Promise<void> {
    let events: Awaited<ReturnType<Bench["emu"]["control"]["webhooks"]>> = [];
    await waitFor(
        async () => {
            events = await b.emu.control.webhooks(tenant.tenantId);
            return events.every((e) => e.delivered) && b.receiver.idsFor(tenant.tenantId).length >= events.length;
        },
        120_000,
        500,
    );
    const invited = events.map((e) => e.payload.data.user.email.toLowerCase());
    r.createdUsers = apiCreated.size;
    r.webhookEvents = new Set(events.map((e) => e.id)).size;
    r.webhookReceived = b.receiver.idsFor(tenant.tenantId).length;
    r.webhookDeliveries = b.receiver.deliveries;
    r.duplicates += duplicatesOf(invited);
    const stray = invited.filter((e) => !apiCreated.has(e)).length;
    if (stray) r.problems.push(`${stray} invite events for users the vendor did not create through its API`);
    if (r.webhookEvents !== apiCreated.size)
        r.problems.push(`${r.webhookEvents} invite events for ${apiCreated.size} users created at the vendor`);
    if (r.webhookReceived !== r.webhookEvents) r.problems.push(`${r.webhookReceived} invites received of ${r.webhookEvents} events`);
    if (b.receiver.rejected.length)
        r.problems.push(`the receiver rejected ${b.receiver.rejected.length} deliveries: ${b.receiver.rejected[0]}`);
}

/**
 * The accounting invariant once every declared user is at the vendor. With P the users that existed
 * before the first run: adopted ⊆ P; created ∩ P = ∅; every user of P is adopted or present. Not
 * "adopted = P": a user of P whose call lost its answer is legitimately present (the retry cannot
 * tell our commit from theirs), and so is every user of a mixed Zquence/Geldstuck bulk (its answer
 * only counts created and skipped). Every declared user is recorded once, none unsettled, and
 * created + adopted + present = the declared users the vendor holds.
 */
function checkAccounting(
    declared: string[],
    preexisting: Set<string>,
    statuses: Map<string, Status>,
    r: ScenarioResult,
): Record<Status, number> {
    const counts = tally(statuses.values());
    const missing = declared.filter((e) => !statuses.has(e)).length;
    const adoptedNew = [...statuses].filter(([e, s]) => s === "adopted" && !preexisting.has(e)).length;
    const createdOld = [...statuses].filter(([e, s]) => s === "created" && preexisting.has(e)).length;
    const oldElse = [...preexisting].filter((e) => statuses.get(e) !== "adopted" && statuses.get(e) !== "present").length;
    if (missing) r.problems.push(`${missing} declared users are not recorded`);
    if (counts.unsettled) r.problems.push(`${counts.unsettled} users are still unsettled after a successful up`);
    if (adoptedNew) r.problems.push(`${adoptedNew} users adopted that did not exist before the first run`);
    if (createdOld) r.problems.push(`${createdOld} users that existed before the first run are counted created`);
    if (oldElse) r.problems.push(`${oldElse} users that existed before the first run are neither adopted nor present`);
    if (counts.created + counts.adopted + counts.present !== r.foundUsers) {
        r.problems.push(
            `created ${counts.created} + adopted ${counts.adopted} + present ${counts.present} ≠ ${r.foundUsers} users at the vendor`,
        );
    }
    r.stateUsers = counts.created + counts.adopted + counts.present;
    Object.assign(r.details, { unrecorded: missing, unsettled: counts.unsettled, adoptedNew, createdOld, preexistingElse: oldElse });
    return counts;
}

export interface LostAnswersOptions {
    /** Users in the roster, or TenantUser resources. */
    size: number;
    kind: "roster" | "users";
    dialect?: Dialect;
    /** Share of requests whose answer is dropped after the vendor committed. @default 0.3 */
    probability?: number;
    seed?: number;
    /** Low, so that a call loses every attempt's answer now and then and fails for good. @default 2 */
    maxAttempts?: number;
    /** `up` runs allowed until one succeeds. @default 6 */
    maxUps?: number;
    /** Users at the vendor before the first run, besides a roster's first chunk. @default 5 */
    preexisting?: number;
    /** Roster chunk size. @default size / 20 */
    chunkSize?: number;
    /** `pulumi up --parallel` for TenantUsers. @default size */
    parallel?: number;
}

/**
 * `up` after `up` under drop-after-commit until one succeeds, with a few users already at the vendor;
 * then the accounting invariant, one invite per user created at the vendor, no duplicate. A roster
 * also gets its whole first chunk pre-inserted, so that adoption is exercised (a mixed count-only
 * bulk answer makes every user of the chunk present).
 */
export async function lostAnswers(opts: LostAnswersOptions): Promise<ScenarioResult> {
    const dialect = opts.dialect ?? "zquence";
    const r = newResult(`lost-answers-${opts.kind}-${dialect}`, opts.size);
    const maxAttempts = opts.maxAttempts ?? 2;
    const chunkSize = opts.chunkSize ?? Math.max(1, Math.ceil(opts.size / 20));
    const parallel = opts.parallel ?? opts.size;
    const b = await bench();
    return timed(r, async () => {
        try {
            const { tenant, users } = await openTenant(b, dialect, opts.size, "lost");
            const few = opts.preexisting ?? 5;
            const step = Math.floor(opts.size / few);
            // Roster: the whole first chunk (adopted) and a few users spread over mixed chunks (present).
            // TenantUsers: a few neighbours, so that only the batch or two they fall in are mixed.
            const middle = Math.floor(opts.size / 2);
            const old =
                opts.kind === "roster"
                    ? [...users.slice(0, chunkSize), ...Array.from({ length: few }, (_, i) => users[i * step + Math.floor(step / 2)]!)]
                    : users.slice(middle, middle + few);
            await b.emu.control.insertUsers(tenant.tenantId, old);
            const preexisting = new Set(old.map((u) => u.email.toLowerCase()));
            const config = { ...tenant.config, "tenant-users:maxAttempts": String(maxAttempts) };
            const stack =
                opts.kind === "roster"
                    ? await stackFor(
                          b,
                          ROSTER_PROGRAM,
                          "rel-lost-roster",
                          config,
                          { "users.json": users, "options.json": { chunkSize, concurrency: 2 } },
                          { inline: true },
                      )
                    : await stackFor(b, TENANT_USERS_PROGRAM, "rel-lost-users", config, { "users.json": users }, { inline: true });
            await b.emu.control.addFault({
                tenantId: tenant.tenantId,
                seed: opts.seed ?? 16,
                probabilities: { "drop-after-commit": opts.probability ?? 0.3 },
            });
            const unsettledByUp: number[] = [];
            let succeeded = false;
            while (!succeeded && r.ups < (opts.maxUps ?? 6)) {
                r.ups++;
                const run = await attempt(() => stack.up(opts.kind === "users" ? { parallel } : {}));
                succeeded = !run.failed;
                if (!succeeded) {
                    r.messages.push(errorLines(run.text));
                    unsettledByUp.push(tally((await recordedStatuses(stack)).byEmail.values()).unsettled);
                }
            }
            if (!succeeded) r.problems.push(`no up succeeded in ${r.ups} runs: ${r.messages.at(-1)}`);
            await countRequests(b, tenant, r);
            const declared = users.map((u) => u.email.toLowerCase());
            await countUsers(b, tenant, declared, r);
            const recorded = await recordedStatuses(stack);
            r.duplicates += recorded.duplicates;
            r.pendingOperations = recorded.pending;
            const counts = checkAccounting(declared, preexisting, recorded.byEmail, r);
            if (recorded.counters) {
                const said = recorded.counters;
                if (said.created !== counts.created || said.adopted !== counts.adopted || said.present !== counts.present) {
                    r.problems.push(
                        `the roster's counters (created ${said.created}, adopted ${said.adopted}, present ${said.present}) disagree with its users`,
                    );
                }
            }
            const held = new Set((await b.emu.control.users(tenant.tenantId)).map((u) => u.email.toLowerCase()));
            await countInvites(b, tenant, new Set([...held].filter((e) => !preexisting.has(e))), r);
            if (r.foundUsers !== opts.size || r.extraUsers || r.duplicates) {
                r.problems.push(
                    `the vendor holds ${r.foundUsers} of ${opts.size} users, ${r.extraUsers} extra, ${r.duplicates} duplicates`,
                );
            }
            Object.assign(r.details, {
                created: counts.created,
                adopted: counts.adopted,
                present: counts.present,
                preexisting: preexisting.size,
                preexistingPresent: [...preexisting].filter((e) => recorded.byEmail.get(e) === "present").length,
                failedUps: unsettledByUp.length,
                unsettledByUp: unsettledByUp.join(",") || "none",
            });
        } finally {
            await teardown(b);
        }
    });
}

/**
 * `size` TenantUsers on Geldstuck with PULUMI_SKIP_CHECKPOINTS=true: the `up` and its plugins
 * SIGKILLed once some users landed, the documented recovery and one more `up`, all without
 * checkpoints. Records what the users that landed in the killed run are reported as.
 */
export async function fastPathCrash(opts: { size: number; parallel?: number; killAt?: number }): Promise<ScenarioResult> {
    const r = newResult("fast-path-crash", opts.size);
    const parallel = opts.parallel ?? 20;
    const b = await bench();
    let survivors: number[] = [];
    return timed(r, async () => {
        try {
            const { tenant, users } = await openTenant(b, "geldstuck", opts.size, "fast");
            const stack = await stackFor(
                b,
                TENANT_USERS_PROGRAM,
                "rel-fast-path",
                {
                    ...tenant.config,
                    "tenant-users:batchWindowMs": "20",
                    "tenant-users:batchMaxWaitMs": "100",
                },
                { "users.json": users },
                { env: { PULUMI_SKIP_CHECKPOINTS: "true" } },
            );
            await b.emu.control.addFault({ tenantId: tenant.tenantId, latencyMs: 300 });
            const threshold = Math.max(1, Math.floor(opts.size * (opts.killAt ?? 0.3)));
            r.ups++;
            const child = new PulumiChild(stack, ["up", "--yes", "--skip-preview", "--parallel", String(parallel)]);
            const reached = await waitFor(
                async () => !child.running || (await b.emu.control.users(tenant.tenantId)).length >= threshold,
                300_000,
                100,
            );
            if (!child.running || !reached) throw new Error(`the up ended before the kill: ${child.output.slice(-500)}`);
            const tree = child.tree();
            killPids(tree);
            await child.exited;
            survivors = tree.filter((p) => p !== child.pid);
            await sleep(1000); // requests in flight at the kill finish at the vendor
            const landed = new Set((await b.emu.control.users(tenant.tenantId)).map((u) => u.email.toLowerCase()));
            r.details.usersAtKill = landed.size;
            if (landed.size === 0 || landed.size >= opts.size)
                r.problems.push(`the kill came at ${landed.size} of ${opts.size} users: not in the middle`);
            r.details.checkpointRepaired = (await repairCheckpoint(stack)).length > 0;
            const atKill = await recordedStatuses(stack);
            r.details.recordedAtKill = atKill.byEmail.size;
            r.details.pendingAfterKill = atKill.pending;
            r.messages.push(...(await recover(stack)));
            await b.emu.control.clearFaults();
            r.ups++;
            const up = await attempt(() => stack.up({ parallel }));
            if (up.failed) r.problems.push(`the up after recovery failed: ${errorLines(up.text)}`);
            const requests = await b.emu.control.requests(tenant.tenantId);
            r.requests = requests.total;
            // Which calls carried the users: a single add has an Idempotency-Key the vendor replays, a bulk none.
            r.details.requestsByRoute = Object.entries(requests.byRoute)
                .map(([route, n]) => `${route}×${n}`)
                .join(",");
            const declared = users.map((u) => u.email.toLowerCase());
            await countUsers(b, tenant, declared, r);
            const recorded = await recordedStatuses(stack);
            r.duplicates += recorded.duplicates;
            r.pendingOperations = recorded.pending;
            // Nothing existed before the first run: every user is this stack's own.
            const counts = checkAccounting(declared, new Set(), recorded.byEmail, r);
            const ofLanded = tally([...landed].map((e) => recorded.byEmail.get(e) ?? "unsettled"));
            const ofRest = tally(declared.filter((e) => !landed.has(e)).map((e) => recorded.byEmail.get(e) ?? "unsettled"));
            await countInvites(b, tenant, new Set(declared), r);
            if (r.foundUsers !== opts.size || r.extraUsers || r.duplicates) {
                r.problems.push(
                    `the vendor holds ${r.foundUsers} of ${opts.size} users, ${r.extraUsers} extra, ${r.duplicates} duplicates`,
                );
            }
            Object.assign(r.details, {
                created: counts.created,
                adopted: counts.adopted,
                present: counts.present,
                landedCreated: ofLanded.created,
                landedAdopted: ofLanded.adopted,
                landedPresent: ofLanded.present,
                restCreated: ofRest.created,
                restAdopted: ofRest.adopted,
                restPresent: ofRest.present,
            });
        } finally {
            killPids(survivors.filter(isAlive));
            await teardown(b);
        }
    });
}
