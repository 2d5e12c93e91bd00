/**
 * TenantUserRoster's lifecycle, in the provider process: the vendors' nightly bulk job made
 * declarative. Users are keyed by normalized email; an `up` sends only the users not yet recorded,
 * in chunks with bounded concurrency. Same honest rules as TenantUser: no update or delete exists
 * at the vendor, so changed fields are reported and not applied, and removed users are forgotten.
 */
import { credentialValues } from "../dialects/registry";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { vendorOf } from "../dialects/registry";
import type { Connection, UserOutcome } from "../dialects/types";
import { redact } from "../errors";
import {
    type DeclaredRows,
    type DesiredUsers,
    type InvalidRow,
    type Packed,
    pack,
    type RecordedUser,
    rosterSummary,
    unpack,
} from "../roster-codec";
import { type NormalizedUser, validateRoster } from "../schema";
import { DEFAULT_CONNECTION } from "./config";
import { checkConnection, checkOwnership, liveConnection, targetMoved } from "./connections";
import { Coalescer, info, listSome, naming, scrubEmails, warn, withoutEmails } from "./log";
import { settledKind } from "./outcomes";
import { personalDigest, targetOf } from "./target";
import { UNKNOWN } from "./unknown";
import { plan } from "./roster-plan";
import { sendChunks } from "./roster-chunks";

export type OnInvalid = "fail" | "report";
export const DEFAULT_CHUNK_SIZE = 1000;
export const DEFAULT_CONCURRENCY = 2;

export interface RosterInputs {
    users: Packed<DesiredUsers>;
    summary: string;
    label: string;
    chunkSize: number;
    concurrency: number;
    onInvalid: OnInvalid;
    connection?: string;
    /** Where the connection writes (dialect, TEST/LIVE, origin, key fingerprint), set by `check`. */
    target: string;
}

export interface RosterOutputs {
    users: Packed<RecordedUser[]>;
    summary: string;
    label: string;
    connection: string;
    dialect: string;
    userCount: number;
    createdCount: number;
    adoptedCount: number;
    presentCount: number;
    createdEmails: string[];
    /** Users recorded `present` by the last `up` that sent anything: the vendor holds them, and we may have created them. */
    uncertainEmails: string[];
    failed: { email: string; error: string }[];
    invalid: InvalidRow[];
    /** false only in the state a failed run recorded (its chunks that did land). */
    complete: boolean;
    /** Where the users were added (see `./target`); absent in state written before targets were recorded. */
    target?: string;
}

export async function check(_olds: unknown, news: Record<string, any>): Promise<dynamic.CheckResult> {
    const failures: dynamic.CheckFailure[] = [];
    const checked = checkConnection(news.connection);
    if (checked.ok === "later") return { inputs: news, failures: [] };
    if (!checked.ok) return { inputs: news, failures: [checked.failure] };
    const connection = checked.name;
    const conn = checked.connection;
    const onInvalid: OnInvalid = news.onInvalid ?? "fail";
    if (onInvalid !== "fail" && onInvalid !== "report")
        failures.push({ property: "onInvalid", reason: `must be "fail" or "report", got ${JSON.stringify(onInvalid)}` });
    const limit = vendorOf(conn.dialect).maxBatch;
    const chunkSize = news.chunkSize ?? Math.min(DEFAULT_CHUNK_SIZE, limit);
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > limit) {
        failures.push({
            property: "chunkSize",
            reason: `must be a whole number from 1 to ${limit} (the ${conn.dialect} API's limit per call), got ${chunkSize}`,
        });
    }
    const concurrency = news.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) {
        failures.push({ property: "concurrency", reason: `must be a whole number from 1 to 16, got ${concurrency}` });
    }
    const base = {
        label: news.label,
        chunkSize,
        concurrency,
        onInvalid,
        ...(connection !== undefined ? { connection } : {}),
        target: checked.target.text,
    };
    // Rows computed by another resource are checked when they are known, at `up`.
    if (news.users === UNKNOWN || news.users === undefined) return { inputs: { ...news, ...base }, failures };

    const rows = unpack(news.users as Packed<DeclaredRows>).rows;
    const result = validateRoster(rows, conn.dialect, { onInvalid: onInvalid === "report" ? "report" : "fail" });
    failures.push(...result.failures.map((f) => ({ ...f, reason: scrubEmails(f.reason) })));
    // Rows are numbered from 1 for people (the schema's `row` is the 0-based index into `users`).
    const invalid = result.invalid.map((r) => ({ ...r, row: r.row + 1 }));
    const desired: DesiredUsers = { users: result.users, invalid };
    const clash = await checkOwnership(
        checked.target,
        `TenantUserRoster ${news.label}`,
        result.users.map((u) => u.email),
    );
    if (clash) failures.push({ ...clash, property: "users", reason: scrubEmails(clash.reason) });
    return {
        inputs: { ...base, users: pack(desired), summary: rosterSummary(result.users, (t) => personalDigest(conn, t)) },
        failures,
    };
}

