import { credentialValues } from "./registry";
import { z } from "zod";
import type { HttpClient, HttpResponse } from "../http/client";
import { show } from "../schema/user";
import type { NormalizedUser } from "../schema/user";
import { redact } from "../errors";
import {
    answerWarning,
    checkBatch,
    envelope,
    errorFromResponse,
    isSuccess,
    readShape,
    sameEmail,
    sentCount,
    TAKEN_AS_PRESENT,
    vendorUser,
} from "./shared";
import type { MapContext } from "./shared";
import type { Connection, Dialect, DialectClient, UserOutcome } from "./types";
import type { UserField, VendorDescriptor } from "./vendor";

// The tenants API: Zquence (seed 000) and Geldstuck (seed 001) speak it, with
// the same paths, headers and answers; their descriptors differ in fields.

export const ADD_USER = "/v1/tenants/add-user";
export const ADD_USER_BULK = "/v1/tenants/add-user-bulk";

// Read leniently: the seeds show the request, not the single answer, and the
// bulk answer only by example. What cannot be read makes users present.
const singleAnswer = z.looseObject({
    id: z.string().min(1).optional(),
    email: z.string().optional(),
    name: z.string().nullish(),
    phone: z.string().nullish(),
    status: z.string().optional(),
});

const count = z.number().int().nonnegative();
const bulkAnswer = z.looseObject({
    created: count,
    skipped: count,
    // The seed's example always has `failed`; absent is read as none, and the counts must still add up.
    failed: z.array(z.looseObject({ index: z.unknown(), email: z.unknown(), error: z.unknown() })).default([]),
});

// Words a single answer's `status` may use; the emulator says created / existing.
const CREATED_WORDS = new Set(["created", "new", "added"]);
const EXISTING_WORDS = new Set(["existing", "exists", "already_exists", "skipped"]);

// Per-user refusals: the user is at fault, not the request.
const USER_CODES = new Set(["email_invalid", "phone_invalid", "name_invalid", "user_invalid"]);
// 400s about the list itself; other 400s (body_invalid, invalid_json) are our bug.
const LIST_CODES = ["empty_array", "too_many_users"];

const USER_CODE_TEXT: Readonly<Record<string, string>> = {
    email_invalid: "the email is not valid",
    phone_invalid: "the phone is not a valid E.164 number",
    name_invalid: "the name is not valid (1 to 200 characters)",
    user_invalid: "the user is not valid",
};

export type TenantsRequest = { kind: "single"; user: NormalizedUser } | { kind: "bulk"; users: NormalizedUser[] };

function refusal(ctx: MapContext, code: string, message?: string): { code: string; message: string } {
    const text = message ? redact(message, ctx.secrets) : (USER_CODE_TEXT[code] ?? `refused (${code})`);
    return { code: redact(code, ctx.secrets), message: `${ctx.dialect} refused the user: ${text}` };
}

/**
 * Maps every answer of the two endpoints to outcomes (one per user sent, in
 * order) or a typed error. The one place that reads their statuses. A non-2xx
 * status is an error (nothing was committed, or the vendor says what is
 * wrong); a 2xx is never one, since the vendor has committed: what it does not
 * let us attribute becomes `present` with a `warning`.
 */
export function mapTenantsResponse(res: HttpResponse, req: TenantsRequest, ctx: MapContext): UserOutcome[] {
    if (req.kind === "single") return [mapSingle(res, req.user, ctx)];
    if (!isSuccess(res.status)) throw errorFromResponse(res, ctx, LIST_CODES);
    return mapBulk(res, req.users, ctx);
}

/**
 * Created or existing, from the answer's `status` field when it has one, else
 * from the HTTP status: 201 created, 200 the existing user (the seed: "we'll
 * return the existing user instead of erroring"). Both present and disagreeing,
 * or neither telling, leaves the user present.
 */
function mapSingle(res: HttpResponse, one: NormalizedUser, ctx: MapContext): UserOutcome {
    if (!isSuccess(res.status)) {
        const env = res.bodyIsJson ? envelope(res.body) : {};
        if (res.status === 400 && env.code && USER_CODES.has(env.code)) {
            return { email: one.email, kind: "failed", error: refusal(ctx, env.code, env.message) };
        }
        throw errorFromResponse(res, ctx, LIST_CODES);
    }
    const present = (problem: string, extra: Partial<UserOutcome> = {}): UserOutcome => ({
        email: one.email,
        kind: "present",
        ...extra,
        warning: answerWarning(res, ctx, problem, TAKEN_AS_PRESENT),
    });
    const read = readShape(singleAnswer, res, ctx);
    if (!read.ok) return present(read.problem);
    const a = read.data;
    // Another user's id and fields must not be recorded as this user's.
    if (a.email !== undefined && !sameEmail(a.email, one.email)) return present("the answer is about another email than the one sent");
    const known: Partial<UserOutcome> = { ...(a.id ? { id: a.id } : {}), user: vendorUser(a) };

    const word = a.status?.trim().toLowerCase();
    const said = word === undefined ? undefined : CREATED_WORDS.has(word) ? "created" : EXISTING_WORDS.has(word) ? "existing" : "unknown";
    const byHttp = res.status === 201 ? "created" : res.status === 200 ? "existing" : undefined;
    if (said === "unknown") return present(`its status ${show(a.status, 30)} is neither created nor existing`, known);
    if (said && byHttp && said !== byHttp) return present(`its status ${show(a.status, 30)} does not go with HTTP ${res.status}`, known);
    const verdict = said ?? byHttp;
    if (verdict === undefined) return present(`HTTP ${res.status} without a status field tells neither created nor existing`, known);
    // A retry with the same Idempotency-Key should replay our first 201; but
    // if the vendor kept no record of an attempt that landed (say it failed
    // after committing), "existing" would be our own user: say present.
    const kind = verdict === "created" ? "created" : res.ambiguousRetry ? "present" : "adopted";
    return { email: one.email, kind, ...known };
}

