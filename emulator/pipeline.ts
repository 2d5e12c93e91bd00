/**
 * What happens to a tenant request before its handler, in order:
 * authenticate (401) → count → faults (latency, injected 429/500/503,
 * drop-before) → rate limit (429) → body parsing → handler → drop-after-commit.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import type { EmulatorContext } from "./context";
import type { TenantRow } from "./db";
import { Errors, errorBody, type ErrorDef } from "./errors";
import { retryAfterValue } from "./rate-limit";
import { tenantRateLimit } from "./tenants";
import type { Dialect, Mode } from "./types";

export function sendError(reply: FastifyReply, def: ErrorDef, headers: Record<string, string> = {}, detail?: string): FastifyReply {
    return reply
        .code(def.status)
        .headers(headers)
        .send(errorBody(def, reply.request.id, detail));
}

/** Closes the connection without an answer. */
export function dropConnection(req: FastifyRequest, reply: FastifyReply): FastifyReply {
    reply.hijack();
    req.raw.socket?.destroy();
    return reply;
}

/** Sends the handler's answer, unless a `drop-after-commit` fault swallows it. */
export function finish(req: FastifyRequest, reply: FastifyReply, status: number, body: unknown): FastifyReply {
    if (req.fault?.outcome === "drop-after-commit") return dropConnection(req, reply);
    if (typeof body === "string") reply.type("application/json; charset=utf-8");
    return reply.code(status).send(body);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
}

function sameSecret(a: string, b: string): boolean {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
}

export interface Authenticated {
    tenant: TenantRow;
    mode: Mode | null;
    /** The API key the rate limiter buckets on. */
    key: string;
}

/** Zquence/Geldstuck: `x-api-key` + `x-api-secret`. projects: `Authorization: [Bearer ]sk_test_…|sk_live_…`. */
export function authenticate(ctx: EmulatorContext, dialect: Dialect, headers: IncomingHttpHeaders): Authenticated | null {
    if (dialect === "projects") {
        const raw = header(headers, "authorization")?.trim();
        if (!raw) return null;
        const key = /^bearer\s+/i.test(raw) ? raw.replace(/^bearer\s+/i, "") : raw;
        const found = ctx.store.tenantBySecretKey(key);
        if (found?.tenant.dialect !== "projects") return null;
        return { tenant: found.tenant, mode: found.mode, key };
    }
    const apiKey = header(headers, "x-api-key")?.trim();
    const apiSecret = header(headers, "x-api-secret")?.trim();
    if (!apiKey || !apiSecret) return null;
    const tenant = ctx.store.tenantByApiKey(apiKey);
    if (!tenant || tenant.dialect !== dialect || tenant.api_secret === null) return null;
    if (!sameSecret(apiSecret, tenant.api_secret)) return null;
    return { tenant, mode: null, key: apiKey };
}

/** The onRequest hook of every tenant route. */
export function tenantGate(ctx: EmulatorContext): onRequestAsyncHookHandler {
    return async function gate(req, reply) {
        const { dialect, route } = req.routeOptions.config;
        if (dialect === undefined || route === undefined) throw new Error("tenant route without dialect/route config");
        const auth = authenticate(ctx, dialect, req.headers);
        if (auth === null) return sendError(reply, Errors.unauthorized);
        req.tenant = auth.tenant;
        req.mode = auth.mode;
        ctx.counters.count(auth.tenant.id, route);

        const fault = ctx.faults.decide({ route, dialect, tenantId: auth.tenant.id });
        req.fault = fault;
        if (fault !== null && fault.outcome !== "ok" && fault.outcome !== "drop-after-commit") {
            if (fault.latencyMs > 0) await sleep(fault.latencyMs, undefined, { signal: ctx.closing });
            switch (fault.outcome) {
                case "drop-before":
                    return dropConnection(req, reply);
                case "429":
                    return sendError(reply, Errors.rateLimited, {
                        "retry-after": retryAfterValue(fault.retryAfterSeconds, fault.retryAfter, Date.now()),
                    });
                case "500":
                    return sendError(reply, Errors.internalError);
                case "503":
                    return sendError(reply, Errors.serviceUnavailable);
            }
        }

        const settings = tenantRateLimit(auth.tenant);
        if (settings !== null) {
            const decision = ctx.limiter.take(`${auth.tenant.id}:${auth.key}`, settings, ctx.clock());
            reply.headers(decision.headers);
            if (!decision.allowed) return sendError(reply, Errors.rateLimited);
        }
        return undefined;
    };
}

/** Waits out the fault's latency (for requests that are processed). */
export async function faultLatency(ctx: EmulatorContext, req: FastifyRequest): Promise<void> {
    const ms = req.fault?.latencyMs ?? 0;
    if (ms > 0) await sleep(ms, undefined, { signal: ctx.closing });
}
