import { expect } from "chai";
import { inspect } from "node:util";
import {
    AuthenticationError,
    ConflictError,
    ConnectionError,
    MalformedResponseError,
    RateLimitError,
    redact,
    TenantUsersError,
    ValidationError,
    VendorError,
} from "../../provider/errors";
import { mapProjectsResponse } from "../../provider/dialects/projects-api";
import { errorFromResponse } from "../../provider/dialects/shared";
import { mapTenantsResponse } from "../../provider/dialects/tenants-api";
import type { HttpResponse } from "../../provider/http/client";

describe("TenantUsersError", () => {
    const table = [
        [AuthenticationError, "AuthenticationError", "authentication_failed"],
        [RateLimitError, "RateLimitError", "rate_limited"],
        [ConflictError, "ConflictError", "conflict"],
        [VendorError, "VendorError", "vendor_error"],
        [ConnectionError, "ConnectionError", "connection_failed"],
        [MalformedResponseError, "MalformedResponseError", "malformed_response"],
    ] as const;
    for (const [Cls, name, code] of table) {
        it(`gives ${name} its literal name and the stable code "${code}"`, () => {
            const e = new Cls({ message: "m" });
            expect(e).to.be.instanceOf(TenantUsersError).and.instanceOf(Error);
            expect(e.name).to.equal(name);
            expect(e.code).to.equal(code);
        });
    }

    it("gives ValidationError its name, code, field and row", () => {
        const e = new ValidationError({ message: "bad", field: "email", row: 3 });
        expect(e).to.deep.include({ name: "ValidationError", code: "validation_failed", field: "email", row: 3 });
    });

    it("gives RateLimitError the wait", () => {
        expect(new RateLimitError({ message: "slow down", retryAfterMs: 2000 }).retryAfterMs).to.equal(2000);
    });

    it("appends dialect, endpoint, status, request id and attempts to the message", () => {
        const e = new VendorError({
            message: "zquence failed",
            dialect: "zquence",
            endpoint: "POST /v1/tenants/add-user",
            status: 503,
            requestId: "req_1",
            attempts: 10,
        });
        expect(e.message).to.equal("zquence failed [zquence POST /v1/tenants/add-user, HTTP 503, request req_1, 10 attempts]");
        expect(e).to.deep.include({
            status: 503,
            requestId: "req_1",
            dialect: "zquence",
            endpoint: "POST /v1/tenants/add-user",
            attempts: 10,
        });
    });

    it("holds no keys for absent details", () => {
        expect(Object.keys(new AuthenticationError({ message: "m" }))).to.not.include.members([
            "status",
            "requestId",
            "dialect",
            "attempts",
        ]);
        expect(Object.values(new ValidationError({ message: "m", field: "f" }))).to.not.include(undefined);
    });
});

describe("redact", () => {
    it("removes the exact values sent and anything shaped like a key or auth header", () => {
        const text = "key zq_pk_demo secret=hunter2-long Authorization: Bearer abc.def sk_live_demo whsec_abc x-api-secret: plain";
        const out = redact(text, ["hunter2-long"]);
        for (const s of ["zq_pk_demo", "hunter2-long", "abc.def", "sk_live_demo", "whsec_abc", "plain"]) expect(out).to.not.contain(s);
    });
});

describe("errors built from responses that echo credentials", () => {
    const CREDS = { apiKey: "zq_pk_demo", apiSecret: "s3cret-value-9f8e7d", secretKey: "sk_test_demo" };
    const echo = `you sent x-api-key ${CREDS.apiKey}, x-api-secret ${CREDS.apiSecret} and Authorization ${CREDS.secretKey}`;
    const ctx = { dialect: "zquence" as const, secrets: [CREDS.apiKey, CREDS.apiSecret, CREDS.secretKey] };
    const res = (status: number, body: unknown, extra: Partial<HttpResponse> = {}): HttpResponse => ({
        status,
        headers: {},
        body,
        bodyIsJson: typeof body !== "string",
        endpoint: "POST /v1/tenants/add-user",
        attempts: 3,
        ambiguousRetry: false,
        requestId: "req_x",
        ...extra,
    });
    const env = (code: string) => ({ error: { code, message: echo, request_id: "req_x" } });

    const cases: [string, HttpResponse][] = [
        ["401", res(401, env("unauthorized"))],
        ["403", res(403, env("control_forbidden"))],
        ["400 too_many_users", res(400, env("too_many_users"))],
        ["400 invalid_json", res(400, env("invalid_json"))],
        ["404", res(404, env("not_found"))],
        ["409", res(409, env("idempotency_key_in_use"))],
        ["422", res(422, env("idempotency_key_reuse"))],
        ["429", res(429, env("rate_limited"), { retryAfterMs: 1000 })],
        ["500", res(500, env("internal_error"))],
        ["502 HTML", res(502, `<html><body>${echo}</body></html>`, { parseError: "Unexpected token" })],
    ];

    const assertClean = (e: unknown) => {
        const seen = [String(e), (e as Error).stack ?? "", inspect(e, { depth: 5 }), JSON.stringify({ ...(e as object) })].join("\n");
        for (const secret of Object.values(CREDS)) expect(seen).to.not.contain(secret);
    };

    for (const [label, r] of cases) {
        it(`leaves no credential in the error for ${label}`, () => {
            const e = errorFromResponse(r, ctx);
            expect(e).to.be.instanceOf(TenantUsersError);
            expect(e.message).to.contain("[redacted]");
            assertClean(e);
        });
    }

    it("leaves no credential in the warning of a success answer quoting the body", () => {
        // A 2xx is never an error (the vendor committed): the user is present, with a warning.
        const [o] = mapTenantsResponse(
            res(200, `{"echo": "${echo}"`, { bodyIsJson: false, parseError: "Unexpected end" }),
            { kind: "bulk", users: [{ email: "a@b.co" }] },
            ctx,
        );
        expect(o!.warning).to.contain("[redacted]");
        for (const secret of Object.values(CREDS)) expect(o!.warning).to.not.contain(secret);
    });

    it("leaves no credential in a failed outcome's message", () => {
        const [o] = mapTenantsResponse(res(400, env("email_invalid")), { kind: "single", user: { email: "a@b.co" } }, ctx);
        expect(o!.kind).to.equal("failed");
        for (const secret of Object.values(CREDS)) expect(o!.error!.message).to.not.contain(secret);
    });

    it("leaves no credential in a projects error", () => {
        let caught: unknown;
        try {
            mapProjectsResponse(res(401, env("unauthorized"), { endpoint: "POST /v1/users" }), [{ email: "a@b.co" }], {
                ...ctx,
                dialect: "projects",
            });
        } catch (e) {
            caught = e;
        }
        expect(caught).to.be.instanceOf(AuthenticationError);
        assertClean(caught);
    });
});