/**
 * The bulk answer counts created and skipped users and names failed ones by
 * index (the seed's example shows `"email": "invalid"` there, so the index
 * decides, and an email that differs only earns a warning). When the counts or
 * indexes do not add up, every user not named as failed is present.
 */
function mapBulk(res: HttpResponse, users: NormalizedUser[], ctx: MapContext): UserOutcome[] {
    const allPresent = (problem: string) => {
        const warning = answerWarning(
            res,
            ctx,
            problem,
            `the ${users.length === 1 ? "user is" : `${users.length} users are`} taken as present`,
        );
        return users.map((u): UserOutcome => ({ email: u.email, kind: "present", warning }));
    };
    const read = readShape(bulkAnswer, res, ctx);
    if (!read.ok) return allPresent(read.problem);
    const a = read.data;

    const outcomes: (UserOutcome | undefined)[] = new Array(users.length);
    const unattributed: string[] = [];
    for (const f of a.failed) {
        const i = f.index;
        const user = typeof i === "number" && Number.isInteger(i) ? users[i] : undefined;
        if (!user) {
            unattributed.push(`failed[] names index ${typeof i === "number" ? i : show(i, 20)}, but ${sentCount(users.length)}`);
            continue;
        }
        if (outcomes[i as number]) {
            unattributed.push(`failed[] names index ${i} twice`);
            continue;
        }
        const code = typeof f.error === "string" && f.error !== "" ? f.error : "failed";
        const outcome: UserOutcome = { email: user.email, kind: "failed", error: refusal(ctx, code) };
        if (typeof f.email === "string" && !sameEmail(f.email, user.email)) {
            outcome.warning = answerWarning(
                res,
                ctx,
                `failed[] index ${i} gives another email than the one sent at that index`,
                "the user sent at that index is taken as the one refused",
            );
        }
        outcomes[i as number] = outcome;
    }
    const total = a.created + a.skipped + a.failed.length;
    if (total !== users.length)
        unattributed.unshift(
            `created ${a.created} + skipped ${a.skipped} + failed ${a.failed.length} = ${total}, but ${sentCount(users.length)}`,
        );

    let rest: Omit<UserOutcome, "email">;
    if (unattributed.length > 0) {
        rest = {
            kind: "present",
            warning: answerWarning(res, ctx, unattributed.join("; "), "the users it does not name as failed are taken as present"),
        };
    } else {
        // The answer only counts: which users were skipped is not said. All of a
        // kind can be named; a mix cannot. After an ambiguous retry our own first
        // attempt may have created the skipped ones.
        rest = { kind: a.skipped === 0 ? "created" : a.created === 0 && !res.ambiguousRetry ? "adopted" : "present" };
    }
    return users.map((u, i) => outcomes[i] ?? { email: u.email, ...rest });
}

/** The tenants-API client of one vendor; vendors differ only in the fields they send. */
export class TenantsApiClient implements DialectClient {
    readonly dialect: Dialect;
    readonly maxBatch: number;
    readonly bulkNamesEachOutcome: boolean;
    private readonly fields: readonly UserField[];
    private readonly ctx: MapContext;
    private readonly headers: Record<string, string>;

    constructor(
        vendor: VendorDescriptor<Dialect>,
        conn: Connection,
        private readonly http: HttpClient,
    ) {
        this.dialect = vendor.name;
        this.maxBatch = vendor.maxBatch;
        this.bulkNamesEachOutcome = vendor.bulkNamesEachOutcome;
        this.fields = vendor.fields;
        this.ctx = { dialect: this.dialect, secrets: credentialValues(conn) };
        this.headers = { "x-api-key": conn.apiKey ?? "", "x-api-secret": conn.apiSecret ?? "" };
    }

    private body(user: NormalizedUser): Record<string, string> {
        const out: Record<string, string> = {};
        if (user.name !== undefined) out.name = user.name;
        out.email = user.email;
        if (user.phone !== undefined && this.fields.includes("phone")) out.phone = user.phone;
        return out;
    }

    async addUser(user: NormalizedUser, idempotencyKey: string): Promise<UserOutcome> {
        const res = await this.http.request({
            method: "POST",
            path: ADD_USER,
            headers: { ...this.headers, "idempotency-key": idempotencyKey },
            body: this.body(user),
            dialect: this.dialect,
        });
        return mapTenantsResponse(res, { kind: "single", user }, this.ctx)[0]!;
    }

    async addUsersBulk(users: NormalizedUser[]): Promise<UserOutcome[]> {
        checkBatch(users, this.maxBatch, this.dialect);
        if (users.length === 0) return [];
        // The bulk endpoint takes no Idempotency-Key. Retrying it (which the HTTP
        // client does on drops, 5xx and 429) is safe only because the vendor
        // skips users that already exist: a replay creates nothing twice.
        const res = await this.http.request({
            method: "POST",
            path: ADD_USER_BULK,
            headers: this.headers,
            body: users.map((u) => this.body(u)),
            dialect: this.dialect,
        });
        return mapTenantsResponse(res, { kind: "bulk", users }, this.ctx);
    }
}
