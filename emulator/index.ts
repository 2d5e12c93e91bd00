/**
 * The tenant-users emulator: Zquence, Geldstuck and the projects API on a
 * local server backed by `node:sqlite`. See ./README.md for the contract.
 */
import type { AddressInfo } from "node:net";
import { RequestCounters, type EmulatorContext } from "./context";
import { DEFAULT_CONTROL_TOKEN } from "./control-client";
import { Store } from "./db";
import { FaultRegistry } from "./faults";
import { IDEMPOTENCY_TTL_MS } from "./idempotency";
import { RateLimiter } from "./rate-limit";
import { buildServer } from "./server";
import { seedDemoTenants } from "./tenants";
import { WebhookDispatcher } from "./webhooks";

export { EmulatorControl, EmulatorControlError, DEFAULT_CONTROL_TOKEN } from "./control-client";
export type { TenantOptions } from "./control-client";
export { DEMO_TENANTS, DEMO_WEBHOOK_SECRET, DEFAULT_RATE_LIMITS } from "./tenants";
export { Errors, BulkRowErrors, ProjectsReasons } from "./errors";
export type { ErrorCode, ErrorBody, BulkRowError, ProjectsInvalidReason } from "./errors";
export { TENANT_ROUTES } from "./faults";
export * from "./types";

export interface StartEmulatorOptions {
    /** Port to listen on; 0 picks a free one. @default 0 */
    port?: number;
    /** @default "127.0.0.1" */
    host?: string;
    /** SQLite database file (its folder is created), or ":memory:". @default ":memory:" */
    dbPath?: string;
    /** Create the demo tenants of the README if they are missing. @default true */
    seed?: boolean;
    /** Value expected in `x-emulator-control`. @default "emulator-control" */
    controlToken?: string;
    /** Log each request (pino, to stdout). @default false */
    log?: boolean;
    /** Clock in ms since the epoch, for idempotency expiry and rate limits. @default Date.now */
    clock?: () => number;
}

export interface RunningEmulator {
    /** Root URL, e.g. `http://127.0.0.1:4010`; dialects live under `/zquence`, `/geldstuck`, `/projects`. */
    url: string;
    controlToken: string;
    dbPath: string;
    /** Stops the server and webhook deliveries, then closes the database. Idempotent. */
    close(): Promise<void>;
}

const CHECKPOINT_EVERY_MS = 5_000;

export async function startEmulator(opts: StartEmulatorOptions = {}): Promise<RunningEmulator> {
    const host = opts.host ?? "127.0.0.1";
    const dbPath = opts.dbPath ?? ":memory:";
    const controlToken = opts.controlToken ?? DEFAULT_CONTROL_TOKEN;
    const clock = opts.clock ?? Date.now;
    const seed = opts.seed ?? true;
    const store = new Store(dbPath);
    let url = "";
    try {
        if (seed) seedDemoTenants(store);
        store.expireIdempotency(clock() - IDEMPOTENCY_TTL_MS);
    } catch (error) {
        store.close();
        throw error;
    }
    const shutdown = new AbortController();
    const ctx: EmulatorContext = {
        store,
        faults: new FaultRegistry(),
        limiter: new RateLimiter(),
        webhooks: new WebhookDispatcher(store),
        counters: new RequestCounters(),
        idempotencyInFlight: new Set(),
        clock,
        controlToken,
        seed,
        closing: shutdown.signal,
        url: () => url,
    };
    const app = buildServer(ctx, opts.log ?? false);
    try {
        await app.listen({ port: opts.port ?? 0, host });
    } catch (error) {
        await ctx.webhooks.stop();
        store.close();
        throw error;
    }
    const { port } = app.server.address() as AddressInfo;
    url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    ctx.webhooks.kick(); // events left undelivered by a previous run
    const checkpoints = setInterval(() => {
        try {
            store.checkpoint();
        } catch {
            // busy: next time
        }
    }, CHECKPOINT_EVERY_MS);
    checkpoints.unref();

    let closing: Promise<void> | null = null;
    return {
        url,
        controlToken,
        dbPath,
        close: () => {
            closing ??= (async () => {
                clearInterval(checkpoints);
                shutdown.abort();
                await ctx.webhooks.stop();
                await app.close();
                store.close();
            })();
            return closing;
        },
    };
}
