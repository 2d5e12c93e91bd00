/**
 * Answers the seeds allow but do not pin down (a 200 where our emulator says
 * 201, no `status` field, `failed[].email: "invalid"`), and success answers we
 * cannot attribute. A 2xx means the vendor committed: never an error after it,
 * at worst `present` with a warning.
 */
import { expect } from "chai";
import { createDialectClient } from "../../provider/dialects";
import type { Connection, DialectClient, UserOutcome } from "../../provider/dialects";
import { mapProjectsResponse } from "../../provider/dialects/projects-api";
import { mapTenantsResponse } from "../../provider/dialects/tenants-api";
import { HttpClient } from "../../provider/http/client";
import type { HttpResponse } from "../../provider/http/client";
import type { NormalizedUser } from "../../provider/schema";
import { recordingSleep, startScriptServer } from "./script-server";
import type { Answer, ScriptServer } from "./script-server";

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

const zq = { dialect: "zquence" as const, secrets: ["zq_sk_demo"] };
const gs = { dialect: "geldstuck" as const, secrets: ["gs_sk_demo"] };
const pj = { dialect: "projects" as const, secrets: ["sk_test_demo"] };
const ada: NormalizedUser = { email: "ada@example.com", name: "Ada" };
const three: NormalizedUser[] = [{ email: "a@x.co" }, { email: "b@x.co" }, { email: "c@x.co" }];
const kinds = (outcomes: UserOutcome[]) => outcomes.map((o) => o.kind);

const single = (r: HttpResponse, ctx = zq) => mapTenantsResponse(r, { kind: "single", user: ada }, ctx)[0]!;
const bulk = (r: HttpResponse, ctx = gs) => mapTenantsResponse(r, { kind: "bulk", users: three }, ctx);
const userNoStatus = { id: "usr_1", email: "ada@example.com", name: "Ada", created_at: "t" };

describe("a Zquence/Geldstuck single add without a status field", () => {
    it("is created when the vendor answers 201", () => {
        expect(single(res(201, userNoStatus))).to.deep.equal({
            email: "ada@example.com",
            kind: "created",
            id: "usr_1",
            user: { name: "Ada" },
        });
    });

    it("is adopted when the vendor answers 200 (it returned the existing user)", () => {
        expect(single(res(200, userNoStatus))).to.deep.equal({
            email: "ada@example.com",
            kind: "adopted",
            id: "usr_1",
            user: { name: "Ada" },
        });
    });

    it("is present, not adopted, when the 200 came after an ambiguous retry", () => {
        expect(single(res(200, userNoStatus, { ambiguousRetry: true })).kind).to.equal("present");
    });

    it("is present with a warning when a 202 tells neither created nor existing", () => {
        const o = single(res(202, userNoStatus));
        expect([o.kind, o.id]).to.deep.equal(["present", "usr_1"]);
        expect(o.warning).to.contain("HTTP 202 without a status field");
    });

    it("follows the status field over an HTTP status that says nothing (202 with status created)", () => {
        expect(single(res(202, { ...userNoStatus, status: "created" })).kind).to.equal("created");
    });

    it("is present with a warning when the status field contradicts the HTTP status", () => {
        const o = single(res(201, { ...userNoStatus, status: "existing" }));
        expect(o.kind).to.equal("present");
        expect(o.warning).to.contain("does not go with HTTP 201");
    });

    it("is present with a warning when a 201 has an empty body", () => {
        const o = single({ ...res(201, ""), parseError: "the body is empty" });
        expect(o.kind).to.equal("present");
        expect(o.warning).to.contain("not JSON (the body is empty)");
    });
});

describe("a Zquence/Geldstuck bulk answer", () => {
    it('fails the row at failed[].index when failed[].email is "invalid" (the seed\'s example)', () => {
        const out = bulk(res(200, { created: 2, skipped: 0, failed: [{ index: 1, email: "invalid", error: "email_invalid" }] }));
        expect(kinds(out)).to.deep.equal(["created", "failed", "created"]);
        expect(out[1]!.error!.code).to.equal("email_invalid");
    });

    it("warns on a failed row whose failed[].email is not the email sent at that index", () => {
        const out = bulk(res(200, { created: 2, skipped: 0, failed: [{ index: 1, email: "invalid", error: "email_invalid" }] }));
        expect(out[1]!.warning).to.contain("failed[] index 1 gives another email than the one sent");
        expect(out.map((o) => o.warning === undefined)).to.deep.equal([true, false, true]);
    });

    it("makes every user present with a warning when the counts do not add up", () => {
        const out = bulk(res(200, { created: 5, skipped: 0, failed: [] }));
        expect(kinds(out)).to.deep.equal(["present", "present", "present"]);
        expect(out[0]!.warning).to.contain("created 5 + skipped 0 + failed 0 = 5, but 3 users were sent");
    });

    it("keeps a row failed by a valid index failed when the counts do not add up", () => {
        const out = bulk(res(200, { created: 5, skipped: 0, failed: [{ index: 2, email: "c@x.co", error: "email_invalid" }] }));
        expect(kinds(out)).to.deep.equal(["present", "present", "failed"]);
    });

    it("makes every user present with a warning when failed[] names an index out of range", () => {
        const out = bulk(res(200, { created: 2, skipped: 0, failed: [{ index: 3, email: "x", error: "email_invalid" }] }));
        expect(kinds(out)).to.deep.equal(["present", "present", "present"]);
        expect(out[0]!.warning).to.contain("failed[] names index 3, but 3 users were sent");
    });

    it("makes every user present with a warning when a 2xx body is not JSON", () => {
        const out = bulk(res(200, "OK"));
        expect(kinds(out)).to.deep.equal(["present", "present", "present"]);
        expect(out[0]!.warning).to.contain("its body is not JSON");
    });

    it("makes every user present with a warning when a 2xx body has an unknown shape", () => {
        const out = bulk(res(200, { inserted: 3 }));
        expect(kinds(out)).to.deep.equal(["present", "present", "present"]);
        expect(out[0]!.warning).to.contain("unexpected shape");
    });

    it("reads a missing failed[] as none when the counts add up", () => {
        expect(kinds(bulk(res(200, { created: 3, skipped: 0 })))).to.deep.equal(["created", "created", "created"]);
    });

    it("is present, not adopted, when all users were skipped after an ambiguous retry", () => {
        expect(kinds(bulk(res(200, { created: 0, skipped: 3, failed: [] }, { ambiguousRetry: true })))).to.deep.equal([
            "present",
            "present",
            "present",
        ]);
    });

    it("names no email in a warning (emails are personal data)", () => {
        const out = bulk(res(200, { created: 2, skipped: 0, failed: [{ index: 1, email: "zed@x.co", error: "email_invalid" }] }));
        expect(out[1]!.warning).to.be.a("string").and.not.contain("b@x.co").and.not.contain("zed@x.co");
    });
});

