/**
 * TenantUser's lifecycle, in the provider process. The vendor APIs can only add users: there is no
 * read, update or delete. So:
 * - a new email creates (or adopts) the user; a changed email or connection replaces the resource;
 * - a changed name/phone/country cannot be applied: preview warns, state keeps what the vendor holds;
 * - refresh keeps state as it is (nothing to read); destroy forgets the user, and says the vendor keeps it.
 */
import { createHash } from "node:crypto";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { Connection, UserOutcome } from "../dialects/types";
import { failedOutcomeError } from "../dialects";
import { type NormalizedUser, validateUser } from "../schema";
import { DEFAULT_CONNECTION } from "./config";
import { announceCreate, checkConnection, checkOwnership, liveConnection, targetMoved } from "./connections";
import { Coalescer, naming, scrubEmails, warn, withoutEmails } from "./log";
import { mayHaveLanded, settledKind } from "./outcomes";
import { personalDigest, targetOf } from "./target";
import { UNKNOWN } from "./unknown";

export { UNKNOWN };

const USER_FIELDS = ["email", "name", "phone", "country"] as const;
const MUTABLE_FIELDS = ["name", "phone", "country"] as const;

export interface UserInputs {
    email: string;
    name?: string;
    phone?: string;
    country?: string;
    connection?: string;
    /** `<project>/<stack>/<resource name>`: makes the single create's Idempotency-Key stable across retries and runs. */
    idempotencyScope: string;
    /** Where the connection writes (dialect, TEST/LIVE, origin, key fingerprint), set by `check`. */
    target: string;
}

export interface UserOutputs extends NormalizedUser {
    /**
     * `created` by this stack, `adopted` (the vendor held it before we asked), `present` (there, origin
     * unknown), or `unsettled` (only in the state of a failed `up`: the add's answer was lost).
     */
    status: "created" | "adopted" | "present" | "unsettled";
    userId?: string;
    connection: string;
    dialect: string;
    idempotencyScope: string;
    /** Where the user was added (see `./target`); absent in state written before targets were recorded. */
    target?: string;
}

export async function check(olds: Record<string, unknown>, news: Record<string, any>): Promise<dynamic.CheckResult> {
    const checked = checkConnection(news.connection);
    if (checked.ok === "later") return { inputs: news, failures: [] };
    if (!checked.ok) return { inputs: news, failures: [checked.failure] };
    const connection = checked.name;
    const passthrough = {
        ...(connection !== undefined ? { connection } : {}),
        idempotencyScope: news.idempotencyScope,
        target: checked.target.text,
    };
    const dialect = checked.connection.dialect;
    const fields: Record<string, unknown> = {};
    const unknownFields: Record<string, string> = {};
    for (const [k, v] of Object.entries(news)) {
        if (k === "__provider" || k === "connection" || k === "idempotencyScope" || k === "target" || v === undefined || v === null)
            continue;
        // A value computed by another resource is validated when it is known, at `up`.
        if (v === UNKNOWN) unknownFields[k] = v;
        else fields[k] = v;
    }
    if (Object.keys(unknownFields).length > 0 && !("email" in fields)) {
        return { inputs: { ...news, ...passthrough }, failures: [] };
    }
    if (!("email" in fields) && !("email" in unknownFields)) fields.email = undefined;
    const { user, failures } = validateUser(fields, dialect);
    const scrubbed = failures.map((f) => ({ ...f, reason: scrubEmails(f.reason) }));
    if (!user) return { inputs: news, failures: scrubbed };
    const owner = `TenantUser ${resourceName(news.idempotencyScope)}`;
    const clash = await checkOwnership(checked.target, owner, [user.email]);
    if (clash) scrubbed.push({ ...clash, reason: scrubEmails(clash.reason) });
    // A resource with no previous inputs is about to be created: tell the batcher to expect it.
    if (scrubbed.length === 0 && Object.keys(olds ?? {}).length === 0) announceCreate(connection);
    return { inputs: { ...user, ...unknownFields, ...passthrough }, failures: scrubbed };
}

export async function diff(_id: string, olds: UserOutputs, news: UserInputs): Promise<dynamic.DiffResult> {
    const replaces: string[] = [];
    if (olds.email !== news.email) replaces.push("email");
    // Checked on every change, a new connection name included: a move into LIVE needs acceptance either way.
    const moved = await targetMoved(`TenantUser ${resourceName(news.idempotencyScope)}`, news.connection, olds.target, news.target);
    if ((olds.connection ?? DEFAULT_CONNECTION) !== (news.connection ?? DEFAULT_CONNECTION)) replaces.push("connection");
    else if (moved) replaces.push("target");
    // State from before targets were recorded gets its target written by an update that sends nothing.
    const recordTarget = olds.target === undefined;
    // A user whose add lost its answer is added again (the engine also retries a partly-failed create).
    const unsettled = olds.status === "unsettled";
    if (replaces.length === 0) {
        const ignored = MUTABLE_FIELDS.filter((f) => news[f] !== undefined && news[f] !== UNKNOWN && news[f] !== olds[f]);
        if (ignored.length > 0) {
            await warn(
                // The fields, not their values: name, phone and country are personal data, secret in state.
                `TenantUser ${resourceName(news.idempotencyScope)}: ${ignored.join(", ")} changed but ` +
                    `cannot be applied: the ${olds.dialect} API has no update endpoint, so the vendor keeps ${ignored.length > 1 ? "them" : "it"} and so does state. ` +
                    `Change it at the vendor, or change the email to create a new user.`,
            );
        }
    }
    return { changes: replaces.length > 0 || recordTarget || unsettled, replaces, deleteBeforeReplace: false };
}

