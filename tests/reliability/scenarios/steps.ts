/**
 * What the reliability scenarios share: the result every scenario returns (and its soak line), the
 * bench it runs on (emulator, webhook receiver, stacks) and the counting steps that decide whether
 * a run converged.
 */
import * as fs from "node:fs";
import { type OperationResult, TestStack, writeProgram } from "../../harness/pulumi";
import { runEmulator, writeJson } from "../../e2e/support";
import {
    type Dialect,
    duplicatesOf,
    type Emulator,
    emptyCounts,
    makeUsers,
    newTenant,
    type OutcomeCounts,
    replayFaults,
    type Tenant,
    waitFor,
    WebhookReceiver,
} from "../tools";

export { ROSTER_PROGRAM, TENANT_USERS_PROGRAM, writeJson } from "../../e2e/support";

export interface ScenarioResult {
    name: string;
    expectedUsers: number;
    /** Intended users the vendor holds. */
    foundUsers: number;
    /** Users the vendor holds that were not intended. */
    extraUsers: number;
    /** Vendor rows, state entries and webhook events beyond one per user. */
    duplicates: number;
    /** Users the stack created (so: webhook events expected). */
    createdUsers: number;
    /** Distinct webhook ids in the emulator's outbox for the tenant. */
    webhookEvents: number;
    /** Distinct webhook ids the receiver verified. */
    webhookReceived: number;
    /** POSTs the receiver got, redeliveries included. */
    webhookDeliveries: number;
    /** Requests the emulator counted for the tenant (after its last restart). */
    requests: number;
    /** Requests that were not the last attempt of a logical call (= faulted requests). */
    retries: number;
    injected: OutcomeCounts;
    /** `pulumi up` runs, killed ones included. */
    ups: number;
    /** Users recorded in state after the last run. */
    stateUsers: number;
    pendingOperations: number;
    durationMs: number;
    /** Texts worth showing: error messages, recovery output. */
    messages: string[];
    details: Record<string, unknown>;
    problems: string[];
}

export function newResult(name: string, expectedUsers: number): ScenarioResult {
    return {
        name,
        expectedUsers,
        foundUsers: 0,
        extraUsers: 0,
        duplicates: 0,
        createdUsers: expectedUsers,
        webhookEvents: 0,
        webhookReceived: 0,
        webhookDeliveries: 0,
        requests: 0,
        retries: 0,
        injected: emptyCounts(),
        ups: 0,
        stateUsers: 0,
        pendingOperations: 0,
        durationMs: 0,
        messages: [],
        details: {},
        problems: [],
    };
}

/** One line for the soak report. */
export function formatResult(r: ScenarioResult): string {
    const inj = r.injected;
    const faults = [
        ["429", inj["429"]],
        ["500", inj["500"]],
        ["503", inj["503"]],
        ["drop-before", inj["drop-before"]],
        ["drop-after-commit", inj["drop-after-commit"]],
    ]
        .filter(([, n]) => Number(n) > 0)
        .map(([k, n]) => `${k}×${n}`)
        .join(" ");
    const extra = Object.entries(r.details)
        .filter(([, v]) => typeof v === "number" || typeof v === "string" || typeof v === "boolean")
        .map(([k, v]) => `${k} ${v}`)
        .join("  ");
    return (
        [
            `${r.problems.length === 0 ? "PASS" : "FAIL"} ${r.name.padEnd(24)}`,
            `users ${r.foundUsers}/${r.expectedUsers}${r.extraUsers ? ` (+${r.extraUsers} extra)` : ""}`,
            `duplicates ${r.duplicates}`,
            `webhooks ${r.webhookReceived}/${r.createdUsers} (deliveries ${r.webhookDeliveries})`,
            `requests ${r.requests}`,
            `retries ${r.retries}${faults ? ` (${faults})` : ""}`,
            `ups ${r.ups}`,
            `${(r.durationMs / 1000).toFixed(1)} s`,
            ...(extra ? [extra] : []),
        ].join("  ") + (r.problems.length ? `\n     ${r.problems.join("\n     ")}` : "")
    );
}

export interface Bench {
    emu: Emulator;
    receiver: WebhookReceiver;
    stacks: TestStack[];
}

