/**
 * Bad input on every side: generated resource arguments at `check`, malformed HTTP requests at
 * the emulator, and malformed vendor answers at the provider (clients, controllers, and the CLI).
 */
import { expect } from "chai";
import fc from "fast-check";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createDialectClient } from "../../provider/dialects";
import type { Connection, DialectClient, UserOutcome } from "../../provider/dialects";
import { MalformedResponseError, TenantUsersError, VendorError } from "../../provider/errors";
import { HttpClient } from "../../provider/http/client";
import { pack, unpack } from "../../provider/roster-codec";
import { tenantUser, tenantUserRoster } from "../../provider/runtime";
import { configureFrom } from "../../provider/runtime/connections";
import { UNKNOWN } from "../../provider/runtime/user-controller";
import { formatResult, HTML_PAGE, malformedAnswers, malformedRequests, type ScenarioResult } from "./scenarios";

const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 400);
const REQUESTS = Number(process.env.RELIABILITY_MALFORMED_REQUESTS ?? 10_000);

/** A fake vendor whose next answers the test sets; it records the paths it was asked. */
class FakeVendor {
    url = "";
    answer: { status: number; body: string; contentType?: string } = { status: 200, body: "{}" };
    paths: string[] = [];
    private server!: Server;

    static async start(): Promise<FakeVendor> {
        const v = new FakeVendor();
        v.server = createServer((req, res) => {
            req.resume();
            req.on("end", () => {
                v.paths.push(`${req.method} ${req.url}`);
                res.writeHead(v.answer.status, { "content-type": v.answer.contentType ?? "application/json" }).end(v.answer.body);
            });
        });
        await new Promise<void>((r) => v.server.listen(0, "127.0.0.1", r));
        v.url = `http://127.0.0.1:${(v.server.address() as AddressInfo).port}`;
        return v;
    }

    close(): Promise<void> {
        this.server.closeAllConnections();
        return new Promise((r) => this.server.close(() => r()));
    }
}

const CREDS = {
    zquence: { apiKey: "zq_pk_fuzz0000000000000000", apiSecret: "zq_sk_fuzz000000000000000000000000000000000000000" },
    geldstuck: { apiKey: "gs_pk_fuzz0000000000000000", apiSecret: "gs_sk_fuzz000000000000000000000000000000000000000" },
    projects: { secretKey: "sk_test_fuzz00000000000000000000000000000000000000000" },
} as const;

/** The stack config the provider process would get, as a ConfigSource. */
function configure(values: Record<string, string>): void {
    configureFrom({ get: (k: string) => values[k] });
}

// ---------------------------------------------------------------------------------------------