describe("a projects answer", () => {
    const rec = (email: string, id: string) => ({ id, email, name: null, country: null, mode: "test", created_at: "t" });
    const allCreated = { data: { created: three.map((u, i) => rec(u.email, `usr_${i}`)), issues: [] } };
    const map = (r: HttpResponse) => mapProjectsResponse(r, three, pj);

    it('creates every user on a 200 (the seed says only "Successful")', () => {
        expect(kinds(map(res(200, allCreated)))).to.deep.equal(["created", "created", "created"]);
    });

    it("creates every user on a 201", () => {
        expect(map(res(201, allCreated)).map((o) => o.id)).to.deep.equal(["usr_0", "usr_1", "usr_2"]);
    });

    it("adopts an already_exists issue of a 207", () => {
        const body = {
            data: {
                created: [rec("a@x.co", "usr_0"), rec("c@x.co", "usr_2")],
                issues: [{ index: 1, email: "b@x.co", status: "already_exists", user: rec("b@x.co", "usr_old") }],
            },
        };
        expect(map(res(207, body)).map((o) => [o.kind, o.id])).to.deep.equal([
            ["created", "usr_0"],
            ["adopted", "usr_old"],
            ["created", "usr_2"],
        ]);
    });

    it("fails the user at issues[].index when issues[].email differs, with a warning", () => {
        const body = {
            data: {
                created: [rec("a@x.co", "usr_0"), rec("c@x.co", "usr_2")],
                issues: [{ index: 1, email: "invalid", status: "invalid", reason: "invalid_email" }],
            },
        };
        const o = map(res(207, body))[1]!;
        expect([o.kind, o.error?.code]).to.deep.equal(["failed", "invalid_email"]);
        expect(o.warning).to.contain("issues[] index 1 gives another email");
    });

    it("makes every user present with a warning when a 2xx body is not JSON", () => {
        const out = map(res(201, "<html>ok</html>"));
        expect(kinds(out)).to.deep.equal(["present", "present", "present"]);
        expect(out[2]!.warning).to.contain("not JSON");
    });
});

describe("variant answers over HTTP", () => {
    let server: ScriptServer | undefined;
    let http: HttpClient | undefined;
    afterEach(async () => {
        await http?.close();
        await server?.close();
        http = server = undefined;
    });

    async function client(dialect: Connection["dialect"], script: Answer[], creds: Partial<Connection>): Promise<DialectClient> {
        server = await startScriptServer((r) => script[r.n - 1] ?? { status: 500 });
        const baseUrl = `${server.url}/${dialect}`;
        http = new HttpClient({ baseUrl, sleep: recordingSleep().sleep });
        return createDialectClient({ dialect, baseUrl, ...creds }, http);
    }
    const keys = { apiKey: "Q7rXk2mWp9LsT4vB", apiSecret: "Zt8Hn3cYw6JdF1qR" };

    it("is present, not adopted, when a single add answers 200 without status after a dropped attempt", async () => {
        const c = await client("zquence", [{ drop: true }, { status: 200, body: userNoStatus }], keys);
        const o = await c.addUser(ada, "k-1");
        expect([o.kind, server!.requests.length]).to.deep.equal(["present", 2]);
    });

    it("creates every projects user on a 200 through the client", async () => {
        const body = { data: { created: [{ id: "usr_1", email: "ada@example.com", name: "Ada", country: null }], issues: [] } };
        const c = await client("projects", [{ status: 200, body }], { secretKey: "Mv5Kp2Wq8Xr4Tz7N" });
        expect((await c.addUsersBulk([ada]))[0]!.kind).to.equal("created");
    });

    it("keeps the credentials out of the warning for a 2xx non-JSON body quoting them", async () => {
        const c = await client(
            "geldstuck",
            [{ status: 200, headers: { "content-type": "text/plain" }, body: `${keys.apiKey} ${keys.apiSecret} ok` }],
            keys,
        );
        const [o] = await c.addUsersBulk([ada, { email: "bob@example.com" }]);
        expect(o!.warning).to.contain("[redacted]").and.not.contain(keys.apiKey).and.not.contain(keys.apiSecret);
    });
});
