import { expect } from "chai";
import { mapProjectsResponse } from "../../provider/dialects/projects-api";
import { mapTenantsResponse } from "../../provider/dialects/tenants-api";
import type { TenantsRequest } from "../../provider/dialects/tenants-api";
import type { UserOutcome } from "../../provider/dialects/types";
import {
    AuthenticationError,
    ConflictError,
    MalformedResponseError,
    RateLimitError,
    type TenantUsersError,
    ValidationError,
    VendorError,
} from "../../provider/errors";
import type { HttpResponse } from "../../provider/http/client";
import type { NormalizedUser } from "../../provider/schema";

type ErrorClass = abstract new (...args: never[]) => TenantUsersError;
type Expect = { outcomes: Partial<UserOutcome>[] } | { error: ErrorClass; vendorCode?: string; says?: string };

const res = (status: number, body: unknown, extra: Partial<HttpResponse> = {}): HttpResponse => ({
    status,
    headers: {},
    body,
    bodyIsJson: typeof body !== "string",
    ...(typeof body === "string" ? { parseError: "Unexpected token" } : {}),
    endpoint: "POST /test",
    attempts: 1,
    ambiguousRetry: false,
    ...extra,
});
const err = (code: string, message = "m") => ({ error: { code, message, request_id: "req_1" } });
const HTML = "<!DOCTYPE html><html><body>502 Bad Gateway</body></html>";

// Pulumi outputs cannot hold undefined: outcomes must omit keys instead.
const hasUndefined = (v: unknown): boolean =>
    v === undefined || (typeof v === "object" && v !== null && Object.values(v).some(hasUndefined));

function check(run: () => UserOutcome[], want: Expect) {
    if ("outcomes" in want) {
        const got = run();
        expect(got).to.have.length(want.outcomes.length);
        for (const [i, o] of want.outcomes.entries()) expect(got[i]).to.deep.include(o);
        for (const o of got) expect(hasUndefined(o), "an undefined value").to.equal(false);
        return;
    }
    let caught: unknown;
    try {
        run();
    } catch (e) {
        caught = e;
    }
    expect(caught, "an error").to.be.instanceOf(want.error);
    if (want.vendorCode) expect((caught as TenantUsersError).vendorCode).to.equal(want.vendorCode);
    if (want.says) expect((caught as Error).message).to.contain(want.says);
}