describe("check on generated resource arguments (fast-check)", function () {
    this.timeout(120_000);

    before(() => {
        configure({
            "tenant-users:dialect": "zquence",
            "tenant-users:baseUrl": "http://127.0.0.1:9/zquence",
            "tenant-users:apiKey": CREDS.zquence.apiKey,
            "tenant-users:apiSecret": CREDS.zquence.apiSecret,
            "tenant-users:connections": JSON.stringify({
                gs: { dialect: "geldstuck", baseUrl: "http://127.0.0.1:9/geldstuck", ...CREDS.geldstuck },
                pj: { dialect: "projects", baseUrl: "http://127.0.0.1:9/projects", ...CREDS.projects },
            }),
        });
    });

    const anyValue = fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.emailAddress(),
        fc.constantFrom(
            "",
            " ",
            "\u0000",
            "a@b",
            "ADA@Example.COM ",
            "ada@example.com",
            "+14155552671",
            "gb",
            "GB",
            "ZZ",
            "x".repeat(300),
            UNKNOWN,
        ),
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.constant(undefined),
        fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
        fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
    );
    const connection = fc.oneof(fc.constant(undefined), fc.constantFrom("gs", "pj", "nope", "__proto__", "constructor"), anyValue);
    const extraKeys = fc.dictionary(
        fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("__proto__", "constructor", "toString", "mail", "Email", "tel")),
        anyValue,
        { maxKeys: 2 },
    );
    const userArgs = fc
        .tuple(
            fc.record({ email: anyValue, name: anyValue, phone: anyValue, country: anyValue, connection }, { requiredKeys: [] }),
            extraKeys,
        )
        .map(([known, extra]) => viaEngine({ ...extra, ...known, idempotencyScope: "proj/stack/user" }));

    /**
     * What reaches `check`: the engine carries inputs as a protobuf Struct, so values are JSON-like
     * (plain objects, no `undefined`, no null-prototype objects).
     */
    function viaEngine<T>(value: T): T {
        return JSON.parse(JSON.stringify(value)) as T;
    }

    function isWellFormed(result: any): void {
        expect(result).to.be.an("object");
        expect(result.inputs).to.be.an("object");
        expect(result.failures).to.be.an("array");
        for (const f of result.failures) {
            expect(f.property, JSON.stringify(f)).to.be.a("string");
            expect(f.reason, JSON.stringify(f)).to.be.a("string").and.not.equal("");
            expect(f.reason.length, f.reason).to.be.below(2000);
        }
    }

    it("returns inputs and failures for any TenantUser arguments, never throwing", async () => {
        await fc.assert(
            fc.asyncProperty(userArgs, async (args) => {
                isWellFormed(await tenantUser.check({}, args));
            }),
            { numRuns: RUNS, seed: 42 },
        );
    });

    it("gives every refused TenantUser argument a failure naming a property", async () => {
        await fc.assert(
            fc.asyncProperty(userArgs, async (args) => {
                const r = await tenantUser.check({}, args);
                if (r.failures!.length === 0) return;
                const named = new Set(["email", "name", "phone", "country", "connection", "user", ...Object.keys(args)]);
                for (const f of r.failures!) expect([...named], `${f.property}: ${f.reason}`).to.include(f.property);
            }),
            { numRuns: RUNS, seed: 43 },
        );
    });

    it("accepts its own normalized TenantUser inputs unchanged (check is idempotent)", async () => {
        await fc.assert(
            fc.asyncProperty(userArgs, async (args) => {
                const first = await tenantUser.check({}, args);
                const hasUnknown = Object.values(first.inputs).includes(UNKNOWN);
                if (first.failures!.length > 0 || hasUnknown) return;
                const second = await tenantUser.check({}, first.inputs);
                expect(second.failures, JSON.stringify(first.inputs)).to.deep.equal([]);
                expect(second.inputs).to.deep.equal(first.inputs);
                expect(first.inputs.email).to.equal(String(first.inputs.email).trim().toLowerCase());
            }),
            { numRuns: RUNS, seed: 44 },
        );
    });

    it("accepts every address of fast-check's emailAddress() that fits in 254 characters", async () => {
        await fc.assert(
            fc.asyncProperty(
                fc.emailAddress().filter((e) => e.length <= 254),
                async (email) => {
                    const r = await tenantUser.check({}, { email, idempotencyScope: "p/s/u" });
                    expect(r.failures, email).to.deep.equal([]);
                },
            ),
            { numRuns: RUNS, seed: 45 },
        );
    });

    const rowLike = fc.oneof(
        fc.record({ email: anyValue, name: anyValue, phone: anyValue, country: anyValue }, { requiredKeys: [] }),
        fc.record({ email: fc.emailAddress(), name: fc.string({ minLength: 1, maxLength: 30 }) }),
        fc.jsonValue({ maxDepth: 2 }),
    );
    const rosterArgs = fc.record(
        {
            rows: fc.array(rowLike, { maxLength: 25 }),
            chunkSize: fc.oneof(fc.constant(undefined), fc.integer({ min: -5, max: 20_000 }), anyValue),
            concurrency: fc.oneof(fc.constant(undefined), fc.integer({ min: -2, max: 20 }), anyValue),
            onInvalid: fc.oneof(fc.constant(undefined), fc.constantFrom("fail", "report", "ignore"), anyValue),
            connection,
        },
        { requiredKeys: ["rows"] },
    );

    /** What the TenantUserRoster class sends: the rows packed into one string. */
    const rosterInputs = (a: any) =>
        viaEngine({
            users: pack({ rows: a.rows }),
            summary: "s",
            label: "crm",
            chunkSize: a.chunkSize,
            concurrency: a.concurrency,
            onInvalid: a.onInvalid,
            connection: a.connection,
        });

    it("returns inputs and failures for any roster arguments, never throwing", async () => {
        await fc.assert(
            fc.asyncProperty(rosterArgs, async (a) => {
                isWellFormed(await tenantUserRoster.check({}, rosterInputs(a)));
            }),
            { numRuns: RUNS, seed: 46 },
        );
    });

    it("keeps each email once among a checked roster's users", async () => {
        await fc.assert(
            fc.asyncProperty(rosterArgs, async (a) => {
                const r = await tenantUserRoster.check(
                    {},
                    { ...rosterInputs(a), onInvalid: "report", chunkSize: undefined, concurrency: undefined },
                );
                // A connection named by another resource's output is checked (with the rows) at up.
                if (typeof r.inputs.users !== "string" || r.failures!.length || a.connection === UNKNOWN) return;
                const desired = unpack<{ users: { email: string }[] }>(r.inputs.users);
                const emails = desired.users.map((u) => u.email);
                expect(new Set(emails).size, emails.join(",")).to.equal(emails.length);
            }),
            { numRuns: RUNS, seed: 47 },
        );
    });

    // Regression: both controllers once ran `String(news.connection)`, which throws for a JSON object
    // holding a `toString` key (found by the roster property above with RELIABILITY_FUZZ_RUNS=5000, seed 46).
    it("answers a connection object with a toString key with a connection failure, not a TypeError (TenantUser)", async () => {
        const r = await tenantUser.check({}, { email: "ada@example.com", connection: { toString: {} }, idempotencyScope: "p/s/u" });
        expect(r.failures!.map((f) => f.property)).to.include("connection");
    });

    it("answers a connection object with a toString key with a connection failure, not a TypeError (roster)", async () => {
        const r = await tenantUserRoster.check({}, { users: pack({ rows: [] }), summary: "s", label: "crm", connection: { toString: {} } });
        expect(r.failures!.map((f) => f.property)).to.include("connection");
    });

    it("refuses a roster users value that is not the packed form with a message saying so", async () => {
        // Only a program bypassing the TenantUserRoster class can send this; a clear error is enough.
        for (const users of ["[]", 42, { rows: [] }, "tu1:not-base64-deflate"]) {
            let result: any;
            let thrown: unknown;
            try {
                result = await tenantUserRoster.check({}, { users, summary: "s", label: "crm" });
            } catch (err) {
                thrown = err;
            }
            if (thrown === undefined) expect(result.failures.length, JSON.stringify(users)).to.be.above(0);
            else expect(String(thrown), JSON.stringify(users)).to.match(/packed form|invalid|unexpected end|incorrect header/i);
        }
    });
});