export async function diff(_id: string, olds: RosterOutputs, news: RosterInputs): Promise<dynamic.DiffResult> {
    // Checked on every change, a new connection name included: a move into LIVE needs acceptance either way.
    const moved = await targetMoved(`roster ${news.label}`, news.connection, olds.target, news.target);
    if ((olds.connection ?? DEFAULT_CONNECTION) !== (news.connection ?? DEFAULT_CONNECTION)) {
        await info(
            `roster ${news.label}: the connection changed, so every user is sent to the new tenant; the old tenant keeps its users.`,
        );
        return { changes: true, replaces: ["connection"], deleteBeforeReplace: false };
    }
    if (moved) return { changes: true, replaces: ["target"], deleteBeforeReplace: false };
    if (news.users === UNKNOWN) return { changes: true };
    const p = plan(olds.users, news.users);
    const lines: string[] = [];
    if (p.add.length)
        lines.push(
            `+ ${p.add.length} to add${naming(
                p.add.map((u) => u.email),
                20,
            )}`,
        );
    if (p.unsettled.size)
        lines.push(
            `? ${p.unsettled.size} of them unsettled: a failed up lost the answer for them, so they are sent again and, if the vendor holds them, recorded present`,
        );
    if (p.forget.length)
        lines.push(
            `- ${p.forget.length} to forget (removed from the stack, NOT deleted at the vendor, which has no delete API)${naming(p.forget, 20)}`,
        );
    if (p.ignored.length)
        lines.push(
            `~ ${p.ignored.length} changed but not applied (the ${olds.dialect} API cannot update users; the vendor keeps its values)${naming(p.ignored, 10)}`,
        );
    if (p.desired.invalid.length)
        lines.push(
            `! ${p.desired.invalid.length} invalid rows left out (onInvalid: "report"): ${listSome(p.desired.invalid.map(describeInvalid), 10)}`,
        );
    if (lines.length) await info(`roster ${news.label}:\n${lines.join("\n")}`);
    const invalidChanged = (olds.invalid?.length ?? 0) !== p.desired.invalid.length;
    // State from before targets were recorded gets its target written by an update that sends nothing new.
    const recordTarget = olds.target === undefined;
    return { changes: p.add.length > 0 || p.forget.length > 0 || invalidChanged || recordTarget, replaces: [], deleteBeforeReplace: false };
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
    if (p.forget.length)
        await warn(`roster ${inputs.label}: ${p.forget.length} users forgotten, not deleted at the vendor${naming(p.forget)}`);
    const recorded = [...p.keep];
    const failed: RosterOutputs["failed"] = [];
    const createdEmails: string[] = [];
    const uncertainEmails: string[] = [];
    const warnings: string[] = [];
    const result = await sendChunks(
        live.client,
        p.add,
        inputs,
        (outcomes) =>
            outcomes.map((o) => {
                if (o.warning) warnings.push(`${o.email}: ${o.warning}`);
                if (o.kind === "failed") {
                    failed.push({ email: o.email, error: o.error?.code ?? "failed" });
                    return o.kind;
                }
                const kind = settledKind(o.kind, p.unsettled.has(o.email));
                if (kind === "created") createdEmails.push(o.email);
                if (kind === "present") uncertainEmails.push(o.email);
                recorded.push(toRecord({ ...o, kind }, p.add));
                return kind;
            }),
        (lost) => recorded.push(...lost.map((u): RecordedUser => [u.email, u.name ?? null, u.phone ?? null, u.country ?? null, "u", null])),
    );
    // An unsettled user this run did not settle (its resend was refused, or never sent after another
    // chunk failed) stays unsettled: the earlier add may have landed, so it can never become adopted.
    const inRecord = new Set(recorded.map((r) => r[0]));
    const stillUnsettled = [...p.unsettled.values()].filter((r) => !inRecord.has(r[0]));
    recorded.push(...stillUnsettled);
    // The lists trigger downstream automation: an update that sends nothing keeps the last run's
    // lists (so nothing re-runs), and a run after a failed one also reports what that one settled.
    const carry = olds !== undefined && (p.add.length === 0 || olds.complete === false);
    const outs = outputs(
        inputs,
        live.connection,
        recorded,
        {
            created: [...(carry ? (olds.createdEmails ?? []) : []), ...createdEmails],
            uncertain: [...(carry ? (olds.uncertainEmails ?? []) : []), ...uncertainEmails],
        },
        failed,
        p.desired.invalid,
    );
    if (warnings.length)
        await warn(
            `roster ${inputs.label}: ${warnings.length} answers could not be matched exactly and were read cautiously: ${listSome(warnings, 5)}`,
        );
    if (failed.length)
        await warn(
            `roster ${inputs.label}: the vendor rejected ${failed.length} users, not recorded as added (those whose earlier answer was lost stay unsettled) and retried on the next up${naming(failed.map((f) => `${f.email} (${f.error})`))}`,
        );
    if (result.error) {
        // Partial progress: the engine records `properties` as this resource's state and fails the
        // step with `reasons`; the next `up` sends only what is still missing.
        const done = recorded.filter((r) => r[4] !== "u").length - p.keep.length;
        const lost = recorded.filter((r) => r[4] === "u").length - stillUnsettled.length;
        // Scrubbed of credentials, and of emails as logEmails says; the reason, which state keeps in
        // plain text, of every email whatever logEmails says.
        const why = scrubEmails(redact(result.error.message, credentialValues(live.connection)));
        const message =
            `roster ${inputs.label}: ${done} of ${p.add.length} users sent before a chunk failed for good: ${why}. ` +
            (lost ? `The answer for ${lost} users was lost, so they may exist: they are recorded as unsettled and sent again. ` : "") +
            (stillUnsettled.length ? `${stillUnsettled.length} users unsettled by an earlier run stay unsettled. ` : "") +
            `What was sent is recorded; run \`pulumi up\` again to send the rest.`;
        throw Object.assign(new Error(message), {
            id,
            properties: { ...outs, complete: false, __provider: inputs.__provider },
            reasons: [withoutEmails(message)], // kept in state in plain text
        });
    }
    return outs;
}

