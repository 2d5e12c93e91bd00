/**
 * Property-based fuzzing of every route: whatever arrives, the answer is JSON,
 * carries x-request-id, is never a 5xx (no fault is injected here), and the
 * process stays up.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { TenantsApiTenant, ProjectsTenant } from "../../emulator/index";
import { send, startHarness, type Harness } from "./helpers";

const RUNS = Number(process.env.EMULATOR_FUZZ_RUNS ?? 300);

const headerSafe = (max: number) => fc.stringMatching(new RegExp(`^[ -~]{0,${max}}$`)).map((s) => s.trim());

const userLike = fc.record(
    {
        email: fc.oneof(fc.emailAddress(), fc.string(), fc.constant(null), fc.integer(), fc.constant(""), fc.constant(" A@B.CO ")),
        name: fc.oneof(fc.string({ maxLength: 250 }), fc.constant(null), fc.integer(), fc.constant("")),
        phone: fc.oneof(fc.stringMatching(/^\+[0-9]{0,16}$/), fc.string(), fc.constant(null)),
        country: fc.oneof(fc.stringMatching(/^[A-Za-z]{0,3}$/), fc.constant(null), fc.boolean()),
    },
    { requiredKeys: [] },
);

/** Bodies: valid-looking users, arrays of them, projects envelopes, arbitrary JSON, broken text. */
const body = fc.oneof(
    userLike.map((u) => JSON.stringify(u)),
    fc.array(fc.oneof(userLike, fc.jsonValue()), { maxLength: 20 }).map((a) => JSON.stringify(a)),
    fc
        .record({ users: fc.oneof(fc.array(userLike, { maxLength: 20 }), fc.jsonValue()) }, { requiredKeys: [] })
        .map((b) => JSON.stringify(b)),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 }),
    fc.constant(""),
    fc.constant("[".repeat(5000)),
    fc.constant(`${"[".repeat(3000)}${"]".repeat(3000)}`),
    fc.constant(
        '{"__proto__": {"email": "proto@example.com"}, "email": "own@example.com", "users": [{"__proto__": {}, "email": "p@example.com"}]}',
    ),
);

const contentType = fc.oneof(
    fc.constant("application/json"),
    fc.constant("application/json; charset=utf-8"),
    fc.constant("text/plain"),
    fc.constant(undefined),
    fc.stringMatching(/^[a-z/+.;= -]{0,30}$/),
);

const request = fc.record({
    body: fc.option(body, { nil: undefined }),
    contentType,
    idempotencyKey: fc.option(headerSafe(300), { nil: undefined }),
    method: fc.constantFrom("POST", "POST", "POST", "PUT", "GET", "DELETE"),
});

type Req = typeof request extends fc.Arbitrary<infer T> ? T : never;

async function expectWellFormed(url: string, req: Req, headers: Record<string, string>): Promise<number> {
    const h: Record<string, string> = { ...headers };
    if (req.contentType !== undefined && req.contentType !== "") h["content-type"] = req.contentType;
    if (req.idempotencyKey !== undefined && req.idempotencyKey !== "") h["idempotency-key"] = req.idempotencyKey;
    const body = req.method === "GET" ? undefined : req.body;
    const res = await send(url, { method: req.method, headers: h, body, json: false });
    expect(res.status, `${req.method} ${url} → ${res.status} ${res.text.slice(0, 300)}`).to.be.below(500);
    expect(res.headers["content-type"], res.text).to.match(/^application\/json/);
    expect(() => JSON.parse(res.text)).to.not.throw();
    expect(res.headers["x-request-id"]).to.match(/^req_[0-9a-f]{24}$/);
    return res.status;
}

describe("fuzzing every route (fast-check)", function () {
    this.timeout(60_000);
    let h: Harness;
    let zq: TenantsApiTenant;
    let gs: TenantsApiTenant;
    let pj: ProjectsTenant;
    let quiet: TenantsApiTenant;
    let control: Record<string, string>;

    before(async () => {
        h = await startHarness();
        zq = await h.control.createTenant("zquence");
        gs = await h.control.createTenant("geldstuck", { rateLimit: null });
        pj = await h.control.createTenant("projects");
        quiet = await h.control.createTenant("zquence"); // never given users through the API: no webhook can fire
        control = { "x-emulator-control": h.emulator.controlToken };
    });
    after(async () => h.close());
    afterEach(async () => {
        await h.control.clearFaults();
        expect(await h.control.health()).to.equal(true);
    });

    const routes: [string, () => string, () => Record<string, string>][] = [
        ["Zquence add-user", () => `${zq.baseUrl}/v1/tenants/add-user`, () => ({ "x-api-key": zq.apiKey, "x-api-secret": zq.apiSecret })],
        [
            "Zquence add-user-bulk",
            () => `${zq.baseUrl}/v1/tenants/add-user-bulk`,
            () => ({ "x-api-key": zq.apiKey, "x-api-secret": zq.apiSecret }),
        ],
        ["Geldstuck add-user", () => `${gs.baseUrl}/v1/tenants/add-user`, () => ({ "x-api-key": gs.apiKey, "x-api-secret": gs.apiSecret })],
        [
            "Geldstuck add-user-bulk",
            () => `${gs.baseUrl}/v1/tenants/add-user-bulk`,
            () => ({ "x-api-key": gs.apiKey, "x-api-secret": gs.apiSecret }),
        ],
        ["projects users (TEST)", () => `${pj.baseUrl}/v1/users`, () => ({ authorization: pj.testSecretKey })],
        ["projects users (LIVE, Bearer)", () => `${pj.baseUrl}/v1/users`, () => ({ authorization: `Bearer ${pj.liveSecretKey}` })],
        ["control: create tenant", () => `${h.url}/_emulator/tenants`, () => control],
        ["control: insert users", () => `${h.url}/_emulator/tenants/${quiet.tenantId}/users`, () => control],
        ["control: rate limit", () => `${h.url}/_emulator/tenants/${quiet.tenantId}/rate-limit`, () => control],
        ["control: webhook", () => `${h.url}/_emulator/tenants/${quiet.tenantId}/webhook`, () => control],
        ["control: faults", () => `${h.url}/_emulator/faults`, () => control],
    ];

    for (const [name, url, headers] of routes) {
        it(`answers ${name} with JSON and never a 5xx, whatever the request`, async () => {
            const statuses = new Set<number>();
            await fc.assert(
                fc.asyncProperty(request, async (req) => {
                    statuses.add(await expectWellFormed(url(), req, headers()));
                    if (name === "control: faults") await h.control.clearFaults();
                }),
                { numRuns: RUNS },
            );
            // the generators reach the handlers, not only the parsers
            if (!name.startsWith("control") && RUNS >= 100)
                expect(
                    [...statuses].some((s) => s < 300),
                    [...statuses].join(","),
                ).to.equal(true);
        });
    }

    it("answers random paths and credentials with JSON and never a 5xx", async () => {
        const path = fc.array(
            fc.constantFrom("zquence", "geldstuck", "projects", "_emulator", "v1", "tenants", "add-user", "users", "x", "%2e%2e", ""),
            { maxLength: 5 },
        );
        const creds = fc.constantFrom<Record<string, string>>(
            {},
            { authorization: "sk_test_nope" },
            { "x-api-key": "zq_pk_x", "x-api-secret": "y" },
            control,
        );
        await fc.assert(
            fc.asyncProperty(path, creds, request, async (p, c, req) => {
                await expectWellFormed(`${h.url}/${p.join("/")}`, req, c);
            }),
            { numRuns: RUNS },
        );
    });
});