// ---------------------------------------------------------------------------------------------

describe(`${REQUESTS.toLocaleString("en-US")} malformed HTTP requests at the emulator`, function () {
    this.timeout(300_000);
    let r: ScenarioResult;
    before(async () => {
        r = await malformedRequests({ count: REQUESTS });
    });
    after(() => {
        if (r) console.log(`      ${formatResult(r)}`);
    });

    it("answers every one with a 4xx JSON error envelope", () => {
        expect(r.details.non4xxOrNotJson, JSON.stringify(r.details.examples)).to.equal(0);
        expect(
            Object.keys(r.details.byStatus as object).every((s) => Number(s) >= 400 && Number(s) < 500),
            JSON.stringify(r.details.byStatus),
        ).to.equal(true);
    });

    it("covers every kind of malformation the generator knows", () => {
        expect(Object.keys(r.details.byKind as object)).to.include.members([
            "no-credentials",
            "wrong-credentials",
            "media-type",
            "truncated-json",
            "invalid-json",
            "binary",
            "wrong-shape",
            "too-many",
            "idempotency-key",
            "unknown-route",
            "wrong-method",
            "control",
            "raw",
            "empty-body",
            "too-large",
        ]);
    });

    it("stays up, with nothing on stderr", () => {
        expect(r.details.crashes).to.equal(0);
        expect(r.problems.filter((p) => /died|stderr/.test(p))).to.deep.equal([]);
    });

    it("creates no user from any of them", () => {
        expect(r.extraUsers).to.equal(0);
    });
});