function describeInvalid(r: InvalidRow): string {
    return r.reason; // the schema's reasons already start with "row N:"
}

const lookups = new WeakMap<NormalizedUser[], Map<string, NormalizedUser>>();
function toRecord(o: UserOutcome, sent: NormalizedUser[]): RecordedUser {
    let byEmail = lookups.get(sent);
    if (!byEmail) {
        byEmail = new Map(sent.map((u) => [u.email, u]));
        lookups.set(sent, byEmail);
    }
    const u = {
        ...byEmail.get(o.email),
        ...Object.fromEntries(Object.entries(o.user ?? {}).filter(([, v]) => v != null)),
    } as NormalizedUser;
    const status = o.kind === "created" ? "c" : o.kind === "adopted" ? "a" : "p";
    return [o.email, u.name ?? null, u.phone ?? null, u.country ?? null, status, o.id ?? null];
}

function outputs(
    inputs: RosterInputs,
    conn: Connection,
    recorded: RecordedUser[],
    emails: { created: string[]; uncertain: string[] },
    failed: RosterOutputs["failed"],
    invalid: InvalidRow[],
): RosterOutputs {
    recorded.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const count = (s: RecordedUser[4]) => recorded.reduce((n, r) => n + (r[4] === s ? 1 : 0), 0);
    const settled = recorded.filter((r) => r[4] !== "u");
    return {
        users: pack(recorded),
        summary: rosterSummary(
            settled.map(([email, name, phone, country]) => ({ email, name, phone, country })),
            (t) => personalDigest(conn, t),
        ),
        label: inputs.label,
        connection: inputs.connection ?? DEFAULT_CONNECTION,
        dialect: conn.dialect,
        target: targetOf(conn).text,
        userCount: settled.length,
        createdCount: count("c"),
        adoptedCount: count("a"),
        presentCount: count("p"),
        createdEmails: emails.created,
        uncertainEmails: emails.uncertain,
        failed,
        invalid,
        complete: true,
    };
}

const forgottenRosters = new Coalescer(100, (labels) =>
    warn(`roster ${listSome(labels)} removed from the stack; its users stay at the vendor (the APIs have no delete endpoint).`),
);

/** Forgets the roster: the APIs have no delete endpoint, so the vendor keeps its users (and the user is told). */
export async function forget(_id: string, props: RosterOutputs): Promise<void> {
    await forgottenRosters.add(props.label);
}