describe("mapTenantsResponse (Zquence, Geldstuck)", () => {
    const ada: NormalizedUser = { email: "ada@example.com", name: "Ada", phone: "+14155552671" };
    const single: TenantsRequest = { kind: "single", user: ada };
    const three = [{ email: "a@x.co" }, { email: "b@x.co" }, { email: "c@x.co" }];
    const bulk: TenantsRequest = { kind: "bulk", users: three };
    const ctx = { dialect: "zquence" as const, secrets: ["zq_sk_demo"] };
    const userBody = (status: string) => ({
        id: "usr_1",
        name: "Ada",
        email: "ada@example.com",
        phone: "+14155552671",
        created_at: "t",
        status,
    });
    const bulkBody = (created: number, skipped: number, failed: unknown[] = []) => ({ created, skipped, failed });

    const table: [string, TenantsRequest, HttpResponse, Expect][] = [
        [
            "single 201: created, with the id and the vendor's data",
            single,
            res(201, userBody("created")),
            { outcomes: [{ kind: "created", id: "usr_1", user: { name: "Ada", phone: "+14155552671" } }] },
        ],
        [
            "single 200 existing: adopted, with the vendor's data",
            single,
            res(200, { ...userBody("existing"), name: "Ada L.", phone: null }),
            { outcomes: [{ kind: "adopted", id: "usr_1", user: { name: "Ada L." } }] },
        ],
        [
            "single 200 existing after an ambiguous retry: present",
            single,
            res(200, userBody("existing"), { ambiguousRetry: true }),
            { outcomes: [{ kind: "present", id: "usr_1" }] },
        ],
        [
            "single 200 whose status is not existing: present (the two signals disagree)",
            single,
            res(200, userBody("created")),
            { outcomes: [{ kind: "present", id: "usr_1" }] },
        ],
        [
            "single 201 about another email: present, without the other user's id",
            single,
            res(201, { ...userBody("created"), email: "eve@x.co" }),
            { outcomes: [{ kind: "present" }] },
        ],
        [
            "single 400 email_invalid: a failed outcome",
            single,
            res(400, err("email_invalid", "email is not valid")),
            { outcomes: [{ kind: "failed", error: { code: "email_invalid", message: "zquence refused the user: email is not valid" } }] },
        ],
        ["single 400 phone_invalid: a failed outcome", single, res(400, err("phone_invalid")), { outcomes: [{ kind: "failed" }] }],
        ["single 400 name_invalid: a failed outcome", single, res(400, err("name_invalid")), { outcomes: [{ kind: "failed" }] }],
        [
            "single 400 invalid_json: a vendor error (our bug)",
            single,
            res(400, err("invalid_json")),
            { error: VendorError, vendorCode: "invalid_json" },
        ],
        [
            "single 401: authentication",
            single,
            res(401, err("unauthorized")),
            { error: AuthenticationError, vendorCode: "unauthorized", says: "API key and API secret" },
        ],
        ["single 403: authentication", single, res(403, err("control_forbidden")), { error: AuthenticationError }],
        ["single 404: vendor error pointing at the base URL", single, res(404, err("not_found")), { error: VendorError, says: "base URL" }],
        [
            "single 409 idempotency_key_in_use: conflict",
            single,
            res(409, err("idempotency_key_in_use"), { attempts: 10 }),
            { error: ConflictError, vendorCode: "idempotency_key_in_use", says: "after 10 attempts" },
        ],
        ["single 413: vendor error", single, res(413, err("body_too_large")), { error: VendorError }],
        ["single 415: vendor error", single, res(415, err("unsupported_media_type")), { error: VendorError }],
        [
            "single 422 idempotency_key_reuse: conflict",
            single,
            res(422, err("idempotency_key_reuse")),
            { error: ConflictError, vendorCode: "idempotency_key_reuse" },
        ],
        [
            "single 429: rate limit with the wait",
            single,
            res(429, err("rate_limited"), { retryAfterMs: 3000, attempts: 10 }),
            { error: RateLimitError, says: "Retry-After 3 s" },
        ],
        ["single 500: vendor error", single, res(500, err("internal_error")), { error: VendorError, vendorCode: "internal_error" }],
        [
            "single 503: vendor error",
            single,
            res(503, err("unavailable"), { attempts: 10 }),
            { error: VendorError, says: "after 10 attempts" },
        ],
        ["single 201 with an HTML body: present", single, res(201, HTML), { outcomes: [{ kind: "present" }] }],
        [
            "single 502 with an HTML body: vendor error quoting the page",
            single,
            res(502, HTML),
            { error: VendorError, says: "502 Bad Gateway" },
        ],
        ["single 201 with truncated JSON: present", single, res(201, '{"id":"usr_1","ema'), { outcomes: [{ kind: "present" }] }],
        [
            "single 201 with an id of the wrong type: present",
            single,
            res(201, { ...userBody("created"), id: 7 }),
            { outcomes: [{ kind: "present" }] },
        ],
        [
            "bulk 200 all created: created",
            bulk,
            res(200, bulkBody(3, 0)),
            { outcomes: [{ kind: "created" }, { kind: "created" }, { kind: "created" }] },
        ],
        [
            "bulk 200 all skipped: adopted",
            bulk,
            res(200, bulkBody(0, 3)),
            { outcomes: [{ kind: "adopted" }, { kind: "adopted" }, { kind: "adopted" }] },
        ],
        [
            "bulk 200 all skipped after an ambiguous retry: present",
            bulk,
            res(200, bulkBody(0, 3), { ambiguousRetry: true }),
            { outcomes: [{ kind: "present" }, { kind: "present" }, { kind: "present" }] },
        ],
        [
            "bulk 200 all created after an ambiguous retry: created",
            bulk,
            res(200, bulkBody(3, 0), { ambiguousRetry: true }),
            { outcomes: [{ kind: "created" }, { kind: "created" }, { kind: "created" }] },
        ],
        [
            "bulk 200 mixed with a failed row: present, and failed with the vendor code",
            bulk,
            res(200, bulkBody(1, 1, [{ index: 1, email: "b@x.co", error: "email_invalid" }])),
            {
                outcomes: [
                    { email: "a@x.co", kind: "present" },
                    {
                        email: "b@x.co",
                        kind: "failed",
                        error: { code: "email_invalid", message: "zquence refused the user: the email is not valid" },
                    },
                    { kind: "present" },
                ],
            },
        ],
        [
            "bulk 200 whose counts do not add up: present",
            bulk,
            res(200, bulkBody(3, 1)),
            { outcomes: [{ kind: "present" }, { kind: "present" }, { kind: "present" }] },
        ],
        [
            "bulk 200 failing an index out of range: present",
            bulk,
            res(200, bulkBody(2, 0, [{ index: 9, email: "x", error: "email_invalid" }])),
            { outcomes: [{ kind: "present" }, { kind: "present" }, { kind: "present" }] },
        ],
        [
            "bulk 200 failing a row under another email: failed by index",
            bulk,
            res(200, bulkBody(2, 0, [{ index: 0, email: "z@x.co", error: "email_invalid" }])),
            { outcomes: [{ kind: "failed" }, { kind: "created" }, { kind: "created" }] },
        ],
        [
            "bulk 200 with counts as strings: present",
            bulk,
            res(200, { created: "3", skipped: 0, failed: [] }),
            { outcomes: [{ kind: "present" }, { kind: "present" }, { kind: "present" }] },
        ],
        [
            "bulk 200 with truncated JSON: present",
            bulk,
            res(200, '{"created":3,"skipped":0,"fai'),
            { outcomes: [{ kind: "present" }, { kind: "present" }, { kind: "present" }] },
        ],
        [
            "bulk 200 with an HTML body: present",
            bulk,
            res(200, HTML),
            { outcomes: [{ kind: "present" }, { kind: "present" }, { kind: "present" }] },
        ],
        ["bulk 400 body_invalid: vendor error", bulk, res(400, err("body_invalid")), { error: VendorError, vendorCode: "body_invalid" }],
        [
            "bulk 400 empty_array: validation of the list",
            bulk,
            res(400, err("empty_array")),
            { error: ValidationError, vendorCode: "empty_array" },
        ],
        [
            "bulk 400 too_many_users: validation of the list",
            bulk,
            res(400, err("too_many_users")),
            { error: ValidationError, vendorCode: "too_many_users" },
        ],
        ["bulk 400 invalid_json: vendor error", bulk, res(400, err("invalid_json")), { error: VendorError }],
        ["bulk 401: authentication", bulk, res(401, err("unauthorized")), { error: AuthenticationError }],
        ["bulk 429: rate limit", bulk, res(429, err("rate_limited")), { error: RateLimitError }],
        ["bulk 500: vendor error", bulk, res(500, err("internal_error")), { error: VendorError }],
        ["bulk 503: vendor error", bulk, res(503, HTML), { error: VendorError }],
        ["bulk 302 (neither success nor error): malformed", bulk, res(302, ""), { error: MalformedResponseError, says: "HTTP 302" }],
        [
            "bulk 201 (the seed names no status): read like a 200",
            bulk,
            res(201, bulkBody(3, 0)),
            { outcomes: [{ kind: "created" }, { kind: "created" }, { kind: "created" }] },
        ],
    ];
    for (const [name, req, r, want] of table) it(`maps ${name}`, () => check(() => mapTenantsResponse(r, req, ctx), want));
});