// ---------------------------------------------------------------------------------------------

const BAD_ANSWERS: { label: string; status: number; body: string; contentType?: string }[] = [
    { label: "an HTML error page with HTTP 200", status: 200, body: HTML_PAGE, contentType: "text/html" },
    { label: "an HTML error page with HTTP 502", status: 502, body: HTML_PAGE, contentType: "text/html" },
    { label: "truncated JSON", status: 200, body: '{"created": 1, "skipped": 0, "fai' },
    { label: "an empty body", status: 200, body: "" },
    { label: "JSON null", status: 200, body: "null" },
    { label: "a JSON array", status: 200, body: "[1,2,3]" },
    { label: "numbers as strings", status: 200, body: '{"created": "1", "skipped": "0", "failed": []}' },
    { label: "counts that do not add up", status: 200, body: '{"created": 7, "skipped": 0, "failed": []}' },
    {
        label: "a failed row pointing past the request",
        status: 200,
        body: '{"created": 0, "skipped": 0, "failed": [{"index": 9, "email": null, "error": "email_invalid"}]}',
    },
    { label: "a single answer with a numeric id", status: 201, body: '{"id": 42, "email": "ada@example.com", "status": "created"}' },
    { label: "a single answer about another user", status: 201, body: '{"id": "usr_1", "email": "eve@example.com", "status": "created"}' },
    { label: "a projects answer with created as a string", status: 201, body: '{"data": {"created": "all", "issues": []}}' },
    {
        label: "a projects answer that forgets the user",
        status: 201,
        body: '{"data": {"created": [], "issues": []}, "summary": {"requested": 1}}',
    },
    { label: "an unexpected 2xx status", status: 204, body: "" },
];

