/**
 * TenantUserRoster's lifecycle, in the provider process: the vendors' nightly bulk job made
 * declarative. Users are keyed by normalized email; an `up` sends only the users not yet recorded,
 * in chunks with bounded concurrency. Same honest rules as TenantUser: no update or delete exists
 * at the vendor, so changed fields are reported and not applied, and removed users are forgotten.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { DialectClient, UserOutcome } from "../dialects/types";
import { pack, rosterSummary, unpack } from "../roster-codec";
import { NormalizedUser, validateRoster } from "../schema";
import { DEFAULT_CONNECTION } from "./config";
import { connectionNamed, liveConnection } from "./connections";
import { info, listSome, warn } from "./log";
import { UNKNOWN } from "./user-controller";

export type OnInvalid = "fail" | "report";
export const DEFAULT_CHUNK_SIZE = 1000;
export const DEFAULT_CONCURRENCY = 2;
const MUTABLE = ["name", "phone", "country"] as const;

/** One recorded user: [email, name, phone, country, status, vendor id]; tuples keep state small. */
type Record_ = [string, string | null, string | null, string | null, "c" | "a" | "p", string | null];
interface InvalidRow { row: number; email?: string; field: string; reason: string }
interface Desired { users: NormalizedUser[]; invalid: InvalidRow[] }

export interface RosterInputs {
    users: string; // packed
    summary: string;
    label: string;
    chunkSize: number;
    concurrency: number;
    onInvalid: OnInvalid;
    connection?: string;
}

export interface RosterOutputs {
    users: string; // packed Record_[]
    summary: string;
    label: string;
    connection: string;
    dialect: string;
    userCount: number;
    createdCount: number;
    adoptedCount: number;
    presentCount: number;
    createdEmails: string[];
    failed: { email: string; error: string }[];
    invalid: InvalidRow[];
    /** false only in the state a failed run recorded (its chunks that did land). */
    complete: boolean;
}

export async function check(_olds: unknown, news: Record<string, any>): Promise<dynamic.CheckResult> {
    const failures: dynamic.CheckFailure[] = [];
    if (news.connection !== undefined && typeof news.connection !== "string") {
        return { inputs: news, failures: [{ property: "connection", reason: `must be the name of a connection (a string), got ${typeof news.connection}` }] };
    }
    const connection: string | undefined = news.connection;
    let conn;
    try {
        conn = connectionNamed(connection);
    } catch (err) {
        return { inputs: news, failures: [{ property: "connection", reason: (err as Error).message }] };
    }
    const onInvalid: OnInvalid = news.onInvalid ?? "fail";
    if (onInvalid !== "fail" && onInvalid !== "report") failures.push({ property: "onInvalid", reason: `must be "fail" or "report", got ${JSON.stringify(onInvalid)}` });
    const limit = conn.dialect === "projects" ? 1000 : 10_000;
    const chunkSize = news.chunkSize ?? Math.min(DEFAULT_CHUNK_SIZE, limit);
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > limit) {
        failures.push({ property: "chunkSize", reason: `must be a whole number from 1 to ${limit} (the ${conn.dialect} API's limit per call), got ${chunkSize}` });
    }
    const concurrency = news.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) {
        failures.push({ property: "concurrency", reason: `must be a whole number from 1 to 16, got ${concurrency}` });
    }
    const base = { label: news.label, chunkSize, concurrency, onInvalid, ...(connection !== undefined ? { connection } : {}) };
    // Rows computed by another resource are checked when they are known, at `up`.
    if (news.users === UNKNOWN || news.users === undefined) return { inputs: { ...news, ...base }, failures };

    const rows = unpack<{ rows: unknown[] }>(news.users).rows;
    const result = validateRoster(rows, conn.dialect, { onInvalid: onInvalid === "report" ? "report" : "fail" });
    failures.push(...result.failures);
    // Rows are numbered from 1 for people (the schema's `row` is the 0-based index into `users`).
    const invalid = result.invalid.map((r) => ({ ...r, row: r.row + 1 }));
    const desired: Desired = { users: result.users, invalid };
    return {
        inputs: { ...base, users: pack(desired), summary: rosterSummary(result.users) },
        failures,
    };
}

