/**
 * Zquence (seed 000) and Geldstuck (seed 001): the same two endpoints,
 * parameterised by dialect. Zquence users may carry a phone; Geldstuck
 * ignores `phone` like any unknown field.
 */
import type { FastifyPluginCallback } from "fastify";
import type { EmulatorContext } from "../context";
import type { UserRow } from "../db";
import { errorBody, Errors, type BulkRowError, type ErrorDef } from "../errors";
import { TENANT_ROUTES } from "../faults";
import { beginIdempotent, REPLAYED_HEADER } from "../idempotency";
import { userId } from "../ids";
import { faultLatency, finish, tenantGate } from "../pipeline";
import type { Dialect } from "../types";
import { checkTenantsApiUser, emailAsSent, MAX_ZQ_BULK } from "../validation";

export interface TenantsApiDialect {
    dialect: "zquence" | "geldstuck";
    allowPhone: boolean;
}

export const ZQUENCE: TenantsApiDialect = { dialect: "zquence", allowPhone: true };
export const GELDSTUCK: TenantsApiDialect = { dialect: "geldstuck", allowPhone: false };

export interface TenantsApiUserView {
    id: string;
    name: string | null;
    email: string;
    phone?: string | null;
    created_at: string;
    status?: "created" | "existing";
}

export function tenantsApiUserView(row: UserRow, dialect: Dialect, status?: "created" | "existing"): TenantsApiUserView {
    return {
        id: row.id,
        name: row.name,
        email: row.email,
        ...(dialect === "zquence" ? { phone: row.phone } : {}),
        created_at: row.created_at,
        ...(status !== undefined ? { status } : {}),
    };
}

export interface BulkResult {
    created: number;
    skipped: number;
    failed: { index: number; email: string | null; error: BulkRowError }[];
}

export function tenantsApiRoutes(ctx: EmulatorContext, d: TenantsApiDialect): FastifyPluginCallback {
    return (app, _opts, done) => {
        const gate = tenantGate(ctx);

        app.post(
            "/v1/tenants/add-user",
            { config: { dialect: d.dialect, route: TENANT_ROUTES.addUser }, onRequest: gate },
            async (req, reply) => {
                const tenant = req.tenant!;
                const idem = beginIdempotent(ctx, req);
                if (idem.kind === "replay") {
                    reply.header(REPLAYED_HEADER, "true");
                    return finish(req, reply, idem.status, idem.body);
                }
                try {
                    await faultLatency(ctx, req);
                    const check = checkTenantsApiUser(req.body, d.allowPhone);
                    if (!check.ok) return finish(req, reply, check.error.status, errorBody(check.error, req.id));
                    const { email, name, phone } = check.user;
                    const now = ctx.clock();
                    const createdAt = new Date(now).toISOString();
                    const result = ctx.store.tx(() => {
                        let status: number;
                        let view: TenantsApiUserView;
                        const existing = ctx.store.findUser(tenant.seq, 0, email);
                        if (existing !== undefined) {
                            status = 200;
                            view = tenantsApiUserView(existing, d.dialect, "existing");
                        } else {
                            const user = { id: userId(), email, name, phone, country: null };
                            const seq = ctx.store.insertUser(tenant.seq, 0, user, createdAt)!;
                            ctx.store.enqueue(seq, tenant.seq, tenant.webhook_url === null ? null : now);
                            status = 201;
                            view = tenantsApiUserView(
                                { ...user, seq, tenant: tenant.seq, mode: 0, created_at: createdAt },
                                d.dialect,
                                "created",
                            );
                        }
                        const body = JSON.stringify(view);
                        if (idem.kind === "fresh") {
                            ctx.store.putIdempotency(tenant.seq, idem.key, {
                                fingerprint: idem.fingerprint,
                                status,
                                body,
                                created_at: now,
                            });
                        }
                        return { status, body };
                    });
                    if (result.status === 201) ctx.webhooks.kick();
                    return finish(req, reply, result.status, result.body);
                } finally {
                    if (idem.kind === "fresh") idem.release();
                }
            },
        );

        app.post(
            "/v1/tenants/add-user-bulk",
            { config: { dialect: d.dialect, route: TENANT_ROUTES.addUserBulk }, onRequest: gate },
            async (req, reply) => {
                const tenant = req.tenant!;
                await faultLatency(ctx, req);
                const rows = req.body;
                const fail = (def: ErrorDef) => finish(req, reply, def.status, errorBody(def, req.id));
                if (!Array.isArray(rows)) return fail(Errors.bodyNotArray);
                if (rows.length === 0) return fail(Errors.bulkEmpty);
                if (rows.length > MAX_ZQ_BULK) return fail(Errors.bulkTooMany);
                const now = ctx.clock();
                const createdAt = new Date(now).toISOString();
                const dueAt = tenant.webhook_url === null ? null : now;
                const result: BulkResult = { created: 0, skipped: 0, failed: [] };
                ctx.store.tx(() => {
                    const before = ctx.store.maxUserSeq();
                    const seen = new Set<string>();
                    for (let index = 0; index < rows.length; index++) {
                        const check = checkTenantsApiUser(rows[index], d.allowPhone);
                        if (!check.ok) {
                            result.failed.push({ index, email: emailAsSent(rows[index]), error: check.rowError });
                            continue;
                        }
                        const { email, name, phone } = check.user;
                        if (seen.has(email)) {
                            result.skipped++;
                            continue;
                        }
                        seen.add(email);
                        const seq = ctx.store.insertUser(tenant.seq, 0, { id: userId(), email, name, phone, country: null }, createdAt);
                        if (seq === null) result.skipped++;
                        else result.created++;
                    }
                    if (result.created > 0) ctx.store.enqueueSince(before, dueAt);
                });
                if (result.created > 0) ctx.webhooks.kick();
                return finish(req, reply, 200, result);
            },
        );

        done();
    };
}