/**
 * The single add's Idempotency-Key: the same for every try of one create with the same fields (so
 * the vendor replays what an earlier, unanswered try did), another once the fields change (the
 * vendors refuse a key reused with another body, 422, and would keep refusing it on every `up`).
 */
export function idempotencyKey(scope: string, user: NormalizedUser): string {
    const fields = USER_FIELDS.map((f) => user[f] ?? "").join("\n");
    return `tu-${createHash("sha256").update(`${scope}\n${fields}`).digest("hex").slice(0, 40)}`;
}

export async function create(inputs: UserInputs & { __provider?: string }): Promise<dynamic.CreateResult> {
    const outs = await addUser(inputs, false);
    return { id: userResourceId(inputs.connection, outs.email), outs };
}

/**
 * Adds the user through the connection's batcher and returns the outputs to record. A refusal
 * fails the resource; a lost answer records it as `unsettled` (through the engine's partial-state
 * path) so the next `up` adds it again and, if the vendor then holds it, says `present`, not `adopted`.
 */
async function addUser(inputs: UserInputs & { __provider?: string }, wasUnsettled: boolean): Promise<UserOutputs> {
    const live = liveConnection(inputs.connection);
    const user = pick(inputs, USER_FIELDS) as NormalizedUser;
    let outcome: UserOutcome;
    try {
        const result = await live.batcher.add({ user, idempotencyKey: idempotencyKey(inputs.idempotencyScope, user) });
        if (result.status === "rejected") throw result.reason;
        outcome = result.value;
    } catch (error) {
        if (error instanceof Error) error.message = scrubEmails(error.message);
        if (!mayHaveLanded(error)) throw error;
        const message =
            `TenantUser ${resourceName(inputs.idempotencyScope)}: the vendor's answer was lost, so the user may exist (${(error as Error).message}). ` +
            `State records it as unsettled; run \`pulumi up\` again to settle it.`;
        const properties = {
            ...outputsFor(inputs, user, { email: user.email, kind: "present" }, live.connection),
            status: "unsettled",
            __provider: inputs.__provider,
        };
        throw Object.assign(new Error(scrubEmails(message)), {
            id: userResourceId(inputs.connection, user.email),
            properties,
            reasons: [withoutEmails(message)], // kept in state in plain text
        });
    }
    if (outcome.kind === "failed") {
        const error = failedOutcomeError(outcome, live.connection.dialect);
        error.message = scrubEmails(error.message);
        throw error;
    }
    if (outcome.warning) await warn(`TenantUser ${user.email}: ${outcome.warning}`);
    return outputsFor(inputs, user, { ...outcome, kind: settledKind(outcome.kind, wasUnsettled) }, live.connection);
}

function outputsFor(inputs: UserInputs, user: NormalizedUser, outcome: UserOutcome, connection: Connection): UserOutputs {
    // The vendor's record wins where it sent one (an adopted user keeps the vendor's name).
    const held = { ...user, ...definedOnly(outcome.user ?? {}) };
    return {
        ...held,
        email: user.email,
        status: outcome.kind as UserOutputs["status"],
        ...(outcome.id ? { userId: outcome.id } : {}),
        connection: inputs.connection ?? DEFAULT_CONNECTION,
        dialect: connection.dialect,
        idempotencyScope: inputs.idempotencyScope,
        // What the batcher actually wrote to, not what check saw: the two are one connection.
        target: targetOf(connection).text,
    };
}

/** Nothing to send: diff only reports replacements, and ignored field changes keep the vendor's values. */
export async function update(_id: string, olds: UserOutputs, news: UserInputs): Promise<dynamic.UpdateResult> {
    if (olds.status === "unsettled") return { outs: await addUser(news, true) };
    return { outs: { ...olds, idempotencyScope: news.idempotencyScope, target: olds.target ?? news.target } };
}

const forgotten = new Coalescer(100, (emails) =>
    warn(
        `${emails.length} tenant user${emails.length > 1 ? "s were" : " was"} removed from the stack but not from the vendor ` +
            `(the APIs have no delete endpoint)${naming(emails)}. Remove them in the vendor's dashboard if they must go.`,
    ),
);

/** Forgets the user: the APIs have no delete endpoint, so the vendor keeps it (and the user is told). */
export async function forget(_id: string, props: UserOutputs): Promise<void> {
    await forgotten.add(props.email);
}

/**
 * The resource id: `tu-` and a keyed hash of the email, not the email, because ids are plain text in
 * state (the email itself is a secret input and output).
 */
function userResourceId(connection: string | undefined, email: string): string {
    return `tu-${personalDigest(liveConnection(connection).connection, email, 24)}`;
}

/** The resource's name, from its `<project>/<stack>/<name>` scope: messages name it, not the email. */
function resourceName(scope: unknown): string {
    return String(scope ?? "")
        .split("/")
        .slice(2)
        .join("/");
}

function pick<T extends object, K extends readonly string[]>(o: T, keys: K): Partial<T> {
    return Object.fromEntries(keys.filter((k) => (o as any)[k] !== undefined).map((k) => [k, (o as any)[k]])) as Partial<T>;
}

function definedOnly<T extends object>(o: T): Partial<T> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}