interface Plan { add: NormalizedUser[]; keep: Record_[]; forget: string[]; ignored: string[]; desired: Desired }

function plan(recordedPacked: string | undefined, desiredPacked: string): Plan {
    const recorded = recordedPacked ? unpack<Record_[]>(recordedPacked) : [];
    const desired = unpack<Desired>(desiredPacked);
    const byEmail = new Map(recorded.map((r) => [r[0], r]));
    const wanted = new Set(desired.users.map((u) => u.email));
    const add: NormalizedUser[] = [];
    const keep: Record_[] = [];
    const ignored: string[] = [];
    for (const u of desired.users) {
        const r = byEmail.get(u.email);
        if (!r) { add.push(u); continue; }
        keep.push(r);
        const held = { name: r[1], phone: r[2], country: r[3] };
        const changed = MUTABLE.filter((f) => u[f] !== undefined && u[f] !== held[f]);
        if (changed.length) ignored.push(`${u.email} (${changed.join(", ")})`);
    }
    const forget = recorded.filter((r) => !wanted.has(r[0])).map((r) => r[0]);
    return { add, keep, forget, ignored, desired };
}

export async function diff(_id: string, olds: RosterOutputs, news: RosterInputs): Promise<dynamic.DiffResult> {
    if ((olds.connection ?? DEFAULT_CONNECTION) !== (news.connection ?? DEFAULT_CONNECTION)) {
        await info(`roster ${news.label}: the connection changed, so every user is sent to the new tenant; the old tenant keeps its users.`);
        return { changes: true, replaces: ["connection"], deleteBeforeReplace: false };
    }
    if (news.users === UNKNOWN) return { changes: true };
    const p = plan(olds.users, news.users);
    const lines: string[] = [];
    if (p.add.length) lines.push(`+ ${p.add.length} to add: ${listSome(p.add.map((u) => u.email), 20)}`);
    if (p.forget.length) lines.push(`- ${p.forget.length} to forget (removed from the stack, NOT deleted at the vendor, which has no delete API): ${listSome(p.forget, 20)}`);
    if (p.ignored.length) lines.push(`~ ${p.ignored.length} changed but not applied (the ${olds.dialect} API cannot update users; the vendor keeps its values): ${listSome(p.ignored, 10)}`);
    if (p.desired.invalid.length) lines.push(`! ${p.desired.invalid.length} invalid rows left out (onInvalid: "report"): ${listSome(p.desired.invalid.map(describeInvalid), 10)}`);
    if (lines.length) await info(`roster ${news.label}:\n${lines.join("\n")}`);
    const invalidChanged = (olds.invalid?.length ?? 0) !== p.desired.invalid.length;
    return { changes: p.add.length > 0 || p.forget.length > 0 || invalidChanged, replaces: [], deleteBeforeReplace: false };
}

export async function create(inputs: RosterInputs): Promise<dynamic.CreateResult> {
    const id = `roster-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const outs = await apply(id, undefined, inputs);
    return { id, outs };
}

export async function update(id: string, olds: RosterOutputs, news: RosterInputs): Promise<dynamic.UpdateResult> {
    return { outs: await apply(id, olds, news) };
}

async function apply(id: string, olds: RosterOutputs | undefined, inputs: RosterInputs & { __provider?: string }): Promise<RosterOutputs> {
    const live = liveConnection(inputs.connection);
    const p = plan(olds?.users, inputs.users);
    if (p.forget.length) await warn(`roster ${inputs.label}: ${p.forget.length} users forgotten, not deleted at the vendor: ${listSome(p.forget)}`);
    const recorded = [...p.keep];
    const failed: RosterOutputs["failed"] = [];
    const createdEmails: string[] = [];
    const result = await sendChunks(live.client, p.add, inputs, (outcomes) => {
        for (const o of outcomes) {
            if (o.kind === "failed") { failed.push({ email: o.email, error: o.error?.code ?? "failed" }); continue; }
            if (o.kind === "created") createdEmails.push(o.email);
            recorded.push(toRecord(o, p.add));
        }
    });
    // `createdEmails` triggers downstream automation: an update that sends nothing keeps the last
    // run's list (so nothing re-runs), and a run after a failed one also reports what that one created.
    const carried = olds && (p.add.length === 0 || olds.complete === false) ? olds.createdEmails ?? [] : [];
    const outs = outputs(inputs, live.connection.dialect, recorded, [...carried, ...createdEmails], failed, p.desired.invalid);
    if (failed.length) await warn(`roster ${inputs.label}: the vendor rejected ${failed.length} users, left out of state and retried on the next up: ${listSome(failed.map((f) => `${f.email} (${f.error})`))}`);
    if (result.error) {
        // Partial progress: the engine records `properties` as this resource's state and fails the
        // step with `reasons`; the next `up` sends only what is still missing.
        const done = recorded.length - p.keep.length;
        const message = `roster ${inputs.label}: ${done} of ${p.add.length} users sent before a chunk failed for good: ${result.error.message}. ` +
            `What was sent is recorded; run \`pulumi up\` again to send the rest.`;
        throw Object.assign(new Error(message), { id, properties: { ...outs, complete: false, __provider: inputs.__provider }, reasons: [message] });
    }
    return outs;
}

