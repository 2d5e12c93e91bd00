/**
 * The control API under `/_emulator`: tenants, direct user inserts, request
 * counts, rate limits, webhooks, faults, reset. Not counted, not rate
 * limited, never faulted. Requires `x-emulator-control: <token>`.
 */
import type { FastifyPluginCallback, FastifyRequest } from "fastify";
import { z } from "zod";
import type { EmulatorContext } from "../context";
import { modeCode, type TenantRow } from "../db";
import { EmulatorError, Errors } from "../errors";
import { ALL_TENANT_ROUTES } from "../faults";
import { userId } from "../ids";
import { authenticate, sendError } from "../pipeline";
import { createTenant, seedDemoTenants, tenantCredentials, tenantInfo } from "../tenants";
import { DIALECTS, type FaultSpec, type InsertUsersResult, type StoredUser } from "../types";
import { checkTenantsApiUser, checkProjectsEmail, checkProjectsRest } from "../validation";
import { deliveryView } from "../webhooks";
import { projectsUserView } from "./projects";
import { tenantsApiUserView } from "./tenants-api";

export const CONTROL_HEADER = "x-emulator-control";

const dialect = z.enum(["zquence", "geldstuck", "projects"]);
const mode = z.enum(["test", "live"]);
const retryAfter = z.enum(["seconds", "date"]);
const httpUrl = z.url({ protocol: /^https?$/ });
const rateLimit = z.strictObject({
    requestsPerSecond: z.number().positive().max(1_000_000),
    burst: z.number().int().min(1).max(1_000_000),
    retryAfter: retryAfter.optional(),
});
const createTenantBody = z.strictObject({
    dialect,
    rateLimit: rateLimit.nullable().optional(),
    webhookUrl: httpUrl.nullable().optional(),
});
const insertUsersBody = z.strictObject({
    users: z.array(z.unknown()).max(10_000),
    mode: mode.optional(),
});
const probability = z.number().min(0).max(1);
const faultBody = z.strictObject({
    route: z
        .string()
        .refine((r) => ALL_TENANT_ROUTES.includes(r), { message: `route must be one of ${ALL_TENANT_ROUTES.join(", ")}` })
        .optional(),
    dialect: dialect.optional(),
    tenantId: z.string().min(1).optional(),
    sequence: z
        .array(z.enum(["ok", "429", "500", "503", "drop-before", "drop-after-commit"]))
        .max(100_000)
        .optional(),
    probabilities: z
        .strictObject({
            "429": probability,
            "500": probability,
            "503": probability,
            "drop-before": probability,
            "drop-after-commit": probability,
        })
        .partial()
        .refine((p) => Object.values(p).reduce((a, b) => a + (b ?? 0), 0) <= 1 + 1e-9, { message: "probabilities must sum to at most 1" })
        .optional(),
    seed: z.number().int().optional(),
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    retryAfter: retryAfter.optional(),
    retryAfterSeconds: z.number().int().min(0).max(86_400).optional(),
});

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
    const r = schema.safeParse(body);
    if (r.success) return r.data;
    const issue = r.error.issues[0]!;
    const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    throw new EmulatorError(Errors.invalidControlRequest, { detail: `${where}${issue.message}` });
}