describe("malformed vendor answers at the dialect clients", function () {
    this.timeout(120_000);
    let vendor: FakeVendor;
    const https: HttpClient[] = [];
    before(async () => {
        vendor = await FakeVendor.start();
    });
    after(async () => {
        for (const h of https) await h.close();
        await vendor.close();
    });

    function client(dialect: Connection["dialect"]): DialectClient {
        const baseUrl = `${vendor.url}/${dialect}`;
        const http = new HttpClient({ baseUrl, maxAttempts: 2, retry: { baseDelayMs: 1, maxDelayMs: 2 } });
        https.push(http);
        return createDialectClient({ dialect, baseUrl, ...CREDS[dialect] }, http);
    }

    const calls: { dialect: Connection["dialect"]; endpoint: string; call: (c: DialectClient) => Promise<unknown> }[] = [
        { dialect: "zquence", endpoint: "POST /v1/tenants/add-user", call: (c) => c.addUser({ email: "ada@example.com" }, "k-1") },
        {
            dialect: "geldstuck",
            endpoint: "POST /v1/tenants/add-user-bulk",
            call: (c) => c.addUsersBulk([{ email: "ada@example.com" }, { email: "bob@example.com" }]),
        },
        { dialect: "projects", endpoint: "POST /v1/users", call: (c) => c.addUsersBulk([{ email: "ada@example.com" }]) },
    ];

    const sentBy = { zquence: ["ada@example.com"], geldstuck: ["ada@example.com", "bob@example.com"], projects: ["ada@example.com"] };

    for (const bad of BAD_ANSWERS) {
        if (bad.status >= 300) {
            // A 5xx is the vendor's trouble: retried up to maxAttempts (2 here), then a VendorError.
            it(`meets ${bad.label} with a VendorError naming the dialect, the endpoint, the status and the attempts`, async () => {
                vendor.answer = bad;
                for (const { dialect, endpoint, call } of calls) {
                    const error = await call(client(dialect)).then(
                        (v) => expect.fail(`${dialect}: resolved with ${JSON.stringify(v)}`),
                        (err: unknown) => err,
                    );
                    expect(error, `${dialect}: ${String(error)}`).to.be.instanceOf(VendorError);
                    expect(error, dialect).to.deep.include({ dialect, endpoint, status: bad.status, attempts: 2 });
                    expect((error as Error).message).to.include(endpoint);
                }
            });
            continue;
        }
        // A 2xx means the vendor may have committed: the client either throws a MalformedResponseError
        // saying where, or answers for exactly the users sent, refusing none and naming why it cannot tell.
        it(`meets ${bad.label} with a MalformedResponseError naming the dialect and the endpoint, or one outcome per user sent`, async () => {
            vendor.answer = bad;
            for (const { dialect, endpoint, call } of calls) {
                const result = await call(client(dialect)).then(
                    (value) => ({ value }),
                    (error: unknown) => ({ error }),
                );
                if ("error" in result) {
                    expect(result.error, `${dialect}: ${String(result.error)}`).to.be.instanceOf(MalformedResponseError);
                    expect(result.error, dialect).to.deep.include({ dialect, endpoint, status: bad.status, attempts: 1 });
                    expect((result.error as Error).message).to.include(endpoint);
                    continue;
                }
                const outcomes = [result.value].flat() as UserOutcome[];
                expect(
                    outcomes.map((o) => o.email),
                    dialect,
                ).to.deep.equal(sentBy[dialect]);
                for (const o of outcomes) {
                    expect(o.kind, `${dialect}: ${JSON.stringify(o)}`).to.be.oneOf(["created", "adopted", "present"]);
                    if (o.kind === "present")
                        expect(o.warning, `${dialect}: ${JSON.stringify(o)}`)
                            .to.be.a("string")
                            .and.include(dialect);
                }
            }
        });
    }

    it("either rejects with a TenantUsersError or returns one outcome per user sent, for any JSON answer", async () => {
        const gs = client("geldstuck");
        const pj = client("projects");
        const sent = [{ email: "ada@example.com" }, { email: "bob@example.com" }];
        await fc.assert(
            fc.asyncProperty(fc.jsonValue(), fc.constantFrom(200, 201, 207), async (body, status) => {
                vendor.answer = { status, body: JSON.stringify(body) };
                for (const c of [gs, pj]) {
                    try {
                        const out = await c.addUsersBulk(sent);
                        expect(out.map((o) => o.email)).to.deep.equal(sent.map((u) => u.email));
                    } catch (err) {
                        expect(err, String(err)).to.be.instanceOf(TenantUsersError);
                        expect((err as Error).message).to.match(/POST \/v1\/(tenants\/add-user-bulk|users)/);
                    }
                }
            }),
            { numRuns: Math.min(RUNS, 200), seed: 48 },
        );
    });
});