export async function bench(emu?: Emulator): Promise<Bench> {
    return { emu: emu ?? (await runEmulator()), receiver: await WebhookReceiver.start(), stacks: [] };
}

export async function teardown(b: Bench): Promise<void> {
    for (const s of b.stacks) {
        await s.dispose().catch(() => undefined);
        fs.rmSync(s.workDir, { recursive: true, force: true });
    }
    await b.receiver.close().catch(() => undefined);
    await b.emu.close().catch(() => undefined);
}

export interface StackForOptions {
    /** Extra environment for the CLI and the provider process, and for the program unless it runs inline. */
    env?: Record<string, string>;
    /**
     * Run the program inline (the Automation API's: same CLI, engine and provider process, no
     * language host; measured 2.4 s of CPU less per up). Only for a scenario that never starts
     * the CLI itself (`PulumiChild`, `pulumi()`) nor reads the program's own process.
     */
    inline?: boolean;
}

export async function stackFor(
    b: Bench,
    program: string,
    name: string,
    config: Record<string, any>,
    files: Record<string, unknown>,
    opts: StackForOptions = {},
): Promise<TestStack> {
    const dir = writeProgram(program, name);
    for (const [file, value] of Object.entries(files)) writeJson(dir, file, value);
    const stack = await TestStack.create({ workDir: dir, config, env: opts.env, inline: opts.inline });
    b.stacks.push(stack);
    return stack;
}

/** A value of `pulumi stack export --show-secrets`: a secret is `{ <sig>: ..., plaintext: "<json>" }`. */
export function reveal(value: unknown): any {
    if (value && typeof value === "object" && "plaintext" in value) return JSON.parse(String((value as { plaintext: string }).plaintext));
    return value;
}

/** Reads what the stack recorded: roster userCount, or the number of TenantUser resources (duplicates counted). */
export async function readState(stack: TestStack, r: ScenarioResult): Promise<void> {
    // Decrypted: a TenantUser's email is a secret output.
    const state = await stack.stack.exportStack();
    const resources: any[] = state.deployment.resources ?? [];
    r.pendingOperations = (state.deployment.pending_operations ?? []).length;
    const rosters = resources.filter((x) => String(x.type).endsWith("TenantUserRoster"));
    const users = resources.filter((x) => String(x.type).endsWith("TenantUser"));
    if (rosters.length > 0) {
        r.stateUsers = rosters.reduce((n, x) => n + Number(x.outputs?.userCount ?? 0), 0);
    } else {
        const emails = users.map((x) => String(reveal(x.outputs?.email)));
        r.stateUsers = new Set(emails).size;
        r.duplicates += duplicatesOf(emails);
    }
}

/** Waits until every outbox event is delivered and received (or `timeoutMs`), then counts. */
export async function countWebhooks(b: Bench, tenant: Tenant, r: ScenarioResult, timeoutMs = 120_000): Promise<void> {
    if (tenant.dialect === "projects") {
        r.createdUsers = 0; // the projects API sends no webhooks
        return;
    }
    let events: Awaited<ReturnType<Emulator["control"]["webhooks"]>> = [];
    await waitFor(
        async () => {
            events = await b.emu.control.webhooks(tenant.tenantId);
            return events.every((e) => e.delivered) && b.receiver.idsFor(tenant.tenantId).length >= events.length;
        },
        timeoutMs,
        500,
    );
    r.webhookEvents = new Set(events.map((e) => e.id)).size;
    r.duplicates += duplicatesOf(events.map((e) => e.payload.data.user.id));
    // One event per user the vendor holds, and none for a user it does not.
    const userIds = new Set((await b.emu.control.users(tenant.tenantId)).map((u) => u.id));
    const eventUsers = new Set(events.map((e) => e.payload.data.user.id));
    const without = [...userIds].filter((id) => !eventUsers.has(id)).length;
    const orphaned = [...eventUsers].filter((id) => !userIds.has(id)).length;
    if (without || orphaned) r.problems.push(`${without} users have no webhook event; ${orphaned} events name no user`);
    const received = b.receiver.idsFor(tenant.tenantId);
    r.webhookReceived = received.length;
    r.webhookDeliveries = b.receiver.deliveries;
    if (b.receiver.rejected.length)
        r.problems.push(`the receiver rejected ${b.receiver.rejected.length} deliveries: ${b.receiver.rejected[0]}`);
}