function describeInvalid(r: InvalidRow): string {
    return r.reason; // the schema's reasons already start with "row N:"
}

const lookups = new WeakMap<NormalizedUser[], Map<string, NormalizedUser>>();
function toRecord(o: UserOutcome, sent: NormalizedUser[]): Record_ {
    let byEmail = lookups.get(sent);
    if (!byEmail) { byEmail = new Map(sent.map((u) => [u.email, u])); lookups.set(sent, byEmail); }
    const u = { ...byEmail.get(o.email), ...Object.fromEntries(Object.entries(o.user ?? {}).filter(([, v]) => v != null)) } as NormalizedUser;
    const status = o.kind === "created" ? "c" : o.kind === "adopted" ? "a" : "p";
    return [o.email, u.name ?? null, u.phone ?? null, u.country ?? null, status, o.id ?? null];
}

function outputs(inputs: RosterInputs, dialect: string, recorded: Record_[], createdEmails: string[], failed: RosterOutputs["failed"], invalid: InvalidRow[]): RosterOutputs {
    recorded.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const count = (s: Record_[4]) => recorded.reduce((n, r) => n + (r[4] === s ? 1 : 0), 0);
    return {
        users: pack(recorded),
        summary: rosterSummary(recorded.map(([email, name, phone, country]) => ({ email, name, phone, country }))),
        label: inputs.label,
        connection: inputs.connection ?? DEFAULT_CONNECTION,
        dialect,
        userCount: recorded.length,
        createdCount: count("c"),
        adoptedCount: count("a"),
        presentCount: count("p"),
        createdEmails,
        failed,
        invalid,
        complete: true,
    };
}

/**
 * Sends `users` in chunks, `concurrency` at a time, reporting each chunk's outcomes as it lands.
 * After a chunk fails for good no new chunk starts; those in flight finish and are recorded.
 */
async function sendChunks(client: DialectClient, users: NormalizedUser[], inputs: RosterInputs,
    onOutcomes: (o: UserOutcome[]) => void): Promise<{ error?: Error }> {
    const size = Math.min(inputs.chunkSize, client.maxBatch);
    const chunks: NormalizedUser[][] = [];
    for (let i = 0; i < users.length; i += size) chunks.push(users.slice(i, i + size));
    let next = 0;
    let sent = 0;
    let error: Error | undefined;
    const worker = async () => {
        while (!error && next < chunks.length) {
            const index = next++;
            try {
                const outcomes = await client.addUsersBulk(chunks[index]);
                onOutcomes(outcomes);
                sent += chunks[index].length;
                const n = (k: string) => outcomes.filter((o) => o.kind === k).length;
                await info(`roster ${inputs.label}: chunk ${index + 1}/${chunks.length} done (${sent}/${users.length} users): ` +
                    `${n("created")} created, ${n("adopted")} adopted, ${n("present")} present, ${n("failed")} failed`);
            } catch (err) {
                error ??= err as Error;
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(inputs.concurrency, chunks.length) }, worker));
    return { error };
}
