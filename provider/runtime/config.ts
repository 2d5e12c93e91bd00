/**
 * Stack configuration of the `tenant-users` namespace, read in the provider process only.
 *
 * `CONFIG_KEYS` is the single table behind the README's configuration table; a test keeps
 * the two in step. Credentials are read here (from config secrets, else the vendors' own
 * environment variables) and never leave the provider process.
 */
import type { Dialect } from "../schema";
import type { Connection } from "../dialects/types";

export const NAMESPACE = "tenant-users";

export interface ConfigKey {
    key: string;
    env?: string;
    secret: boolean;
    default: string;
    meaning: string;
}

export const DEFAULT_BATCH_WINDOW_MS = 50;
export const DEFAULT_BATCH_MAX_WAIT_MS = 5000;
export const DEFAULT_MAX_ATTEMPTS = 10;
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export const VENDOR_BASE_URLS: Record<Dialect, string | undefined> = {
    zquence: "https://api.zquence.com",
    geldstuck: "https://api.geldstuck.com",
    projects: undefined, // the seed names no host
};

/** Each credential's environment fallback, per dialect (the seeds' own variable names). */
export const CREDENTIAL_ENV: Record<Dialect, Partial<Record<"apiKey" | "apiSecret" | "secretKey", string>>> = {
    zquence: { apiKey: "ZQUENCE_PUBLIC_KEY", apiSecret: "ZQUENCE_SECRET_KEY" },
    geldstuck: { apiKey: "GELDSTUCK_PUBLIC_KEY", apiSecret: "GELDSTUCK_SECRET_KEY" },
    projects: { secretKey: "PROJECTS_SECRET_KEY" },
};

export const CREDENTIAL_KEYS = ["apiKey", "apiSecret", "secretKey"] as const;

export const CONFIG_KEYS: ConfigKey[] = [
    { key: "dialect", secret: false, default: "required", meaning: "`zquence`, `geldstuck` or `projects`: the vendor API of the default connection." },
    { key: "baseUrl", secret: false, default: "`https://api.zquence.com`, `https://api.geldstuck.com`; required for `projects`", meaning: "Where the API is, e.g. the emulator's `http://127.0.0.1:4010/zquence`." },
    { key: "apiKey", env: "ZQUENCE_PUBLIC_KEY / GELDSTUCK_PUBLIC_KEY", secret: true, default: "none", meaning: "Zquence/Geldstuck `x-api-key`." },
    { key: "apiSecret", env: "ZQUENCE_SECRET_KEY / GELDSTUCK_SECRET_KEY", secret: true, default: "none", meaning: "Zquence/Geldstuck `x-api-secret`." },
    { key: "secretKey", env: "PROJECTS_SECRET_KEY", secret: true, default: "none", meaning: "projects `Authorization` key; `sk_test_…` writes TEST, `sk_live_…` writes LIVE." },
    { key: "connections", secret: true, default: "`{}`", meaning: "Named connections `{ name: { dialect, baseUrl, apiKey, apiSecret, secretKey } }`, chosen per resource with `connection: \"name\"`." },
    { key: "batchWindowMs", secret: false, default: String(DEFAULT_BATCH_WINDOW_MS), meaning: "How long a lone `TenantUser` create waits for company; once creates stream in, a batch closes after 10 × this much quiet, or this long after every create announced by `check` has arrived." },
    { key: "batchMaxWaitMs", secret: false, default: String(DEFAULT_BATCH_MAX_WAIT_MS), meaning: "The longest a `TenantUser` create waits while a batch keeps growing." },
    { key: "maxAttempts", secret: false, default: String(DEFAULT_MAX_ATTEMPTS), meaning: "Attempts per HTTP request (429, 5xx and dropped connections are retried)." },
    { key: "requestTimeoutMs", secret: false, default: String(DEFAULT_REQUEST_TIMEOUT_MS), meaning: "Timeout of one HTTP attempt." },
];

/** The default connection's name, used when a resource names none. */
export const DEFAULT_CONNECTION = "default";

export interface ProviderSettings {
    connections: Map<string, Connection>;
    batchWindowMs: number;
    batchMaxWaitMs: number;
    maxAttempts: number;
    requestTimeoutMs: number;
}

export class ConfigError extends Error {
    override readonly name = "ConfigError";
}

interface ConfigSource { get(key: string): string | undefined }

const DIALECTS: readonly Dialect[] = ["zquence", "geldstuck", "projects"];

