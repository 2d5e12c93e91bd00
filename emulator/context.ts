/** State shared by the route modules of one running emulator. */
import type { Store, TenantRow } from "./db";
import type { FaultDecision, FaultRegistry } from "./faults";
import type { RateLimiter } from "./rate-limit";
import type { Dialect, Mode, RequestCounts } from "./types";
import type { WebhookDispatcher } from "./webhooks";

declare module "fastify" {
    interface FastifyContextConfig {
        /** Set on tenant routes: which dialect answers and the route as counted and matched by faults. */
        dialect?: Dialect;
        route?: string;
    }
    interface FastifyRequest {
        tenant: TenantRow | null;
        mode: Mode | null;
        fault: FaultDecision | null;
        rawBody: string | undefined;
    }
}

/** Tenant requests per route; in memory, cleared by a reset or a restart. */
export class RequestCounters {
    private readonly byTenant = new Map<string, Map<string, number>>();

    count(tenantId: string, route: string): void {
        let routes = this.byTenant.get(tenantId);
        if (routes === undefined) {
            routes = new Map();
            this.byTenant.set(tenantId, routes);
        }
        routes.set(route, (routes.get(route) ?? 0) + 1);
    }

    get(tenantId: string): RequestCounts {
        const byRoute: Record<string, number> = {};
        let total = 0;
        for (const [route, n] of this.byTenant.get(tenantId) ?? []) {
            byRoute[route] = n;
            total += n;
        }
        return { total, byRoute };
    }

    clear(): void {
        this.byTenant.clear();
    }
}

export interface EmulatorContext {
    store: Store;
    faults: FaultRegistry;
    limiter: RateLimiter;
    webhooks: WebhookDispatcher;
    counters: RequestCounters;
    /** `tenantSeq:key` of add-user requests still running, for 409 `idempotency_key_in_use`. */
    idempotencyInFlight: Set<string>;
    /** Milliseconds since the epoch; replaceable in tests (idempotency expiry, rate limits). */
    clock: () => number;
    controlToken: string;
    /** Whether the demo tenants are (re)created at start and after a reset. */
    seed: boolean;
    /** Aborted when the emulator closes: cuts injected latencies short. */
    closing: AbortSignal;
    /** The emulator's own URL, known once it listens. */
    url: () => string;
}
