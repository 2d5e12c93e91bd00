/**
 * The provider process's live objects: settings from `configure`, and per connection one
 * dialect client (one keep-alive pool) and one create batcher. They live here, loaded by
 * module name, never in the serialized provider.
 */
import { createDialectClient } from "../dialects";
import type { Connection, DialectClient } from "../dialects/types";
import { HttpClient } from "../http";
import { type BatchItem, type BatchResult, flushBatch } from "./batch-policy";
import { CreateBatcher } from "./batcher";
import { ConfigError, DEFAULT_CONNECTION, missingCredentials, NAMESPACE, parseSettings, type ProviderSettings } from "./config";
import { setEmailLogging, warn } from "./log";
import { claimUsers, describeClashes } from "./ownership";
import { UNKNOWN } from "./unknown";
import { recordedKeys, recordedMode, type Target, targetOf } from "./target";

/** Once creates stream in, the quiet window that closes a batch grows this much (see CreateBatcher). */
const STREAM_WINDOW_FACTOR = 10;

interface Live {
    connection: Connection;
    client: DialectClient;
    batcher: CreateBatcher<BatchItem, BatchResult>;
}

let settings: ProviderSettings | undefined;
/** The settings `configure` last applied, as text: the same again keeps the live clients. */
let configuredWith: string | undefined;
/** Creates announced by `check` before the connection's batcher exists: `check` builds nothing live. */
const announced = new Map<string, number>();
let configError: Error | undefined;
const live = new Map<string, Live>();

/** Called once per provider process by `configure` with the whole stack config. */
/**
 * Called by `configure` with the whole stack config: once per provider object, so twice in a
 * deployment with both resource kinds, with the same config. Live clients stay while the settings
 * are the same (creates may be in flight on them); a different configuration (in-process tests)
 * gets new connections, never a client of the previous one.
 */
export function configureFrom(source: { get(key: string): string | undefined }): void {
    let next: ProviderSettings | undefined;
    let error: Error | undefined;
    try {
        next = parseSettings(source);
    } catch (err) {
        // Reported by the first resource that needs a connection, at preview, naming the key.
        error = err as Error;
    }
    const key = next ? JSON.stringify({ ...next, connections: [...next.connections] }) : `error: ${error?.message}`;
    if (key === configuredWith) return;
    configuredWith = key;
    live.clear();
    announced.clear();
    settings = next;
    configError = error;
    if (next) setEmailLogging(next.logEmails);
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
        throw new ConfigError(
            key === DEFAULT_CONNECTION
                ? `no default connection: set ${NAMESPACE}:dialect (and baseUrl, credentials)` +
                      (known.length ? `, or name one of the connections ${known.join(", ")} with \`connection\`` : "")
                : `connection "${key}" is not in ${NAMESPACE}:connections${known.length ? ` (known: ${known.join(", ")})` : ""}`,
        );
    }
    return conn;
}

/** Throws a ConfigError naming the connection and each credential it lacks, with the command that sets it. */
function assertCredentials(name: string | undefined, connection: Connection): void {
    const key = name ?? DEFAULT_CONNECTION;
    const missing = missingCredentials(connection);
    if (missing.length === 0) return;
    const where = key === DEFAULT_CONNECTION ? `${NAMESPACE}:` : `${NAMESPACE}:connections.${key}.`;
    throw new ConfigError(
        `the ${connection.dialect} connection "${key}" has no ${missing.join(" or ")}` +
            (key === DEFAULT_CONNECTION ? "" : " (a named connection never borrows the vendors' environment variables)") +
            ": " +
            missing
                .map((m) => `pulumi config set --secret ${key === DEFAULT_CONNECTION ? where + m : `--path '${where}${m}'`} < key-file`)
                .join("; "),
    );
}

/** What `check` needs of a resource's connection: its name, settings and target; or the failure to report. */
export type CheckedConnection =
    | { ok: true; name: string | undefined; connection: Connection; target: Target }
    | { ok: false; failure: { property: string; reason: string } }
    | { ok: "later" };

/**
 * The connection a resource's `connection` input names, checked at `check` (so at preview, before
 * any request): a string, configured, with every credential its dialect needs. Builds nothing live.
 */
