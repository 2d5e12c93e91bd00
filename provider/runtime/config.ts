/**
 * Stack configuration of the `tenant-users` namespace, read in the provider process only.
 *
 * `CONFIG_KEYS` is the single table behind the README's configuration table; a test keeps
 * the two in step. Credentials are read here (from config secrets, else the vendors' own
 * environment variables) and never leave the provider process.
 */
import { CREDENTIAL_KEYS, DIALECTS, isDialect, missingCredentials, orList, VENDORS } from "../dialects/registry";
import type { CredentialKey, Dialect } from "../dialects/registry";
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

// Vendor particulars come from the descriptors in ../dialects (kept under these names for callers).
export { CREDENTIAL_KEYS, missingCredentials };

/** Each dialect's default base URL (`undefined` where the vendor names no host). */
export const VENDOR_BASE_URLS: Readonly<Record<Dialect, string | undefined>> = Object.fromEntries(
    VENDORS.map((v) => [v.name, v.defaultBaseUrl]),
) as Record<Dialect, string | undefined>;

/** Each credential's environment fallback, per dialect (the seeds' own variable names). */
export const CREDENTIAL_ENV: Readonly<Record<Dialect, Partial<Record<CredentialKey, string>>>> = Object.fromEntries(
    VENDORS.map((v) => [v.name, v.credentials]),
) as Record<Dialect, Partial<Record<CredentialKey, string>>>;

/** The environment variables of one credential key over all vendors, as the table shows them. */
const envOf = (key: CredentialKey) => VENDORS.flatMap((v) => v.credentials[key] ?? []).join(" / ");
const code = (s: string) => `\`${s}\``;

/** How much of an email the provider's messages show (`tenant-users:logEmails`). */
export const EMAIL_LOGGING = ["full", "masked", "count"] as const;
export type EmailLogging = (typeof EMAIL_LOGGING)[number];

export const CONFIG_KEYS: ConfigKey[] = [
    {
        key: "dialect",
        secret: false,
        default: "required",
        meaning: `${orList(DIALECTS.map(code))}: the vendor API of the default connection.`,
    },
    {
        key: "baseUrl",
        secret: false,
        default: `${VENDORS.flatMap((v) => (v.defaultBaseUrl ? [code(v.defaultBaseUrl)] : [])).join(", ")}; required for ${orList(VENDORS.filter((v) => !v.defaultBaseUrl).map((v) => code(v.name)))}`,
        meaning: "Where the API is: `https://`, or `http://` to loopback only (the emulator's `http://127.0.0.1:4010/zquence`).",
    },
    {
        key: "apiKey",
        env: envOf("apiKey"),
        secret: true,
        default: "none",
        meaning: "Zquence/Geldstuck `x-api-key`. The environment variables serve the default connection only.",
    },
    {
        key: "apiSecret",
        env: envOf("apiSecret"),
        secret: true,
        default: "none",
        meaning: "Zquence/Geldstuck `x-api-secret` (environment: default connection only).",
    },
    {
        key: "secretKey",
        env: envOf("secretKey"),
        secret: true,
        default: "none",
        meaning: "projects `Authorization` key; `sk_test_…` writes TEST, `sk_live_…` writes LIVE (environment: default connection only).",
    },
    {
        key: "connections",
        secret: true,
        default: "`{}`",
        meaning:
            'Named connections `{ name: { dialect, baseUrl, apiKey, apiSecret, secretKey } }`, chosen per resource with `connection: "name"`. A named connection never reads the environment: each key must be in it.',
    },
    {
        key: "logEmails",
        secret: false,
        default: "`full`",
        meaning:
            "How preview, progress lines and errors name users: `full` (the email), `masked` (`a***@example.com`) or `count` (numbers only), for CI logs others can read; `masked` and `count` also hide the names and phone numbers that messages quote.",
    },
    {
        key: "strictOwnership",
        secret: false,
        default: "`false`",
        meaning: "`true` fails preview when two resources declare one email on one tenant (by default a warning naming both).",
    },
    {
        key: "acceptLiveTarget",
        secret: false,
        default: "none",
        meaning:
            "The key fingerprint of a LIVE target a connection may move to from TEST (preview fails on such a move and prints the line that sets this).",
    },
    {
        key: "batchWindowMs",
        secret: false,
        default: String(DEFAULT_BATCH_WINDOW_MS),
        meaning:
            "How long a lone `TenantUser` create waits for company; once creates stream in, a batch closes after 10 × this much quiet, or this long after every create announced by `check` has arrived.",
    },
    {
        key: "batchMaxWaitMs",
        secret: false,
        default: String(DEFAULT_BATCH_MAX_WAIT_MS),
        meaning: "The longest a `TenantUser` create waits while a batch keeps growing.",
    },
    {
        key: "maxAttempts",
        secret: false,
        default: String(DEFAULT_MAX_ATTEMPTS),
        meaning: "Attempts per HTTP request (429, 5xx and dropped connections are retried).",
    },
    { key: "requestTimeoutMs", secret: false, default: String(DEFAULT_REQUEST_TIMEOUT_MS), meaning: "Timeout of one HTTP attempt." },
];