/** Compares what the vendor holds with the intended emails. */
export async function countUsers(b: Bench, tenant: Tenant, intended: string[], r: ScenarioResult, mode?: "test" | "live"): Promise<void> {
    const held = (await b.emu.control.users(tenant.tenantId, mode)).map((u) => u.email.toLowerCase());
    const want = new Set(intended.map((e) => e.toLowerCase()));
    const heldSet = new Set(held);
    r.duplicates += held.length - heldSet.size;
    r.foundUsers = [...want].filter((e) => heldSet.has(e)).length;
    r.extraUsers = [...heldSet].filter((e) => !want.has(e)).length;
}

export async function countRequests(b: Bench, tenant: Tenant, r: ScenarioResult): Promise<void> {
    r.requests = (await b.emu.control.requests(tenant.tenantId)).total;
    const faults = (await b.emu.control.faults()).filter((f) => f.tenantId === tenant.tenantId);
    const replayed = replayFaults(faults);
    for (const k of Object.keys(replayed) as (keyof OutcomeCounts)[]) r.injected[k] += replayed[k];
    r.retries = r.injected["429"] + r.injected["500"] + r.injected["503"] + r.injected["drop-before"] + r.injected["drop-after-commit"];
}

/** The checks every convergent scenario makes. */
export function expectConverged(r: ScenarioResult): void {
    if (r.foundUsers !== r.expectedUsers) r.problems.push(`the vendor holds ${r.foundUsers} of the ${r.expectedUsers} intended users`);
    if (r.extraUsers !== 0) r.problems.push(`the vendor holds ${r.extraUsers} users nobody declared`);
    if (r.duplicates !== 0) r.problems.push(`${r.duplicates} duplicates`);
    if (r.stateUsers !== r.expectedUsers) r.problems.push(`state records ${r.stateUsers} users, not ${r.expectedUsers}`);
    if (r.pendingOperations !== 0) r.problems.push(`state still has ${r.pendingOperations} pending operations`);
    if (r.webhookEvents !== r.createdUsers) r.problems.push(`${r.webhookEvents} webhook events for ${r.createdUsers} created users`);
    if (r.webhookReceived !== r.createdUsers)
        r.problems.push(`${r.webhookReceived} distinct webhooks received for ${r.createdUsers} created users`);
}

/** Runs an operation expected to succeed; a failure becomes `{ failed: true, text }` instead of a throw. */
export async function attempt(op: () => Promise<OperationResult>): Promise<{ failed: boolean; text: string; result?: OperationResult }> {
    try {
        const result = await op();
        return { failed: false, text: result.stdout + result.stderr, result };
    } catch (err) {
        return { failed: true, text: String((err as Error).message ?? err) };
    }
}

/** The lines of a failed run that carry its errors. */
export function errorLines(text: string): string {
    const lines = text.split("\n").filter((l) => /error:/i.test(l));
    return (lines.length ? lines.join("\n") : text).slice(0, 1500);
}

export async function timed(r: ScenarioResult, body: () => Promise<void>): Promise<ScenarioResult> {
    const t0 = Date.now();
    try {
        await body();
    } catch (err) {
        r.problems.push(`scenario error: ${(err as Error).stack ?? err}`);
    } finally {
        r.durationMs = Date.now() - t0;
    }
    return r;
}

/** A fresh tenant whose webhooks the bench's receiver trusts, and `size` users made for its dialect. */
export async function openTenant(
    b: Bench,
    dialect: Dialect,
    size: number,
    prefix: string,
): Promise<{ tenant: Tenant; users: ReturnType<typeof makeUsers> }> {
    const tenant = await newTenant(b.emu, dialect, { webhookUrl: b.receiver.url });
    b.receiver.trust(tenant);
    return { tenant, users: makeUsers(dialect, size, prefix) };
}

/** The end of every convergent scenario: count the users at the vendor, in state and in webhooks, and check them. */
export async function settle(b: Bench, tenant: Tenant, users: { email: string }[], stack: TestStack, r: ScenarioResult): Promise<void> {
    await countUsers(
        b,
        tenant,
        users.map((u) => u.email),
        r,
    );
    await readState(stack, r);
    await countWebhooks(b, tenant, r);
    expectConverged(r);
}