export function controlRoutes(ctx: EmulatorContext): FastifyPluginCallback {
    return (app, _opts, done) => {
        const tenantOf = (req: FastifyRequest): TenantRow => {
            const t = ctx.store.tenantById((req.params as { tenantId: string }).tenantId);
            if (t === undefined) throw new EmulatorError(Errors.tenantNotFound);
            return t;
        };

        app.get("/health", async () => ({ ok: true }));

        app.register((scope, _o, next) => {
            scope.addHook("onRequest", async (req, reply) => {
                // A web page whose name was rebound to 127.0.0.1 reaches this port with its own Host:
                // on loopback, the control API (keys, reset, webhook URLs) answers loopback names only.
                if (isLoopbackHost(new URL(ctx.url()).hostname) && !isLoopbackHost(hostnameOf(req.headers.host))) {
                    return sendError(reply, Errors.controlHostRefused);
                }
                if (req.headers[CONTROL_HEADER] === ctx.controlToken) return undefined;
                const tenantKey = DIALECTS.some((d) => authenticate(ctx, d, req.headers) !== null);
                return sendError(reply, tenantKey ? Errors.controlForbidden : Errors.controlUnauthorized);
            });

            scope.post("/tenants", async (req, reply) => {
                const body = parse(createTenantBody, req.body);
                const t = createTenant(ctx.store, body.dialect, { rateLimit: body.rateLimit, webhookUrl: body.webhookUrl });
                return reply.code(201).send(tenantCredentials(t, ctx.url()));
            });

            scope.get("/tenants/:tenantId", async (req) => tenantInfo(tenantOf(req), ctx.url()));

            scope.get("/tenants/:tenantId/users", async (req) => {
                const t = tenantOf(req);
                const q = parse(z.object({ mode: mode.optional() }), req.query);
                const rows = ctx.store.listUsers(t.seq, t.dialect === "projects" && q.mode ? modeCode(q.mode) : undefined);
                const users: StoredUser[] = rows.map((r) =>
                    t.dialect === "projects" ? projectsUserView(r) : tenantsApiUserView(r, t.dialect),
                );
                return { users };
            });

            scope.post("/tenants/:tenantId/users", async (req, reply) => {
                const t = tenantOf(req);
                const body = parse(insertUsersBody, req.body);
                const code = t.dialect === "projects" ? modeCode(body.mode ?? "test") : 0;
                const createdAt = new Date(ctx.clock()).toISOString();
                const result: InsertUsersResult = { inserted: 0, skipped: 0, users: [] };
                ctx.store.tx(() => {
                    body.users.forEach((input, i) => {
                        const user = validUser(t, input, i);
                        const seq = ctx.store.insertUser(t.seq, code, user, createdAt);
                        if (seq === null) {
                            result.skipped++;
                            return;
                        }
                        result.inserted++;
                        const row = { ...user, seq, tenant: t.seq, mode: code, created_at: createdAt };
                        result.users.push(t.dialect === "projects" ? projectsUserView(row) : tenantsApiUserView(row, t.dialect));
                    });
                });
                return reply.code(201).send(result);
            });

            scope.get("/tenants/:tenantId/requests", async (req) => ctx.counters.get(tenantOf(req).id));

            scope.put("/tenants/:tenantId/rate-limit", async (req) => {
                const t = tenantOf(req);
                const rl = parse(rateLimit.nullable(), req.body);
                const settings = rl === null ? null : { ...rl, retryAfter: rl.retryAfter ?? ("seconds" as const) };
                ctx.store.setRateLimit(t.seq, settings);
                ctx.limiter.forget(`${t.id}:`);
                return { tenantId: t.id, rateLimit: settings };
            });

            scope.put("/tenants/:tenantId/webhook", async (req) => {
                const t = tenantOf(req);
                const { url } = parse(z.strictObject({ url: httpUrl.nullable() }), req.body);
                ctx.store.setWebhookUrl(t.seq, url, Date.now());
                ctx.webhooks.kick();
                return { tenantId: t.id, webhookUrl: url };
            });

            scope.get("/webhooks", async (req) => {
                const q = parse(z.object({ tenantId: z.string().optional() }), req.query);
                let seq: number | undefined;
                if (q.tenantId !== undefined) {
                    const t = ctx.store.tenantById(q.tenantId);
                    if (t === undefined) throw new EmulatorError(Errors.tenantNotFound);
                    seq = t.seq;
                }
                return { deliveries: ctx.store.deliveries(seq).map(deliveryView) };
            });

            scope.post("/faults", async (req, reply) => {
                const spec = parse(faultBody, req.body) as FaultSpec;
                return reply.code(201).send({ faultId: ctx.faults.add(spec) });
            });
            scope.get("/faults", async () => ({ faults: ctx.faults.list() }));
            scope.delete("/faults", async () => ({ cleared: ctx.faults.clear() }));
            scope.delete("/faults/:faultId", async (req) => ({
                cleared: ctx.faults.remove((req.params as { faultId: string }).faultId) ? 1 : 0,
            }));

            scope.post("/reset", async () => {
                ctx.store.wipe();
                if (ctx.seed) seedDemoTenants(ctx.store);
                ctx.faults.clear();
                ctx.counters.clear();
                ctx.limiter.forget();
                return { ok: true };
            });
            next();
        });
        done();
    };
}

/** Direct inserts follow the dialect's field rules too; a bad row rejects the whole call. */
function validUser(t: TenantRow, input: unknown, index: number) {
    const invalid = (why: string): never => {
        throw new EmulatorError(Errors.invalidControlRequest, { detail: `users.${index}: ${why}` });
    };
    if (t.dialect === "projects") {
        const e = checkProjectsEmail(input);
        if (!e.ok) return invalid(e.reason);
        const rest = checkProjectsRest(input as Record<string, unknown>, e.email);
        if (!rest.ok) return invalid(rest.reason);
        return { id: userId(), ...rest.user, phone: null };
    }
    const c = checkTenantsApiUser(input, t.dialect === "zquence");
    if (!c.ok) return invalid(c.rowError);
    return { id: userId(), ...c.user, country: null };
}

/**
 * `127.0.0.1`, `[::1]` or `localhost`: this machine, by literal address or its reserved name. The
 * provider's `isLoopback` says the same, but the emulator imports nothing from the provider (the
 * two must not be able to agree by sharing a bug).
 */
function isLoopbackHost(hostname: string): boolean {
    const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
    return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The host name of a Host header, without its port (none: an empty name, which is not loopback). */
function hostnameOf(header: string | undefined): string {
    try {
        return header ? new URL(`http://${header}`).hostname : "";
    } catch {
        return "";
    }
}
