/** A small typed client of the control API (on the built-in fetch), for tests, benchmarks and the demo. */
import type {
    CreateTenantRequest,
    Dialect,
    FaultInfo,
    FaultSpec,
    InsertUser,
    InsertUsersResult,
    TenantsApiTenant,
    Mode,
    ProjectsTenant,
    RateLimitSettings,
    RequestCounts,
    StoredUser,
    TenantInfo,
    WebhookDelivery,
} from "./types";

export const DEFAULT_CONTROL_TOKEN = "emulator-control";

/** Raised when the control API answers with a non-2xx status. */
export class EmulatorControlError extends Error {
    override readonly name = "EmulatorControlError";
    constructor(
        readonly status: number,
        readonly code: string,
        message: string,
    ) {
        super(`${status} ${code}: ${message}`);
    }
}

export type TenantOptions = Omit<CreateTenantRequest, "dialect">;

export class EmulatorControl {
    private readonly base: string;

    /** `url` is the emulator's root URL (what `startEmulator` returns). */
    constructor(
        url: string,
        private readonly token: string = DEFAULT_CONTROL_TOKEN,
    ) {
        this.base = `${url.replace(/\/+$/, "")}/_emulator`;
    }

    private async call<T>(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<T> {
        const headers: Record<string, string> = { "x-emulator-control": this.token };
        if (body !== undefined) headers["content-type"] = "application/json";
        const res = await fetch(`${this.base}${path}`, {
            method,
            headers,
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        const json = text === "" ? undefined : (JSON.parse(text) as unknown);
        if (res.status >= 300) {
            const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
            throw new EmulatorControlError(res.status, err?.code ?? "unknown", err?.message ?? text);
        }
        return json as T;
    }

    createTenant(dialect: "projects", opts?: TenantOptions): Promise<ProjectsTenant>;
    createTenant(dialect: "zquence" | "geldstuck", opts?: TenantOptions): Promise<TenantsApiTenant>;
    createTenant(dialect: Dialect, opts?: TenantOptions): Promise<TenantsApiTenant | ProjectsTenant>;
    createTenant(dialect: Dialect, opts: TenantOptions = {}): Promise<TenantsApiTenant | ProjectsTenant> {
        return this.call("POST", "/tenants", { dialect, ...opts });
    }

    tenant(tenantId: string): Promise<TenantInfo> {
        return this.call("GET", `/tenants/${encodeURIComponent(tenantId)}`);
    }

    async users(tenantId: string, mode?: Mode): Promise<StoredUser[]> {
        const q = mode === undefined ? "" : `?mode=${mode}`;
        return (await this.call<{ users: StoredUser[] }>("GET", `/tenants/${encodeURIComponent(tenantId)}/users${q}`)).users;
    }

    insertUsers(tenantId: string, users: InsertUser[], mode?: Mode): Promise<InsertUsersResult> {
        return this.call("POST", `/tenants/${encodeURIComponent(tenantId)}/users`, mode === undefined ? { users } : { users, mode });
    }

    requests(tenantId: string): Promise<RequestCounts> {
        return this.call("GET", `/tenants/${encodeURIComponent(tenantId)}/requests`);
    }

    async setRateLimit(tenantId: string, settings: RateLimitSettings | null): Promise<void> {
        await this.call("PUT", `/tenants/${encodeURIComponent(tenantId)}/rate-limit`, settings);
    }

    async setWebhook(tenantId: string, url: string | null): Promise<void> {
        await this.call("PUT", `/tenants/${encodeURIComponent(tenantId)}/webhook`, { url });
    }

    async webhooks(tenantId?: string): Promise<WebhookDelivery[]> {
        const q = tenantId === undefined ? "" : `?tenantId=${encodeURIComponent(tenantId)}`;
        return (await this.call<{ deliveries: WebhookDelivery[] }>("GET", `/webhooks${q}`)).deliveries;
    }

    async addFault(spec: FaultSpec): Promise<string> {
        return (await this.call<{ faultId: string }>("POST", "/faults", spec)).faultId;
    }

    async faults(): Promise<FaultInfo[]> {
        return (await this.call<{ faults: FaultInfo[] }>("GET", "/faults")).faults;
    }

    async clearFaults(): Promise<number> {
        return (await this.call<{ cleared: number }>("DELETE", "/faults")).cleared;
    }

    async reset(): Promise<void> {
        await this.call("POST", "/reset", {});
    }

    async health(): Promise<boolean> {
        return (await this.call<{ ok: boolean }>("GET", "/health")).ok;
    }
}