/** The default connection's name, used when a resource names none. */
export const DEFAULT_CONNECTION = "default";

export interface ProviderSettings {
    connections: Map<string, Connection>;
    logEmails: EmailLogging;
    /** Whether two resources declaring one email on one tenant fail check (else a warning). */
    strictOwnership: boolean;
    /** The LIVE target a TEST connection may move to (its key fingerprint), if the user accepted one. */
    acceptLiveTarget?: string;
    batchWindowMs: number;
    batchMaxWaitMs: number;
    maxAttempts: number;
    requestTimeoutMs: number;
}

export class ConfigError extends Error {
    override readonly name = "ConfigError";
}

interface ConfigSource {
    get(key: string): string | undefined;
}

function positiveInt(source: ConfigSource, key: string, fallback: number): number {
    const raw = source.get(`${NAMESPACE}:${key}`);
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${NAMESPACE}:${key} must be a positive whole number, got "${raw}"`);
    return n;
}

/** Hosts a plain `http://` base URL may name: this machine only (the emulator). */
export function isLoopback(hostname: string): boolean {
    // Literal addresses and `localhost` only: any other name goes through DNS, which may answer anything.
    const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
    return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * A base URL the provider may send credentials to: `https://` anywhere, `http://` to loopback only
 * (a plain-text request elsewhere would carry the tenant's keys and users' emails readable on the way).
 */
function checkedBaseUrl(baseUrl: string, where: string): string {
    let url: URL;
    try {
        url = new URL(baseUrl);
    } catch {
        // Never echo a value that might hold userinfo.
        const shown = baseUrl.includes("@") ? "a value that is not a URL" : JSON.stringify(baseUrl);
        throw new ConfigError(`${where}baseUrl must be an absolute URL such as https://api.example.com, got ${shown}`);
    }
    // Before anything that repeats the URL: a password in it must not reach a message.
    if (url.username || url.password) {
        throw new ConfigError(`${where}baseUrl must not carry credentials in the URL; set them as config secrets`);
    }
    if (url.protocol === "http:" && !isLoopback(url.hostname)) {
        throw new ConfigError(
            `${where}baseUrl ${JSON.stringify(baseUrl)} uses plain http:// to a host that is not this machine: ` +
                `credentials and emails would cross the network unencrypted. Use https://${url.host}${url.pathname.replace(/\/+$/, "")} ` +
                `(plain http:// is accepted for loopback hosts only, such as the emulator on 127.0.0.1).`,
        );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new ConfigError(`${where}baseUrl must use https:// (or http:// to loopback), got ${JSON.stringify(url.protocol)}`);
    }
    return baseUrl.replace(/\/+$/, "");
}

/**
 * Builds one connection. `where` names it in messages (`tenant-users:` for the default one,
 * `tenant-users:connections.acme.` for a named one). Only the default connection falls back on the
 * vendors' environment variables: a named connection is another tenant, and borrowing whatever keys
 * the shell holds would write to the wrong tenant (or to LIVE). Missing credentials are reported when
 * a resource uses the connection, so a program that only uses named connections needs no default one.
 */
function connectionFrom(raw: Record<string, unknown>, where: string, env: NodeJS.ProcessEnv | undefined): Connection {
    const dialect = raw.dialect;
    if (!isDialect(dialect)) {
        throw new ConfigError(
            `${where}dialect must be one of ${DIALECTS.join(", ")}${dialect === undefined ? " and is not set" : `, got "${String(dialect)}"`}: ` +
                `pulumi config set ${where}dialect zquence`,
        );
    }
    const d = dialect;
    const baseUrl = typeof raw.baseUrl === "string" && raw.baseUrl !== "" ? raw.baseUrl : VENDOR_BASE_URLS[d];
    if (!baseUrl) throw new ConfigError(`${where}baseUrl is required for the ${d} dialect: pulumi config set ${where}baseUrl https://…`);
    const conn: Connection = { dialect: d, baseUrl: checkedBaseUrl(baseUrl, where) };
    for (const k of CREDENTIAL_KEYS) {
        const envName = CREDENTIAL_ENV[d][k];
        const value = typeof raw[k] === "string" && raw[k] !== "" ? (raw[k] as string) : env && envName ? env[envName] : undefined;
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
            if (name === DEFAULT_CONNECTION) {
                // It would silently stand in for the top-level connection that resources without `connection` use.
                throw new ConfigError(
                    `${NAMESPACE}:connections.${DEFAULT_CONNECTION} is reserved for the default connection (tenant-users:dialect, baseUrl and keys); give it another name`,
                );
            }
            if (typeof raw !== "object" || raw === null) throw new ConfigError(`${NAMESPACE}:connections.${name} must be an object`);
            connections.set(name, connectionFrom(raw as Record<string, unknown>, `${NAMESPACE}:connections.${name}.`, undefined));
        }
    }
    const logEmails = get("logEmails") ?? "full";
    if (!EMAIL_LOGGING.includes(logEmails as EmailLogging)) {
        throw new ConfigError(`${NAMESPACE}:logEmails must be one of ${EMAIL_LOGGING.join(", ")}, got ${JSON.stringify(logEmails)}`);
    }
    const acceptLiveTarget = get("acceptLiveTarget");
    const strict = get("strictOwnership") ?? "false";
    if (strict !== "true" && strict !== "false")
        throw new ConfigError(`${NAMESPACE}:strictOwnership must be true or false, got ${JSON.stringify(strict)}`);
    return {
        connections,
        logEmails: logEmails as EmailLogging,
        strictOwnership: strict === "true",
        ...(acceptLiveTarget ? { acceptLiveTarget } : {}),
        batchWindowMs: positiveInt(source, "batchWindowMs", DEFAULT_BATCH_WINDOW_MS),
        batchMaxWaitMs: positiveInt(source, "batchMaxWaitMs", DEFAULT_BATCH_MAX_WAIT_MS),
        maxAttempts: positiveInt(source, "maxAttempts", DEFAULT_MAX_ATTEMPTS),
        requestTimeoutMs: positiveInt(source, "requestTimeoutMs", DEFAULT_REQUEST_TIMEOUT_MS),
    };
}

/** The README's configuration table, generated from CONFIG_KEYS (a test keeps the README equal to it). */
export function renderConfigTable(): string {
    const rows = CONFIG_KEYS.map(
        (k) =>
            `| \`${NAMESPACE}:${k.key}\` | ${
                k.env
                    ? k.env
                          .split(" / ")
                          .map((e) => `\`${e}\``)
                          .join(", ")
                    : "—"
            } | ${k.secret ? "yes" : "no"} | ${k.default} | ${k.meaning} |`,
    );
    return ["| key | environment variable | secret | default | meaning |", "|---|---|---|---|---|", ...rows].join("\n");
}
