/**
 * The projects API (seed 002): `POST /v1/users`, 1 to 1,000 users per
 * request, unique per project and mode (TEST/LIVE keys write separate sets).
 */
import type { FastifyPluginCallback } from "fastify";
import type { EmulatorContext } from "../context";
import { modeCode, modeName, type UserRow } from "../db";
import { errorBody, Errors, ProjectsReasons, type ErrorDef, type ProjectsInvalidReason } from "../errors";
import { TENANT_ROUTES } from "../faults";
import { userId } from "../ids";
import { faultLatency, finish, tenantGate } from "../pipeline";
import type { Mode } from "../types";
import { checkProjectsEmail, checkProjectsRest, emailAsSent, isPlainObject, MAX_PROJECTS_BATCH } from "../validation";

export interface ProjectsUserView {
    id: string;
    email: string;
    name: string | null;
    country: string | null;
    mode: Mode;
    created_at: string;
}

export type ProjectsIssue =
    | { index: number; email: string | null; status: "already_exists"; user: ProjectsUserView }
    | { index: number; email: string | null; status: "invalid"; reason: ProjectsInvalidReason };

export interface ProjectsResponse {
    data: { created: ProjectsUserView[]; issues: ProjectsIssue[] };
    summary: { requested: number; created: number; already_exists: number; invalid: number };
}

export function projectsUserView(row: UserRow): ProjectsUserView {
    return {
        id: row.id,
        email: row.email,
        name: row.name,
        country: row.country,
        mode: modeName(row.mode) ?? "test",
        created_at: row.created_at,
    };
}

/** The five documented 400s, in the order they are checked. */
function batchError(body: unknown): ErrorDef | null {
    if (body === undefined || body === null) return Errors.missingBody;
    if (!isPlainObject(body) || !Array.isArray(body.users)) return Errors.invalidFormat;
    const users = body.users as unknown[];
    if (users.length === 0) return Errors.emptyArray;
    if (users.length > MAX_PROJECTS_BATCH) return Errors.tooManyUsers;
    return null;
}

export function projectsRoutes(ctx: EmulatorContext): FastifyPluginCallback {
    return (app, _opts, done) => {
        app.post(
            "/v1/users",
            { config: { dialect: "projects", route: TENANT_ROUTES.projectsUsers }, onRequest: tenantGate(ctx) },
            async (req, reply) => {
                const tenant = req.tenant!;
                const mode = req.mode ?? "test";
                const code = modeCode(mode);
                await faultLatency(ctx, req);
                const invalid = batchError(req.body);
                if (invalid !== null) return finish(req, reply, invalid.status, errorBody(invalid, req.id));
                const users = (req.body as { users: unknown[] }).users;
                const createdAt = new Date(ctx.clock()).toISOString();
                const response: ProjectsResponse = {
                    data: { created: [], issues: [] },
                    summary: { requested: users.length, created: 0, already_exists: 0, invalid: 0 },
                };
                const { created, issues } = response.data;
                const invalidIssue = (index: number, reason: ProjectsInvalidReason): void => {
                    issues.push({ index, email: emailAsSent(users[index]), status: "invalid", reason });
                    response.summary.invalid++;
                };
                ctx.store.tx(() => {
                    const claimed = new Set<string>();
                    for (let index = 0; index < users.length; index++) {
                        const input = users[index];
                        const emailCheck = checkProjectsEmail(input);
                        if (!emailCheck.ok) {
                            invalidIssue(index, emailCheck.reason);
                            continue;
                        }
                        if (claimed.has(emailCheck.email)) {
                            invalidIssue(index, ProjectsReasons.duplicateInRequest);
                            continue;
                        }
                        claimed.add(emailCheck.email);
                        const check = checkProjectsRest(input as Record<string, unknown>, emailCheck.email);
                        if (!check.ok) {
                            invalidIssue(index, check.reason);
                            continue;
                        }
                        const user = { id: userId(), ...check.user, phone: null };
                        const seq = ctx.store.insertUser(tenant.seq, code, user, createdAt);
                        if (seq === null) {
                            const existing = ctx.store.findUser(tenant.seq, code, user.email)!;
                            issues.push({ index, email: emailAsSent(input), status: "already_exists", user: projectsUserView(existing) });
                            response.summary.already_exists++;
                        } else {
                            created.push({
                                id: user.id,
                                email: user.email,
                                name: user.name,
                                country: user.country,
                                mode,
                                created_at: createdAt,
                            });
                            response.summary.created++;
                        }
                    }
                });
                return finish(req, reply, issues.length === 0 ? 201 : 207, response);
            },
        );
        done();
    };
}