function positiveInt(source: ConfigSource, key: string, fallback: number): number {
    const raw = source.get(`${NAMESPACE}:${key}`);
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${NAMESPACE}:${key} must be a positive whole number, got "${raw}"`);
    return n;
}

/**
 * Builds one connection. `where` names it in messages (`tenant-users:dialect` for the default one,
 * `tenant-users:connections.acme` for a named one). Missing credentials are reported when the
 * connection is first used, so a program that only uses named connections needs no default one.
 */
function connectionFrom(raw: Record<string, unknown>, where: string, env: NodeJS.ProcessEnv): Connection {
    const dialect = raw.dialect;
    if (typeof dialect !== "string" || !DIALECTS.includes(dialect as Dialect)) {
        throw new ConfigError(
            `${where}dialect must be one of ${DIALECTS.join(", ")}${dialect === undefined ? " and is not set" : `, got "${String(dialect)}"`}: ` +
            `pulumi config set ${where}dialect zquence`,
        );
    }
    const d = dialect as Dialect;
    const baseUrl = typeof raw.baseUrl === "string" && raw.baseUrl !== "" ? raw.baseUrl : VENDOR_BASE_URLS[d];
    if (!baseUrl) throw new ConfigError(`${where}baseUrl is required for the ${d} dialect: pulumi config set ${where}baseUrl https://…`);
    const conn: Connection = { dialect: d, baseUrl: baseUrl.replace(/\/+$/, "") };
    for (const k of CREDENTIAL_KEYS) {
        const value = typeof raw[k] === "string" && raw[k] !== "" ? (raw[k] as string) : (CREDENTIAL_ENV[d][k] ? env[CREDENTIAL_ENV[d][k]!] : undefined);
        if (value) conn[k] = value;
    }
    return conn;
}

/** Parses the whole stack config handed to `configure`. Throws ConfigError on a bad value. */
export function parseSettings(source: ConfigSource, env: NodeJS.ProcessEnv = process.env): ProviderSettings {
    const connections = new Map<string, Connection>();
    const get = (k: string) => source.get(`${NAMESPACE}:${k}`);
    if (get("dialect") !== undefined) {
        const raw: Record<string, unknown> = {};
        for (const k of ["dialect", "baseUrl", ...CREDENTIAL_KEYS]) raw[k] = get(k);
        connections.set(DEFAULT_CONNECTION, connectionFrom(raw, `${NAMESPACE}:`, env));
    }
    const named = get("connections");
    if (named) {
        let parsed: unknown;
        try {
            parsed = JSON.parse(named);
        } catch {
            throw new ConfigError(`${NAMESPACE}:connections must be an object of named connections (set it with --path)`);
        }
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
            throw new ConfigError(`${NAMESPACE}:connections must be an object of named connections`);
        }
        for (const [name, raw] of Object.entries(parsed)) {
            if (typeof raw !== "object" || raw === null) throw new ConfigError(`${NAMESPACE}:connections.${name} must be an object`);
            connections.set(name, connectionFrom(raw as Record<string, unknown>, `${NAMESPACE}:connections.${name}.`, env));
        }
    }
    return {
        connections,
        batchWindowMs: positiveInt(source, "batchWindowMs", DEFAULT_BATCH_WINDOW_MS),
        batchMaxWaitMs: positiveInt(source, "batchMaxWaitMs", DEFAULT_BATCH_MAX_WAIT_MS),
        maxAttempts: positiveInt(source, "maxAttempts", DEFAULT_MAX_ATTEMPTS),
        requestTimeoutMs: positiveInt(source, "requestTimeoutMs", DEFAULT_REQUEST_TIMEOUT_MS),
    };
}

/** The names of the credentials a dialect needs that a connection lacks. */
export function missingCredentials(conn: Connection): string[] {
    const needed = conn.dialect === "projects" ? (["secretKey"] as const) : (["apiKey", "apiSecret"] as const);
    return needed.filter((k) => !conn[k]);
}

/** The README's configuration table, generated from CONFIG_KEYS (a test keeps the README equal to it). */
export function renderConfigTable(): string {
    const rows = CONFIG_KEYS.map((k) =>
        `| \`${NAMESPACE}:${k.key}\` | ${k.env ? k.env.split(" / ").map((e) => `\`${e}\``).join(", ") : "—"} | ${k.secret ? "yes" : "no"} | ${k.default} | ${k.meaning} |`);
    return ["| key | environment variable | secret | default | meaning |", "|---|---|---|---|---|", ...rows].join("\n");
}
