/**
 * The provider process's live objects: settings from `configure`, and per connection one
 * dialect client (one keep-alive pool) and one create batcher. They live here, loaded by
 * module name, never in the serialized provider.
 */
import { createDialectClient } from "../dialects";
import type { Connection, DialectClient, UserOutcome } from "../dialects/types";
import { HttpClient } from "../http";
import type { NormalizedUser } from "../schema";
import { CreateBatcher } from "./batcher";
import { ConfigError, DEFAULT_CONNECTION, missingCredentials, NAMESPACE, parseSettings, ProviderSettings } from "./config";

/** Once creates stream in, the quiet window that closes a batch grows this much (see CreateBatcher). */
const STREAM_WINDOW_FACTOR = 10;

export interface BatchItem { user: NormalizedUser; idempotencyKey: string }

interface Live {
    connection: Connection;
    client: DialectClient;
    batcher: CreateBatcher<BatchItem, UserOutcome>;
}

let settings: ProviderSettings | undefined;
let configError: Error | undefined;
const live = new Map<string, Live>();

/** Called once per provider process by `configure` with the whole stack config. */
export function configureFrom(source: { get(key: string): string | undefined }): void {
    try {
        settings = parseSettings(source);
        configError = undefined;
    } catch (err) {
        // Reported by the first resource that needs a connection, at preview, naming the key.
        configError = err as Error;
    }
}

export function currentSettings(): ProviderSettings {
    if (configError) throw configError;
    if (!settings) throw new ConfigError("the tenant-users provider was not configured (configure was not called)");
    return settings;
}

/** The connection a resource names (or the default one); throws a ConfigError naming what to set. */
export function connectionNamed(name: string | undefined): Connection {
    const s = currentSettings();
    const key = name ?? DEFAULT_CONNECTION;
    const conn = s.connections.get(key);
    if (!conn) {
        const known = [...s.connections.keys()];
        throw new ConfigError(key === DEFAULT_CONNECTION
            ? `no default connection: set ${NAMESPACE}:dialect (and baseUrl, credentials)` +
              (known.length ? `, or name one of the connections ${known.join(", ")} with \`connection\`` : "")
            : `connection "${key}" is not in ${NAMESPACE}:connections${known.length ? ` (known: ${known.join(", ")})` : ""}`);
    }
    return conn;
}

/** The client and batcher of a connection, created on first use. */
export function liveConnection(name: string | undefined): Live {
    const key = name ?? DEFAULT_CONNECTION;
    const existing = live.get(key);
    if (existing) return existing;
    const connection = connectionNamed(name);
    const missing = missingCredentials(connection);
    if (missing.length) {
        const where = key === DEFAULT_CONNECTION ? `${NAMESPACE}:` : `${NAMESPACE}:connections.${key}.`;
        throw new ConfigError(`the ${connection.dialect} connection "${key}" has no ${missing.join(" or ")}: ` +
            missing.map((m) => `pulumi config set --secret ${key === DEFAULT_CONNECTION ? where + m : `--path '${where}${m}'`} <value>`).join("; "));
    }
    const s = currentSettings();
    const http = new HttpClient(connection.baseUrl, { maxAttempts: s.maxAttempts, timeoutMs: s.requestTimeoutMs });
    const client = createDialectClient(connection, http);
    const batcher = new CreateBatcher<BatchItem, UserOutcome>({
        windowMs: s.batchWindowMs,
        streamWindowMs: s.batchWindowMs * STREAM_WINDOW_FACTOR,
        maxWaitMs: s.batchMaxWaitMs,
        maxBatch: client.maxBatch,
        flush: (items) => flushBatch(client, items),
    });
    const entry = { connection, client, batcher };
    live.set(key, entry);
    return entry;
}

/**
 * Up to this many users, a batch for a dialect whose bulk answer only counts outcomes (Zquence,
 * Geldstuck) goes as concurrent single adds rather than one bulk, which would leave every user of
 * a mixed batch `present`. Small batches are where a user reads each status (a handful of declared
 * users, one of them already at the vendor); large ones are where requests count.
 */
export const SINGLE_ADDS_UP_TO = 4;

/**
 * The vendor calls for a batch of concurrent creates. Two resources declaring the same email share
 * one row (the bulk endpoints want unique emails). Single adds carry an Idempotency-Key and tell
 * created from adopted exactly; the projects API's bulk answer names each user, so it always gets
 * one bulk. If one single add fails for good, the batch fails as a bulk would, and the next `up`
 * repeats the same Idempotency-Keys, so the vendor replays what already landed.
 */
export async function flushBatch(client: DialectClient, items: BatchItem[]): Promise<UserOutcome[]> {
    const unique = [...new Map(items.map((i) => [i.user.email, i])).values()];
    const outcomes = unique.length === 1 || (!client.bulkNamesEachOutcome && unique.length <= SINGLE_ADDS_UP_TO)
        ? await Promise.all(unique.map((i) => client.addUser(i.user, i.idempotencyKey)))
        : await client.addUsersBulk(unique.map((i) => i.user));
    const byEmail = new Map(unique.map((item, i) => [item.user.email, outcomes[i]]));
    return items.map((i) => byEmail.get(i.user.email)!);
}

/** A new resource passed check: its create follows (at `up`; at preview nothing follows, harmlessly). */
export function announceCreate(name: string | undefined): void {
    try {
        liveConnection(name).batcher.expect(1);
    } catch {
        // A connection without credentials fails at create, with the message that says what to set.
    }
}
