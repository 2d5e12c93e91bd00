import type { z } from "zod";
import {
    AuthenticationError,
    ConflictError,
    MalformedResponseError,
    RateLimitError,
    redact,
    type TenantUsersError,
    ValidationError,
    VendorError,
} from "../errors";
import type { ErrorDetails } from "../errors";
import type { HttpResponse } from "../http/client";
import { formatMs } from "../http/retry";
import type { Dialect, NormalizedUser } from "../schema/user";
import { vendorOf } from "./registry";
import type { UserOutcome } from "./types";

/** What a mapping function needs besides the response: who answered, and what to scrub. */
export interface MapContext {
    dialect: Dialect;
    secrets: readonly (string | undefined)[];
}

interface Envelope {
    code?: string;
    message?: string;
    param?: string;
}

/** Reads the common `{"error": {code, message, param}}` envelope leniently. */
export function envelope(body: unknown): Envelope {
    const out: Envelope = {};
    if (typeof body !== "object" || body === null) return out;
    const error = (body as { error?: unknown }).error;
    if (typeof error !== "object" || error === null) return out;
    for (const key of ["code", "message", "param"] as const) {
        const value = (error as Record<string, unknown>)[key];
        if (typeof value === "string") out[key] = value;
    }
    return out;
}

function details(res: HttpResponse, ctx: MapContext, message: string, vendorCode?: string): ErrorDetails {
    const d: ErrorDetails = {
        message,
        status: res.status,
        dialect: ctx.dialect,
        endpoint: res.endpoint,
        attempts: res.attempts,
        secrets: ctx.secrets,
    };
    if (res.requestId !== undefined) d.requestId = res.requestId;
    if (vendorCode !== undefined) d.vendorCode = vendorCode;
    if (res.ambiguousRetry) d.afterLostAttempt = true;
    return d;
}

function snippet(text: string, ctx: MapContext): string {
    const flat = redact(text, ctx.secrets).replace(/\s+/g, " ").trim();
    return JSON.stringify(flat.length > 80 ? `${flat.slice(0, 80)}…` : flat);
}

/** The body was not JSON: say so, show its start, and why parsing failed. */
export function malformed(res: HttpResponse, ctx: MapContext, problem: string): MalformedResponseError {
    // The endpoint and status follow in the message's [facts] suffix.
    return new MalformedResponseError(details(res, ctx, `${ctx.dialect} sent an answer we cannot use: ${problem}`));
}

/** Any 2xx: where a seed says "successful" it names no status, so none is assumed. */
export const isSuccess = (status: number): boolean => status >= 200 && status < 300;

/** A success answer read so far, or what kept us from reading it. */
export type Read<T> = { ok: true; data: T } | { ok: false; problem: string };

/** Checks a success body against a zod schema without throwing; a mismatch names the fields at fault. */
export function readShape<S extends z.ZodType>(schema: S, res: HttpResponse, ctx: MapContext): Read<z.output<S>> {
    if (!res.bodyIsJson) {
        const text = typeof res.body === "string" ? res.body : "";
        return { ok: false, problem: `its body is not JSON (${res.parseError ?? "unparseable"}); it starts ${snippet(text, ctx)}` };
    }
    const parsed = schema.safeParse(res.body);
    if (parsed.success) return { ok: true, data: parsed.data };
    const issues = parsed.error.issues.slice(0, 3).map((i) => {
        const path = i.path
            .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
            .join("")
            .replace(/^\./, "");
        return `${path || "body"}: ${i.message}`;
    });
    const more = parsed.error.issues.length > 3 ? ` (and ${parsed.error.issues.length - 3} more)` : "";
    return { ok: false, problem: `its body has an unexpected shape: ${issues.join("; ")}${more}` };
}

/**
 * The warning on outcomes a success answer could not attribute. The vendor has
 * committed by then, so this is never an error: an error would make the engine
 * forget users that exist. It names no email (personal data) and no credential.
 */
export function answerWarning(res: HttpResponse, ctx: MapContext, problem: string, consequence: string): string {
    const facts = [`${ctx.dialect} ${res.endpoint}`, `HTTP ${res.status}`, res.requestId ? `request ${res.requestId}` : undefined]
        .filter((f) => f !== undefined)
        .join(", ");
    return redact(`${ctx.dialect} accepted the request, but ${problem}; ${consequence} [${facts}]`, ctx.secrets);
}

