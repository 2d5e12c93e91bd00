/**
 * TenantUser's lifecycle, in the provider process. The vendor APIs can only add users: there is no
 * read, update or delete. So:
 * - a new email creates (or adopts) the user; a changed email or connection replaces the resource;
 * - a changed name/phone/country cannot be applied: preview warns, state keeps what the vendor holds;
 * - refresh keeps state as it is (nothing to read); destroy forgets the user, and says the vendor keeps it.
 */
import { createHash } from "node:crypto";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { UserOutcome } from "../dialects/types";
import { failedOutcomeError } from "../dialects";
import { NormalizedUser, validateUser } from "../schema";
import { DEFAULT_CONNECTION } from "./config";
import { announceCreate, connectionNamed, liveConnection } from "./connections";
import { Coalescer, listSome, warn } from "./log";

/** What the engine sends for a value not known until `up` (an Output of another resource). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

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
}

export interface UserOutputs extends NormalizedUser {
    /** `created` by this stack, `adopted` (already at the vendor), or `present` (there, origin unknown). */
    status: "created" | "adopted" | "present";
    userId?: string;
    connection: string;
    dialect: string;
    idempotencyScope: string;
}

export async function check(olds: Record<string, unknown>, news: Record<string, any>): Promise<dynamic.CheckResult> {
    if (news.connection !== undefined && typeof news.connection !== "string") {
        return { inputs: news, failures: [{ property: "connection", reason: `must be the name of a connection (a string), got ${typeof news.connection}` }] };
    }
    const connection: string | undefined = news.connection;
    const passthrough = { ...(connection !== undefined ? { connection } : {}), idempotencyScope: news.idempotencyScope };
    let dialect;
    try {
        dialect = connectionNamed(connection).dialect;
    } catch (err) {
        return { inputs: news, failures: [{ property: "connection", reason: (err as Error).message }] };
    }
    const fields: Record<string, unknown> = {};
    const unknownFields: Record<string, string> = {};
    for (const [k, v] of Object.entries(news)) {
        if (k === "__provider" || k === "connection" || k === "idempotencyScope" || v === undefined || v === null) continue;
        // A value computed by another resource is validated when it is known, at `up`.
        if (v === UNKNOWN) unknownFields[k] = v;
        else fields[k] = v;
    }
    if (Object.keys(unknownFields).length > 0 && !("email" in fields)) {
        return { inputs: { ...news }, failures: [] };
    }
    if (!("email" in fields) && !("email" in unknownFields)) fields.email = undefined;
    const { user, failures } = validateUser(fields, dialect);
    if (!user) return { inputs: news, failures };
    // A resource with no previous inputs is about to be created: tell the batcher to expect it.
    if (failures.length === 0 && Object.keys(olds ?? {}).length === 0) announceCreate(connection);
    return { inputs: { ...user, ...unknownFields, ...passthrough }, failures };
}

export async function diff(_id: string, olds: UserOutputs, news: UserInputs): Promise<dynamic.DiffResult> {
    const replaces: string[] = [];
    if (olds.email !== news.email) replaces.push("email");
    if ((olds.connection ?? DEFAULT_CONNECTION) !== (news.connection ?? DEFAULT_CONNECTION)) replaces.push("connection");
    if (replaces.length === 0) {
        const ignored = MUTABLE_FIELDS.filter((f) => news[f] !== undefined && news[f] !== UNKNOWN && news[f] !== olds[f]);
        if (ignored.length > 0) {
            await warn(`TenantUser ${olds.email}: ${ignored.map((f) => `${f} ${JSON.stringify(olds[f] ?? null)} → ${JSON.stringify(news[f])}`).join(", ")} ` +
                `cannot be applied: the ${olds.dialect} API has no update endpoint, so the vendor keeps ${ignored.length > 1 ? "them" : "it"} and so does state. ` +
                `Change it at the vendor, or change the email to create a new user.`);
        }
    }
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
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

export async function create(inputs: UserInputs): Promise<dynamic.CreateResult> {
    const live = liveConnection(inputs.connection);
    const user = pick(inputs, USER_FIELDS) as NormalizedUser;
    const outcome = await live.batcher.add({ user, idempotencyKey: idempotencyKey(inputs.idempotencyScope, user) });
    if (outcome.kind === "failed") {
        throw failedOutcomeError(outcome, live.connection.dialect);
    }
    return { id: user.email, outs: outputsFor(inputs, user, outcome, live.connection.dialect) };
}

function outputsFor(inputs: UserInputs, user: NormalizedUser, outcome: UserOutcome, dialect: string): UserOutputs {
    // The vendor's record wins where it sent one (an adopted user keeps the vendor's name).
    const held = { ...user, ...definedOnly(outcome.user ?? {}) };
    return {
        ...held,
        email: user.email,
        status: outcome.kind as UserOutputs["status"],
        ...(outcome.id ? { userId: outcome.id } : {}),
        connection: inputs.connection ?? DEFAULT_CONNECTION,
        dialect,
        idempotencyScope: inputs.idempotencyScope,
    };
}

/** Nothing to send: diff only reports replacements, and ignored field changes keep the vendor's values. */
export async function update(_id: string, olds: UserOutputs, news: UserInputs): Promise<dynamic.UpdateResult> {
    return { outs: { ...olds, idempotencyScope: news.idempotencyScope } };
}

const forgotten = new Coalescer(100, (emails) =>
    warn(`${emails.length} tenant user${emails.length > 1 ? "s were" : " was"} removed from the stack but not from the vendor ` +
        `(the APIs have no delete endpoint): ${listSome(emails)}. Remove them in the vendor's dashboard if they must go.`));

export async function del(_id: string, props: UserOutputs): Promise<void> {
    await forgotten.add(props.email);
}

function pick<T extends object, K extends readonly string[]>(o: T, keys: K): Partial<T> {
    return Object.fromEntries(keys.filter((k) => (o as any)[k] !== undefined).map((k) => [k, (o as any)[k]])) as Partial<T>;
}

function definedOnly<T extends object>(o: T): Partial<T> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}
