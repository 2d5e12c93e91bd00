/** Tenant creation, the demo tenants, and the tenant views of the control API. */
import type { Store, TenantRow } from "./db";
import { credentialsFor, projectsKeys, tenantId, webhookSecret } from "./ids";
import type { CreatedTenant, Dialect, RateLimitSettings, TenantInfo } from "./types";

/** Geldstuck's documented default; Zquence and projects have none unless configured. */
export const DEFAULT_RATE_LIMITS: Record<Dialect, Required<RateLimitSettings> | null> = {
    zquence: null,
    geldstuck: { requestsPerSecond: 20, burst: 40, retryAfter: "seconds" },
    projects: null,
};

/** Fixed so that examples and docs can quote it. */
export const DEMO_WEBHOOK_SECRET = "whsec_dGVuYW50LXVzZXJzLWVtdWxhdG9yIGRlbW8gc2VjcmV0";

export const DEMO_TENANTS = {
    zquence: { tenantId: "ten_demo_zquence", apiKey: "zq_pk_demo", apiSecret: "zq_sk_demo", webhookSecret: DEMO_WEBHOOK_SECRET },
    geldstuck: { tenantId: "ten_demo_geldstuck", apiKey: "gs_pk_demo", apiSecret: "gs_sk_demo", webhookSecret: DEMO_WEBHOOK_SECRET },
    projects: { tenantId: "ten_demo_projects", testSecretKey: "sk_test_demo", liveSecretKey: "sk_live_demo" },
} as const;

export interface NewTenantOptions {
    rateLimit?: RateLimitSettings | null;
    webhookUrl?: string | null;
}

function normalizeRateLimit(dialect: Dialect, rl: RateLimitSettings | null | undefined): Required<RateLimitSettings> | null {
    if (rl === undefined) return DEFAULT_RATE_LIMITS[dialect];
    if (rl === null) return null;
    return { requestsPerSecond: rl.requestsPerSecond, burst: rl.burst, retryAfter: rl.retryAfter ?? "seconds" };
}

/** Creates a tenant with fresh random credentials. */
export function createTenant(store: Store, dialect: Dialect, opts: NewTenantOptions = {}): TenantRow {
    const id = tenantId();
    const rateLimit = normalizeRateLimit(dialect, opts.rateLimit);
    const keyed = dialect === "projects" ? null : credentialsFor(dialect);
    const projects = dialect === "projects" ? projectsKeys() : null;
    store.insertTenant({
        id,
        dialect,
        api_key: keyed?.apiKey ?? null,
        api_secret: keyed?.apiSecret ?? null,
        test_key: projects?.testSecretKey ?? null,
        live_key: projects?.liveSecretKey ?? null,
        webhook_secret: keyed ? webhookSecret() : null,
        webhook_url: dialect === "projects" ? null : (opts.webhookUrl ?? null),
        rate_limit: rateLimit === null ? null : JSON.stringify(rateLimit),
        demo: 0,
        created_at: new Date().toISOString(),
    });
    return store.tenantById(id)!;
}

/** Creates the three demo tenants of the README unless they already exist. */
export function seedDemoTenants(store: Store): void {
    const now = new Date().toISOString();
    const common = { webhook_url: null, demo: 1, created_at: now };
    for (const dialect of ["zquence", "geldstuck"] as const) {
        const d = DEMO_TENANTS[dialect];
        const rl = DEFAULT_RATE_LIMITS[dialect];
        store.insertTenant({
            ...common,
            id: d.tenantId,
            dialect,
            api_key: d.apiKey,
            api_secret: d.apiSecret,
            test_key: null,
            live_key: null,
            webhook_secret: d.webhookSecret,
            rate_limit: rl === null ? null : JSON.stringify(rl),
        });
    }
    const p = DEMO_TENANTS.projects;
    store.insertTenant({
        ...common,
        id: p.tenantId,
        dialect: "projects",
        api_key: null,
        api_secret: null,
        test_key: p.testSecretKey,
        live_key: p.liveSecretKey,
        webhook_secret: null,
        rate_limit: null,
    });
}

export function tenantRateLimit(t: TenantRow): Required<RateLimitSettings> | null {
    return t.rate_limit === null ? null : (JSON.parse(t.rate_limit) as Required<RateLimitSettings>);
}

/** The body of `POST /_emulator/tenants`. */
export function tenantCredentials(t: TenantRow, baseUrl: string): CreatedTenant {
    const common = { tenantId: t.id, baseUrl: `${baseUrl}/${t.dialect}` };
    if (t.dialect === "projects") {
        return { ...common, dialect: "projects", testSecretKey: t.test_key!, liveSecretKey: t.live_key! };
    }
    return { ...common, dialect: t.dialect, apiKey: t.api_key!, apiSecret: t.api_secret!, webhookSecret: t.webhook_secret! };
}

/** The body of `GET /_emulator/tenants/:tenantId`. */
export function tenantInfo(t: TenantRow, baseUrl: string): TenantInfo {
    return { ...tenantCredentials(t, baseUrl), rateLimit: tenantRateLimit(t), webhookUrl: t.webhook_url, demo: t.demo === 1 };
}
