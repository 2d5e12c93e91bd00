import { credentialValues } from "./registry";
import { z } from "zod";
import { redact } from "../errors";
import type { HttpClient, HttpResponse } from "../http/client";
import { show } from "../schema/user";
import type { NormalizedUser } from "../schema/user";
import {
    answerWarning,
    checkBatch,
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
import type { VendorDescriptor } from "./vendor";

// The seed names no path; the emulator's contract chose this one.
export const USERS_PATH = "/v1/users";

// Read leniently, entry by entry: one odd entry must not hide what the rest say.
const entries = z.array(z.record(z.string(), z.unknown())).default([]);
const answer = z.looseObject({
    data: z.looseObject({ created: entries, issues: entries }),
    summary: z.looseObject({ requested: z.unknown() }).optional(),
});

// 400s about the list itself; missing_body, invalid_format and invalid_json
// mean we built the request wrong and fall through to VendorError.
const LIST_CODES = ["empty_array", "too_many_users"];

const REASON_TEXT: Readonly<Record<string, string>> = {
    invalid_email: "the email is not valid",
    invalid_country: "the country is not an ISO 3166-1 alpha-2 code",
    invalid_name: "the name is not valid",
    missing_email: "the email is missing",
    duplicate_in_request: "the email appears earlier in the same request",
};

/** The vendor's id and fields of a record, when it has them. */
function held(record: unknown): Pick<UserOutcome, "id" | "user"> {
    if (typeof record !== "object" || record === null) return {};
    const r = record as Record<string, unknown>;
    return { ...(typeof r.id === "string" && r.id !== "" ? { id: r.id } : {}), user: vendorUser(r) };
}

/**
 * Maps every answer of `POST /v1/users` to outcomes (one per user sent, in
 * order) or a typed error. Any 2xx shares one body (the seed: "Successful",
 * 207 for some issues); each user is found by email among `created` or by
 * index among `issues`. The vendor has committed by then, so what cannot be
 * attributed makes users `present` with a `warning`, never an error.
 */
export function mapProjectsResponse(res: HttpResponse, users: NormalizedUser[], ctx: MapContext): UserOutcome[] {
    if (!isSuccess(res.status)) throw errorFromResponse(res, ctx, LIST_CODES);
    const read = readShape(answer, res, ctx);
    if (!read.ok) {
        const warning = answerWarning(
            res,
            ctx,
            read.problem,
            `the ${users.length === 1 ? "user is" : `${users.length} users are`} taken as present`,
        );
        return users.map((u) => ({ email: u.email, kind: "present", warning }));
    }
    const a = read.data;
    const position = new Map(users.map((u, i) => [u.email, i]));
    const outcomes: (UserOutcome | undefined)[] = new Array(users.length);
    const twice = new Set<number>();
    const unattributed: string[] = [];
    const claim = (i: number, outcome: UserOutcome) => {
        if (outcomes[i]) twice.add(i);
        else outcomes[i] = outcome;
    };

    const requested = a.summary?.requested;
    if (requested !== undefined && requested !== users.length)
        unattributed.push(
            `summary.requested is ${typeof requested === "number" ? requested : show(requested, 20)}, but ${sentCount(users.length)}`,
        );
    for (const c of a.data.created) {
        const i = typeof c.email === "string" ? position.get(c.email.trim().toLowerCase()) : undefined;
        if (i === undefined) unattributed.push("created[] holds an email that was not sent");
        else claim(i, { email: users[i]!.email, kind: "created", ...held(c) });
    }
    for (const x of a.data.issues) {
        const i = x.index;
        const user = typeof i === "number" && Number.isInteger(i) ? users[i] : undefined;
        if (!user) {
            unattributed.push(`issues[] names index ${typeof i === "number" ? i : show(i, 20)}, but ${sentCount(users.length)}`);
            continue;
        }
        const at = i as number;
        let outcome: UserOutcome;
        if (x.status === "already_exists") {
            // After an ambiguous retry the "existing" user may be our first attempt's.
            outcome = { email: user.email, kind: res.ambiguousRetry ? "present" : "adopted", ...held(x.user) };
        } else if (x.status === "invalid") {
            const reason = typeof x.reason === "string" && x.reason !== "" ? redact(x.reason, ctx.secrets) : "invalid";
            const text = REASON_TEXT[reason] ?? `refused (${reason})`;
            outcome = { email: user.email, kind: "failed", error: { code: reason, message: `projects refused the user: ${text}` } };
        } else {
            const problem = `issues[] index ${at} has the status ${show(x.status, 30)}, neither already_exists nor invalid`;
            outcome = { email: user.email, kind: "present", warning: answerWarning(res, ctx, problem, TAKEN_AS_PRESENT) };
        }
        if (typeof x.email === "string" && !sameEmail(x.email, user.email) && outcome.warning === undefined) {
            outcome.warning = answerWarning(
                res,
                ctx,
                `issues[] index ${at} gives another email than the one sent at that index`,
                "the user sent at that index is taken as the one meant",
            );
        }
        claim(at, outcome);
    }

    const doubt = unattributed.join("; ");
    return users.map((u, i): UserOutcome => {
        const o = outcomes[i];
        if (twice.has(i))
            return {
                email: u.email,
                kind: "present",
                warning: answerWarning(res, ctx, `index ${i} is accounted for twice`, TAKEN_AS_PRESENT),
            };
        if (o === undefined) {
            const problem = `index ${i} is neither in created[] nor in issues[]${doubt ? `; ${doubt}` : ""}`;
            return { email: u.email, kind: "present", warning: answerWarning(res, ctx, problem, TAKEN_AS_PRESENT) };
        }
        // Named users stay named; but if the answer also holds what we cannot
        // place, it may not be about this request: no created/adopted claim.
        if (doubt && o.kind !== "failed" && o.kind !== "present")
            return { ...o, kind: "present", warning: answerWarning(res, ctx, doubt, TAKEN_AS_PRESENT) };
        return o;
    });
}

/** The projects API (seed 002): bulk only, authorized by a TEST or LIVE secret key. */
export class ProjectsClient implements DialectClient {
    readonly dialect: Dialect;
    readonly maxBatch: number;
    readonly bulkNamesEachOutcome: boolean;
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
        this.ctx = { dialect: this.dialect, secrets: credentialValues(conn) };
        this.headers = { authorization: conn.secretKey ?? "" };
    }

    /**
     * A bulk of one: the API has no single endpoint, and needs no
     * Idempotency-Key because a replay answers `already_exists`.
     */
    async addUser(user: NormalizedUser, _idempotencyKey: string): Promise<UserOutcome> {
        const [outcome] = await this.addUsersBulk([user]);
        return outcome!;
    }

    async addUsersBulk(users: NormalizedUser[]): Promise<UserOutcome[]> {
        checkBatch(users, this.maxBatch, this.dialect);
        if (users.length === 0) return [];
        const body = users.map((u) => {
            const out: Record<string, string> = { email: u.email };
            if (u.name !== undefined) out.name = u.name;
            if (u.country !== undefined) out.country = u.country;
            return out;
        });
        const res = await this.http.request({
            method: "POST",
            path: USERS_PATH,
            headers: this.headers,
            body: { users: body },
            dialect: this.dialect,
        });
        return mapProjectsResponse(res, users, this.ctx);
    }
}
