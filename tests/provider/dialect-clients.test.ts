import { expect } from "chai";
import { createDialectClient, failedOutcomeError } from "../../provider/dialects";
import type { Connection, DialectClient } from "../../provider/dialects";
import { AuthenticationError, ValidationError } from "../../provider/errors";
import { HttpClient } from "../../provider/http/client";
import { recordingSleep, startScriptServer } from "./script-server";
import type { Answer, ScriptServer } from "./script-server";

describe("dialect clients over HTTP", () => {
    let server: ScriptServer | undefined;
    let http: HttpClient | undefined;
    afterEach(async () => {
        await http?.close();
        await server?.close();
        http = server = undefined;
    });

    async function client(dialect: Connection["dialect"], script: Answer[]): Promise<DialectClient> {
        server = await startScriptServer((r) => script[r.n - 1] ?? { status: 500 });
        const baseUrl = `${server.url}/${dialect}`;
        http = new HttpClient({ baseUrl, sleep: recordingSleep().sleep });
        const creds = dialect === "projects" ? { secretKey: "sk_test_demo" } : { apiKey: "zq_pk_demo", apiSecret: "zq_sk_demo" };
        return createDialectClient({ dialect, baseUrl, ...creds }, http);
    }
    const created = (extra: object = {}) => ({
        status: 201,
        body: { id: "usr_1", email: "ada@example.com", name: "Ada", created_at: "t", status: "created", ...extra },
    });

    it("says that only the projects API's bulk answer names each user's outcome", async () => {
        const named: Record<string, boolean> = {};
        for (const dialect of ["zquence", "geldstuck", "projects"] as const) {
            const c = await client(dialect, []);
            named[dialect] = c.bulkNamesEachOutcome;
            await http?.close();
            await server?.close();
            http = server = undefined;
        }
        expect(named).to.deep.equal({ zquence: false, geldstuck: false, projects: true });
    });

    it("sends a Zquence add-user with both keys, the Idempotency-Key and the phone", async () => {
        const c = await client("zquence", [created({ phone: "+14155552671" })]);
        const o = await c.addUser({ email: "ada@example.com", name: "Ada", phone: "+14155552671" }, "user-sync-42");
        expect(o).to.deep.equal({ email: "ada@example.com", kind: "created", id: "usr_1", user: { name: "Ada", phone: "+14155552671" } });
        const r = server!.requests[0]!;
        expect(r.url).to.equal("/zquence/v1/tenants/add-user");
        expect(r.headers).to.include({ "x-api-key": "zq_pk_demo", "x-api-secret": "zq_sk_demo", "idempotency-key": "user-sync-42" });
        expect(r.json).to.deep.equal({ name: "Ada", email: "ada@example.com", phone: "+14155552671" });
    });

    it("reuses the Idempotency-Key on a retry after a dropped connection", async () => {
        const c = await client("zquence", [{ drop: true }, created()]);
        const o = await c.addUser({ email: "ada@example.com" }, "k-7");
        expect(o.kind).to.equal("created");
        expect(server!.requests.map((r) => r.headers["idempotency-key"])).to.deep.equal(["k-7", "k-7"]);
    });

    it("never sends a phone to Geldstuck", async () => {
        const c = await client("geldstuck", [{ status: 200, body: { created: 1, skipped: 0, failed: [] } }]);
        await c.addUsersBulk([{ email: "ada@example.com", phone: "+14155552671" }]);
        expect(server!.requests[0]!.json).to.deep.equal([{ email: "ada@example.com" }]);
        expect(server!.requests[0]!.url).to.equal("/geldstuck/v1/tenants/add-user-bulk");
    });

    it("sends a bulk as a raw array without an Idempotency-Key", async () => {
        const c = await client("zquence", [{ status: 200, body: { created: 2, skipped: 0, failed: [] } }]);
        const out = await c.addUsersBulk([{ email: "a@x.co", name: "A" }, { email: "b@x.co" }]);
        expect(out.map((o) => o.kind)).to.deep.equal(["created", "created"]);
        expect(server!.requests[0]!.json).to.deep.equal([{ name: "A", email: "a@x.co" }, { email: "b@x.co" }]);
        expect(server!.requests[0]!.headers["idempotency-key"]).to.equal(undefined);
    });

    it("reports users skipped on a retry after a drop as present, not adopted", async () => {
        const c = await client("geldstuck", [{ drop: true }, { status: 200, body: { created: 0, skipped: 2, failed: [] } }]);
        const out = await c.addUsersBulk([{ email: "a@x.co" }, { email: "b@x.co" }]);
        expect(out.map((o) => o.kind)).to.deep.equal(["present", "present"]);
    });

    it("sends projects users with the secret key as Authorization", async () => {
        const body = {
            data: { created: [{ id: "usr_9", email: "a@x.co", name: null, country: "GB", mode: "test", created_at: "t" }], issues: [] },
            summary: { requested: 1, created: 1, already_exists: 0, invalid: 0 },
        };
        const c = await client("projects", [{ status: 201, body }]);
        const o = await c.addUser({ email: "a@x.co", country: "GB" }, "ignored");
        expect(o).to.deep.equal({ email: "a@x.co", kind: "created", id: "usr_9", user: { country: "GB" } });
        const r = server!.requests[0]!;
        expect(r.url).to.equal("/projects/v1/users");
        expect(r.headers.authorization).to.equal("sk_test_demo");
        expect(r.json).to.deep.equal({ users: [{ email: "a@x.co", country: "GB" }] });
    });

    it("declares the batch limits 10000, 10000 and 1000", () => {
        const limits = (["zquence", "geldstuck", "projects"] as const).map(
            (dialect) =>
                createDialectClient(
                    { dialect, baseUrl: "http://127.0.0.1:9", apiKey: "k", apiSecret: "s", secretKey: "sk" },
                    new HttpClient({ baseUrl: "http://127.0.0.1:9" }),
                ).maxBatch,
        );
        expect(limits).to.deep.equal([10_000, 10_000, 1_000]);
    });

    it("refuses a bulk over maxBatch or with a duplicate before sending anything", async () => {
        const c = await client("projects", []);
        const many = Array.from({ length: 1001 }, (_, i) => ({ email: `u${i}@x.co` }));
        const e1 = await c.addUsersBulk(many).catch((e: unknown) => e);
        const e2 = await c.addUsersBulk([{ email: "a@x.co" }, { email: "a@x.co" }]).catch((e: unknown) => e);
        expect(e1).to.be.instanceOf(RangeError);
        expect(e2).to.be.instanceOf(RangeError);
        expect(await c.addUsersBulk([])).to.deep.equal([]);
        expect(server!.requests).to.have.length(0);
    });

    it("fails fast on missing credentials, naming them without values", () => {
        // Not key-shaped, so only leaving it out of the message (not the key patterns of redact) keeps it out.
        const apiKey = "plainKeyValue4f9c2a7e1b";
        const error = (() => {
            try {
                createDialectClient({ dialect: "zquence", baseUrl: "http://x", apiKey });
            } catch (err) {
                return err as Error;
            }
            return expect.fail("a zquence client without apiSecret was created");
        })();
        expect(error).to.be.instanceOf(AuthenticationError);
        expect(error.message).to.contain("zquence needs apiSecret");
        expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).to.not.contain(apiKey);
        expect(() => createDialectClient({ dialect: "projects", baseUrl: "http://x" })).to.throw(AuthenticationError, "secretKey");
    });

    it("turns a failed outcome into a ValidationError blaming the field the vendor named", () => {
        const e = failedOutcomeError(
            {
                email: "x@bad",
                kind: "failed",
                error: { code: "invalid_country", message: "projects refused the user: the country is not an ISO 3166-1 alpha-2 code" },
            },
            "projects",
            4,
        );
        expect(e).to.be.instanceOf(ValidationError);
        expect(e).to.deep.include({ field: "country", row: 4, vendorCode: "invalid_country", dialect: "projects" });
        expect(e.message).to.contain("x@bad: projects refused the user");
    });
});