export const TAKEN_AS_PRESENT = "the user is taken as present (it exists now, created by this call or not)";

/** Vendor fields worth keeping: strings only; nulls and absences become absent keys. */
export function vendorUser(raw: { name?: unknown; phone?: unknown; country?: unknown }): UserOutcome["user"] {
    const user: NonNullable<UserOutcome["user"]> = {};
    if (typeof raw.name === "string") user.name = raw.name;
    if (typeof raw.phone === "string") user.phone = raw.phone;
    if (typeof raw.country === "string") user.country = raw.country;
    return user;
}

export const sentCount = (n: number) => `${n} user${n === 1 ? " was" : "s were"} sent`;

export const sameEmail = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** Callers chunk and de-duplicate; a breach is a bug in the caller, not in the data. */
export function checkBatch(users: NormalizedUser[], maxBatch: number, dialect: Dialect): void {
    if (users.length > maxBatch) throw new RangeError(`${dialect} takes at most ${maxBatch} users per request, got ${users.length}`);
    const seen = new Set<string>();
    for (const u of users) {
        if (seen.has(u.email)) throw new RangeError(`addUsersBulk needs de-duplicated users; ${u.email} appears twice`);
        seen.add(u.email);
    }
}

/**
 * Every non-success status common to the dialects, as a typed error.
 * `requestCodes` lists 400 codes about the request's list (field "users")
 * rather than a bug in how we built the request.
 */
export function errorFromResponse(res: HttpResponse, ctx: MapContext, requestCodes: readonly string[] = []): TenantUsersError {
    const env = res.bodyIsJson ? envelope(res.body) : {};
    const said = env.message
        ? `: ${JSON.stringify(redact(env.message, ctx.secrets).slice(0, 200))}`
        : res.bodyIsJson
          ? ""
          : `: a non-JSON body starting ${snippet(String(res.body ?? ""), ctx)}`;
    const label = (extra = "") => `(${res.status}${env.code ? ` ${env.code}` : ""}${extra}${said})`;
    const retried = res.attempts > 1 ? ` after ${res.attempts} attempts` : "";
    const d = (message: string) => details(res, ctx, message, env.code);
    const who = ctx.dialect;

    if (res.status === 401 || res.status === 403) {
        const what = res.status === 401 ? "refused the credentials" : "does not allow these credentials to do this";
        return new AuthenticationError(d(`${who} ${what} ${label()}; ${vendorOf(who).authHint}`));
    }
    if (res.status === 429) {
        const wait = res.retryAfterMs === undefined ? "" : `, Retry-After ${formatMs(res.retryAfterMs)}`;
        return new RateLimitError({
            ...d(
                `${who} is still rate-limiting${retried} ${label(wait)}; send fewer requests at once (a lower --parallel, or a roster instead of many single users) or try again later`,
            ),
            ...(res.retryAfterMs === undefined ? {} : { retryAfterMs: res.retryAfterMs }),
        });
    }
    if (res.status === 409) {
        return new ConflictError(
            d(
                `${who} is still processing an earlier request with the same Idempotency-Key${retried} ${label()}; run again once it finishes`,
            ),
        );
    }
    if (res.status === 422) {
        return new ConflictError(
            d(
                `${who} refused an Idempotency-Key already used with a different body ${label()}; the user's fields changed between two tries of one create: run again`,
            ),
        );
    }
    if (res.status === 400 && env.code !== undefined && requestCodes.includes(env.code)) {
        return new ValidationError({ ...d(`${who} refused the list of users ${label()}`), field: env.param ?? "users" });
    }
    if (res.status >= 500) {
        return new VendorError(d(`${who} failed${retried} ${label()}; the vendor is having trouble: try again later`));
    }
    if (res.status === 404) {
        return new VendorError(d(`${who} has no ${res.endpoint} ${label()}; check the base URL configured for ${who}`));
    }
    if (res.status >= 400) {
        return new VendorError(
            d(`${who} rejected the request ${label()}; this is likely a bug in pulumi-tenant-users: please report it with the request id`),
        );
    }
    return malformed(res, ctx, `HTTP ${res.status} is not an answer this endpoint gives`);
}
