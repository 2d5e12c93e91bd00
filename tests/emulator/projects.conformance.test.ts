/** Seed 002 (projects API): every test quotes the sentence it checks. */
import { expect } from "chai";
import { Errors } from "../../emulator/errors";
import type { ProjectsTenant } from "../../emulator/index";
import { projectsUsers, send, startHarness, type Harness } from "./helpers";

describe("projects conformance (seed 002)", () => {
    let h: Harness;
    let t: ProjectsTenant;
    before(async () => {
        h = await startHarness();
    });
    after(async () => h.close());
    beforeEach(async () => {
        t = await h.control.createTenant("projects");
    });

    const post = (body: unknown, key = t.testSecretKey) => projectsUsers(t, key, body);

    describe("Authorization", () => {
        it('"All you need is to include your secret key as a value of authorization in the header"', async () => {
            const res = await post({ users: [{ email: "a@example.com" }] });
            expect(res.status).to.equal(201);
            const bearer = await post({ users: [{ email: "b@example.com" }] }, `Bearer ${t.testSecretKey}`);
            expect(bearer.status).to.equal(201);
        });

        it("answers 401 unauthorized without a known secret key (README)", async () => {
            const res = await send(`${t.baseUrl}/v1/users`, { body: { users: [{ email: "a@example.com" }] } });
            expect(res.status).to.equal(401);
            expect(res.body.error).to.include({ code: "unauthorized", message: Errors.unauthorized.message });
            expect((await post({ users: [{ email: "a@example.com" }] }, "sk_test_unknown")).status).to.equal(401);
        });

        it('"Use the secret key that matches the mode you are in TEST or LIVE"', async () => {
            const test = await post({ users: [{ email: "a@example.com" }] }, t.testSecretKey);
            const live = await post({ users: [{ email: "b@example.com" }] }, t.liveSecretKey);
            expect(test.body.data.created[0].mode).to.equal("test");
            expect(live.body.data.created[0].mode).to.equal("live");
            expect((await h.control.users(t.tenantId, "test")).map((u) => u.email)).to.deep.equal(["a@example.com"]);
            expect((await h.control.users(t.tenantId, "live")).map((u) => u.email)).to.deep.equal(["b@example.com"]);
        });
    });

    describe("Request Body", () => {
        it('"Each user object should contain an email and optionally a name and country code."', async () => {
            const res = await post({ users: [{ email: "a@example.com", name: "Ada", country: "GB" }, { email: "b@example.com" }] });
            expect(res.status).to.equal(201);
            const [a, b] = res.body.data.created;
            expect(a).to.include({ email: "a@example.com", name: "Ada", country: "GB", mode: "test" });
            expect(a.id).to.match(/^usr_[0-9a-f]{24}$/);
            expect(b).to.include({ email: "b@example.com", name: null, country: null });
            expect(res.body.summary).to.deep.equal({ requested: 2, created: 2, already_exists: 0, invalid: 0 });
            expect(res.body.data.issues).to.deep.equal([]);
        });

        it('"Minimum 1 user, maximum 1000 users per request." (1,000 are accepted)', async () => {
            const users = Array.from({ length: 1000 }, (_, i) => ({ email: `u${i}@example.com` }));
            const res = await post({ users });
            expect(res.status).to.equal(201);
            expect(res.body.summary.created).to.equal(1000);
        });

        it('"The email address of the user. Must be a valid email format."', async () => {
            const res = await post({ users: [{ email: "not-an-email" }] });
            expect(res.status).to.equal(207);
            expect(res.body.data.issues).to.deep.equal([{ index: 0, email: "not-an-email", status: "invalid", reason: "invalid_email" }]);
        });

        it('"A 2-letter ISO country code (e.g., “US”, “GB”, “FR”). Must be uppercase or will be converted to uppercase."', async () => {
            const res = await post({
                users: [
                    { email: "a@example.com", country: "fr" },
                    { email: "b@example.com", country: "XX" },
                ],
            });
            expect(res.body.data.created[0].country).to.equal("FR");
            expect(res.body.data.issues).to.deep.equal([
                { index: 1, email: "b@example.com", status: "invalid", reason: "invalid_country" },
            ]);
        });
    });

    describe("uniqueness", () => {
        it('"Users are unique per project and mode combination. The same email can exist in both TEST and LIVE modes."', async () => {
            expect((await post({ users: [{ email: "a@example.com" }] }, t.testSecretKey)).status).to.equal(201);
            expect((await post({ users: [{ email: "a@example.com" }] }, t.liveSecretKey)).status).to.equal(201);
            const again = await post({ users: [{ email: "A@example.com" }] }, t.liveSecretKey);
            expect(again.status).to.equal(207);
            expect(again.body.data.issues[0]).to.include({ status: "already_exists" });
        });

        it('"Duplicate emails within the same request will be rejected." (the first occurrence is processed)', async () => {
            const res = await post({ users: [{ email: "a@example.com" }, { email: "A@example.com " }] });
            expect(res.status).to.equal(207);
            expect(res.body.data.created.map((u: { email: string }) => u.email)).to.deep.equal(["a@example.com"]);
            expect(res.body.data.issues).to.deep.equal([
                { index: 1, email: "A@example.com ", status: "invalid", reason: "duplicate_in_request" },
            ]);
        });

        it('"If some users already exist or are invalid, the operation will continue and create the valid, non-duplicate users."', async () => {
            await post({ users: [{ email: "old@example.com" }] });
            const res = await post({ users: [{ email: "old@example.com" }, { email: "bad" }, { email: "new@example.com" }] });
            expect(res.body.data.created.map((u: { email: string }) => u.email)).to.deep.equal(["new@example.com"]);
            expect(res.body.summary).to.deep.equal({ requested: 3, created: 1, already_exists: 1, invalid: 1 });
        });
    });

    describe("Response", () => {
        it('"When some users already exist or have validation errors, you’ll receive a 207 Multi-Status response"', async () => {
            await post({ users: [{ email: "old@example.com" }] });
            expect((await post({ users: [{ email: "old@example.com" }] })).status).to.equal(207);
            expect((await post({ users: [{ email: "x" }] })).status).to.equal(207);
        });

        it('"already_exists: A user with this email already exists in the project for the current mode. The existing user’s data is included in the response."', async () => {
            const first = await post({ users: [{ email: "old@example.com", name: "Old", country: "US" }] });
            const res = await post({ users: [{ email: "old@example.com", name: "New" }] });
            expect(res.body.data.issues).to.deep.equal([
                { index: 0, email: "old@example.com", status: "already_exists", user: first.body.data.created[0] },
            ]);
        });

        it('"invalid: The user data failed validation (e.g., invalid email format, invalid country code, duplicate in request, missing email)."', async () => {
            const res = await post({
                users: [
                    { email: "bad" },
                    { email: "c@example.com", country: "ZZ" },
                    { email: "d@example.com" },
                    { email: "d@example.com" },
                    { name: "No Email" },
                    "x",
                    { email: "e@example.com", name: "" },
                ],
            });
            expect(res.body.data.issues.map((i: { reason: string }) => i.reason)).to.deep.equal([
                "invalid_email",
                "invalid_country",
                "duplicate_in_request",
                "missing_email",
                "missing_email",
                "invalid_name",
            ]);
        });

        it('"Returned when some users have validation errors. The response includes which users failed and why."', async () => {
            const res = await post({ users: [{ email: "ok@example.com" }, { email: "@nope" }] });
            expect(res.status).to.equal(207);
            expect(res.body.data.issues).to.deep.equal([{ index: 1, email: "@nope", status: "invalid", reason: "invalid_email" }]);
        });
    });

    describe("Error Responses (the five 400s)", () => {
        const cases: [
            string,
            () => Promise<{ status: number; body: { error: { code: string; message: string } } }>,
            (typeof Errors)[keyof typeof Errors],
        ][] = [
            [
                '"Returned when the request body is missing or empty."',
                () => send(`${t.baseUrl}/v1/users`, { headers: { authorization: t.testSecretKey } }),
                Errors.missingBody,
            ],
            ['"Returned when the request body is missing or empty." (an empty JSON body)', () => post("  "), Errors.missingBody],
            ['"Returned when the users array is missing or not an array."', () => post({ people: [] }), Errors.invalidFormat],
            [
                '"Returned when the users array is missing or not an array." (users is an object)',
                () => post({ users: { email: "a@example.com" } }),
                Errors.invalidFormat,
            ],
            ['"Returned when the users array is empty."', () => post({ users: [] }), Errors.emptyArray],
            [
                '"Returned when the request contains more than 1000 users."',
                () => post({ users: Array.from({ length: 1001 }, (_, i) => ({ email: `u${i}@example.com` })) }),
                Errors.tooManyUsers,
            ],
            ['"Returned when the request body contains malformed JSON."', () => post('{"users": [}'), Errors.invalidJson],
        ];
        for (const [name, call, expected] of cases) {
            it(`${name} → 400 ${expected.code}`, async () => {
                const res = await call();
                expect(res.status).to.equal(400);
                expect(res.body.error).to.include({ code: expected.code, message: expected.message });
                expect(await h.control.users(t.tenantId)).to.have.length(0);
            });
        }

        it('"500 Internal Server Error - Returned when an unexpected error occurs." (injected)', async () => {
            await h.control.addFault({ tenantId: t.tenantId, sequence: ["500"] });
            const res = await post({ users: [{ email: "a@example.com" }] });
            expect(res.status).to.equal(500);
            expect(res.body.error).to.include({ code: "internal_error", message: Errors.internalError.message });
        });
    });

    it("sends no webhooks, since the seed documents none (README)", async () => {
        await post({ users: [{ email: "a@example.com" }] });
        expect(await h.control.webhooks(t.tenantId)).to.deep.equal([]);
    });
});
