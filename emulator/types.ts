/** Shapes of the emulator's control API, shared by the server and `EmulatorControl`. */

export type Dialect = "zquence" | "geldstuck" | "projects";
export const DIALECTS: readonly Dialect[] = ["zquence", "geldstuck", "projects"];

/** `test`/`live` for projects users; Zquence and Geldstuck users have no mode. */
export type Mode = "test" | "live";

export type RetryAfterForm = "seconds" | "date";

/** A token bucket per API key. */
export interface RateLimitSettings {
    requestsPerSecond: number;
    burst: number;
    /** @default "seconds" */
    retryAfter?: RetryAfterForm;
}

export interface CreateTenantRequest {
    dialect: Dialect;
    /** Omitted: the dialect's default (Geldstuck 20 rps burst 40, others off). `null`: off. */
    rateLimit?: RateLimitSettings | null;
    /** Zquence/Geldstuck only: where `tenant.users.invite` events are POSTed. */
    webhookUrl?: string | null;
}

interface TenantCommon {
    tenantId: string;
    dialect: Dialect;
    /** `{url}/zquence`, `{url}/geldstuck` or `{url}/projects`. */
    baseUrl: string;
}

/** Zquence and Geldstuck credentials. */
export interface TenantsApiTenant extends TenantCommon {
    dialect: "zquence" | "geldstuck";
    apiKey: string;
    apiSecret: string;
    webhookSecret: string;
}

/** projects credentials, one secret key per mode. */
export interface ProjectsTenant extends TenantCommon {
    dialect: "projects";
    testSecretKey: string;
    liveSecretKey: string;
}

export type CreatedTenant = TenantsApiTenant | ProjectsTenant;

/** `GET /_emulator/tenants/:id`: the credentials plus the current settings. */
export type TenantInfo = CreatedTenant & {
    rateLimit: Required<RateLimitSettings> | null;
    webhookUrl: string | null;
    demo: boolean;
};

/** A stored user as the control API lists it. */
export interface StoredUser {
    id: string;
    email: string;
    name: string | null;
    /** Zquence only. */
    phone?: string | null;
    /** projects only. */
    country?: string | null;
    /** projects only. */
    mode?: Mode;
    created_at: string;
}

/** A user to insert directly through the control API (adoption scenarios). */
export interface InsertUser {
    email: string;
    name?: string | null;
    phone?: string | null;
    country?: string | null;
}

export interface InsertUsersResult {
    inserted: number;
    skipped: number;
    users: StoredUser[];
}

export interface RequestCounts {
    total: number;
    byRoute: Record<string, number>;
}

export interface WebhookDelivery {
    id: string;
    tenantId: string;
    type: "tenant.users.invite";
    attempts: number;
    delivered: boolean;
    lastStatus: number | null;
    payload: WebhookPayload;
}

export interface WebhookPayload {
    type: "tenant.users.invite";
    timestamp: string;
    data: {
        tenant_id: string;
        user: { id: string; email: string; name: string | null; phone?: string | null };
    };
}

export type FaultOutcome = "ok" | "429" | "500" | "503" | "drop-before" | "drop-after-commit";
export const FAULT_OUTCOMES: readonly FaultOutcome[] = ["ok", "429", "500", "503", "drop-before", "drop-after-commit"];

export interface FaultSpec {
    /** e.g. `"POST /v1/tenants/add-user-bulk"`; omitted: every route. */
    route?: string;
    dialect?: Dialect;
    tenantId?: string;
    /** One entry consumed per matching request; when exhausted the fault is spent. */
    sequence?: FaultOutcome[];
    /** Probability per outcome (sum ≤ 1); the rest is `ok`. Drawn from a PRNG seeded with `seed`. */
    probabilities?: Partial<Record<Exclude<FaultOutcome, "ok">, number>>;
    /** @default 1 */
    seed?: number;
    latencyMs?: number;
    /** Form of Retry-After on injected 429s. @default "seconds" */
    retryAfter?: RetryAfterForm;
    /** Wait announced by injected 429s. @default 1 */
    retryAfterSeconds?: number;
}

export interface FaultInfo extends FaultSpec {
    faultId: string;
    /** Entries of `sequence` not consumed yet. */
    remaining: number | null;
    /** Requests this fault has matched so far. */
    matched: number;
}