describe("mapProjectsResponse", () => {
    const users: NormalizedUser[] = [{ email: "a@x.co", name: "A" }, { email: "b@x.co", country: "GB" }, { email: "c@x.co" }];
    const ctx = { dialect: "projects" as const, secrets: ["sk_test_demo"] };
    const rec = (email: string, id: string, extra: object = {}) => ({
        id,
        email,
        name: null,
        country: null,
        mode: "test",
        created_at: "t",
        ...extra,
    });
    const body = (created: unknown[], issues: unknown[] = []) => ({
        data: { created, issues },
        summary: { requested: 3, created: created.length, already_exists: 0, invalid: 0 },
    });
    const mixed = body(
        [rec("c@x.co", "usr_c")],
        [
            { index: 0, email: "a@x.co", status: "already_exists", user: rec("a@x.co", "usr_a", { name: "Old A", country: "FR" }) },
            { index: 1, email: "b@x.co", status: "invalid", reason: "invalid_country" },
        ],
    );

    const table: [string, HttpResponse, Expect][] = [
        [
            "201: created, matched by email whatever the order",
            res(201, body([rec("c@x.co", "usr_c"), rec("a@x.co", "usr_a", { name: "A" }), rec("b@x.co", "usr_b", { country: "GB" })])),
            {
                outcomes: [
                    { email: "a@x.co", kind: "created", id: "usr_a", user: { name: "A" } },
                    { id: "usr_b", user: { country: "GB" } },
                    { id: "usr_c", user: {} },
                ],
            },
        ],
        [
            "207: already_exists adopted with the existing data, invalid failed with the reason",
            res(207, mixed),
            {
                outcomes: [
                    { kind: "adopted", id: "usr_a", user: { name: "Old A", country: "FR" } },
                    {
                        kind: "failed",
                        error: {
                            code: "invalid_country",
                            message: "projects refused the user: the country is not an ISO 3166-1 alpha-2 code",
                        },
                    },
                    { kind: "created", id: "usr_c" },
                ],
            },
        ],
        [
            "207 after an ambiguous retry: already_exists is present",
            res(207, mixed, { ambiguousRetry: true }),
            { outcomes: [{ kind: "present", id: "usr_a" }, { kind: "failed" }, { kind: "created" }] },
        ],
        ["400 missing_body: vendor error", res(400, err("missing_body")), { error: VendorError, vendorCode: "missing_body" }],
        ["400 invalid_format: vendor error", res(400, err("invalid_format")), { error: VendorError, vendorCode: "invalid_format" }],
        ["400 empty_array: validation", res(400, err("empty_array")), { error: ValidationError, vendorCode: "empty_array" }],
        ["400 too_many_users: validation", res(400, err("too_many_users")), { error: ValidationError, vendorCode: "too_many_users" }],
        ["400 invalid_json: vendor error", res(400, err("invalid_json")), { error: VendorError, vendorCode: "invalid_json" }],
        [
            "401: authentication naming the secret key",
            res(401, err("unauthorized")),
            { error: AuthenticationError, says: "sk_test_… writes TEST" },
        ],
        ["409: conflict", res(409, err("conflict")), { error: ConflictError }],
        ["422: conflict", res(422, err("idempotency_key_reuse")), { error: ConflictError }],
        ["429: rate limit", res(429, err("rate_limited"), { retryAfterMs: 1000 }), { error: RateLimitError }],
        ["500 internal_error: vendor error", res(500, err("internal_error")), { error: VendorError, vendorCode: "internal_error" }],
        ["503: vendor error", res(503, err("unavailable")), { error: VendorError }],
        ["201 with an HTML body: present", res(201, HTML), { outcomes: [{ kind: "present" }, { kind: "present" }, { kind: "present" }] }],
        [
            "201 with truncated JSON: present",
            res(201, '{"data":{"created":['),
            { outcomes: [{ kind: "present" }, { kind: "present" }, { kind: "present" }] },
        ],
        [
            "201 with data.created not a list: present",
            res(201, { data: { created: {}, issues: [] } }),
            { outcomes: [{ kind: "present" }, { kind: "present" }, { kind: "present" }] },
        ],
        [
            "201 creating an email that was not sent: present",
            res(201, body([rec("a@x.co", "1"), rec("b@x.co", "2"), rec("zz@x.co", "3")])),
            { outcomes: [{ kind: "present", id: "1" }, { kind: "present", id: "2" }, { kind: "present" }] },
        ],
        [
            "201 leaving a user unaccounted for: that user present",
            res(201, body([rec("a@x.co", "1"), rec("b@x.co", "2")])),
            { outcomes: [{ kind: "created" }, { kind: "created" }, { kind: "present" }] },
        ],
        [
            "207 accounting a user twice: that user present",
            res(207, body([rec("a@x.co", "1"), rec("b@x.co", "2"), rec("c@x.co", "3")], [{ index: 0, status: "invalid", reason: "x" }])),
            { outcomes: [{ kind: "present" }, { kind: "created" }, { kind: "created" }] },
        ],
        [
            "207 with an unknown issue status: present",
            res(207, body([], [{ index: 0, status: "weird" }])),
            { outcomes: [{ kind: "present" }, { kind: "present" }, { kind: "present" }] },
        ],
        [
            "201 whose summary counts another request: present",
            res(201, { ...body([rec("a@x.co", "1"), rec("b@x.co", "2"), rec("c@x.co", "3")]), summary: { requested: 9 } }),
            { outcomes: [{ kind: "present" }, { kind: "present" }, { kind: "present" }] },
        ],
    ];
    for (const [name, r, want] of table) it(`maps ${name}`, () => check(() => mapProjectsResponse(r, users, ctx), want));
});