describe("malformed vendor answers at the controllers", function () {
    this.timeout(120_000);
    let vendor: FakeVendor;
    let n = 0;
    before(async () => {
        vendor = await FakeVendor.start();
    });
    after(async () => {
        await vendor.close();
    });

    /** A fresh named connection per case: the runtime caches live connections by name. */
    function connection(dialect: Connection["dialect"]): string {
        const name = `bad${++n}`;
        configure({
            "tenant-users:maxAttempts": "2",
            "tenant-users:batchWindowMs": "1",
            "tenant-users:connections": JSON.stringify({ [name]: { dialect, baseUrl: `${vendor.url}/${dialect}`, ...CREDS[dialect] } }),
        });
        return name;
    }

    // A success status whose body cannot be read comes after the vendor committed: never an error,
    // the users concerned are present (an answer we cannot attribute), with a warning.
    it("records a roster's users as present, not failed, when a 200 answer is an HTML page", async () => {
        vendor.answer = { status: 200, body: HTML_PAGE, contentType: "text/html" };
        const conn = connection("zquence");
        const checked = await tenantUserRoster.check(
            {},
            {
                users: pack({ rows: [{ email: "ada@example.com" }, { email: "bob@example.com" }] }),
                summary: "s",
                label: "crm",
                connection: conn,
            },
        );
        const { outs } = await tenantUserRoster.create(checked.inputs as any);
        expect(outs).to.include({ userCount: 2, presentCount: 2, createdCount: 0, adoptedCount: 0 });
        expect(outs.uncertainEmails).to.have.members(["ada@example.com", "bob@example.com"]);
    });

    it("records a TenantUser as present, not failed, when a 201 answer is truncated JSON", async () => {
        vendor.answer = { status: 201, body: '{"id": "usr_1", "email": "ada@exa' };
        const conn = connection("zquence");
        const checked = await tenantUser.check({}, { email: "ada@example.com", connection: conn, idempotencyScope: "p/s/ada" });
        const { outs } = await tenantUser.create(checked.inputs as any);
        expect(outs.status).to.equal("present");
    });

    it("records a projects roster's user as present, not failed, when a 201 answer has the wrong types", async () => {
        vendor.answer = { status: 201, body: '{"data": {"created": [{"id": 7, "email": null}], "issues": "none"}}' };
        const conn = connection("projects");
        const checked = await tenantUserRoster.check(
            {},
            { users: pack({ rows: [{ email: "ada@example.com" }] }), summary: "s", label: "crm", connection: conn },
        );
        const { outs } = await tenantUserRoster.create(checked.inputs as any);
        expect(outs).to.include({ userCount: 1, presentCount: 1 });
    });

    it("fails a roster create on a 502 HTML page, naming the endpoint, and records its users unsettled", async () => {
        vendor.answer = { status: 502, body: HTML_PAGE, contentType: "text/html" };
        const conn = connection("zquence");
        const checked = await tenantUserRoster.check(
            {},
            { users: pack({ rows: [{ email: "ada@example.com" }] }), summary: "s", label: "crm", connection: conn },
        );
        const error: any = await tenantUserRoster.create(checked.inputs as any).then(
            () => expect.fail("create resolved"),
            (err: unknown) => err,
        );
        expect(error.reasons?.[0]).to.include("POST /v1/tenants/add-user-bulk");
        expect(error.properties?.userCount).to.equal(0);
        expect(unpack<unknown[][]>(error.properties.users).map((u) => u[4])).to.deep.equal(["u"]);
    });
});

describe("malformed vendor answers through the CLI", function () {
    this.timeout(600_000);
    let r: ScenarioResult;
    before(async () => {
        r = await malformedAnswers({ size: 50, kinds: ["html"] });
    });
    after(() => {
        if (r) console.log(`      ${formatResult(r)}`);
    });

    it("fails each up with an error naming the endpoint and saying the answer is unusable", () => {
        expect(r.problems.filter((p) => /endpoint|malformed|crash/.test(p))).to.deep.equal([]);
        expect(r.messages).to.have.length(1);
    });

    it("records no user the vendor did not confirm", () => {
        expect(r.problems.filter((p) => /never confirmed/.test(p))).to.deep.equal([]);
    });

    it("converges once the vendor answers properly again", () => {
        expect(r.foundUsers).to.equal(50);
        expect(r.stateUsers).to.equal(50);
        expect(r.duplicates).to.equal(0);
        expect(r.webhookReceived).to.equal(50);
    });
});