export function checkConnection(value: unknown): CheckedConnection {
    if (value !== undefined && typeof value !== "string") {
        return {
            ok: false,
            failure: { property: "connection", reason: `must be the name of a connection (a string), got ${typeof value}` },
        };
    }
    // A name computed by another resource is checked when it is known, at `up`.
    if (value === UNKNOWN) return { ok: "later" };
    try {
        const connection = connectionNamed(value);
        assertCredentials(value, connection);
        return { ok: true, name: value, connection, target: targetOf(connection) };
    } catch (err) {
        return { ok: false, failure: { property: "connection", reason: (err as Error).message } };
    }
}

/**
 * Compares the target recorded in state with the one the resource's connection names now, whether
 * or not the connection's name changed. A change replaces the resource (its users are added at the
 * new target; the old one keeps its own), and says so. Writing to LIVE from state recorded at TEST,
 * or from state that records no target (an earlier version's), is refused until the user accepts
 * that LIVE target by its key fingerprint. Returns whether the target moved.
 */
export async function targetMoved(
    what: string,
    connectionName: string | undefined,
    recorded: string | undefined,
    current: string | undefined,
): Promise<boolean> {
    // A connection computed by another resource is known, and checked, at `up`.
    if (recorded === current || current === undefined) return false;
    const name = connectionName ?? DEFAULT_CONNECTION;
    const keys = recordedKeys(current);
    const intoLive = recordedMode(current) === "LIVE" && (recorded === undefined || recordedMode(recorded) !== "LIVE");
    if (intoLive && currentSettings().acceptLiveTarget !== keys) {
        const from = recorded === undefined ? "a target this state does not record (written by an earlier version)" : `TEST (${recorded})`;
        throw new ConfigError(
            `${what}: connection "${name}" now writes to LIVE (${current}), moved from ${from}. Nothing was sent. ` +
                `Applying this adds every user of ${what} to LIVE. If that is intended, accept this LIVE target and run again: ` +
                `pulumi config set ${NAMESPACE}:acceptLiveTarget ${keys}`,
        );
    }
    if (recorded === undefined) return false;
    await warn(
        `${what}: connection "${name}" now writes to another target (${recorded} → ${current}): ` +
            `the resource is replaced and its users are added there; the old target keeps its users.`,
    );
    return true;
}

/**
 * Claims `emails` on the connection's target for `owner` and reports a second claim: a check
 * failure with `tenant-users:strictOwnership`, else a warning naming both resources.
 */
export async function checkOwnership(
    target: Target,
    owner: string,
    emails: readonly string[],
): Promise<{ property: string; reason: string } | undefined> {
    const clashes = claimUsers(target.text, owner, emails);
    if (clashes.length === 0) return undefined;
    const message = describeClashes(owner, clashes);
    if (currentSettings().strictOwnership) return { property: "email", reason: message };
    await warn(message);
    return undefined;
}

/** The client and batcher of a connection, created on first use. */
export function liveConnection(name: string | undefined): Live {
    const key = name ?? DEFAULT_CONNECTION;
    const existing = live.get(key);
    if (existing) return existing;
    const connection = connectionNamed(name);
    assertCredentials(name, connection);
    const s = currentSettings();
    const http = new HttpClient(connection.baseUrl, { maxAttempts: s.maxAttempts, timeoutMs: s.requestTimeoutMs });
    const client = createDialectClient(connection, http);
    const batcher = new CreateBatcher<BatchItem, BatchResult>({
        windowMs: s.batchWindowMs,
        streamWindowMs: s.batchWindowMs * STREAM_WINDOW_FACTOR,
        maxWaitMs: s.batchMaxWaitMs,
        maxBatch: client.maxBatch,
        flush: (items) => flushBatch(client, items),
    });
    batcher.expect(announced.get(key) ?? 0);
    announced.delete(key);
    const entry = { connection, client, batcher };
    live.set(key, entry);
    return entry;
}

/** A new resource passed check: its create follows (at `up`; at preview nothing follows, harmlessly). */
export function announceCreate(name: string | undefined): void {
    const key = name ?? DEFAULT_CONNECTION;
    const existing = live.get(key);
    if (existing) existing.batcher.expect(1);
    else announced.set(key, (announced.get(key) ?? 0) + 1);
}
