/** README: Control API — tenants, users, request counts, reset. */
import { expect } from "chai";
import { Webhook } from "standardwebhooks";
import { DEMO_TENANTS, DEMO_WEBHOOK_SECRET, EmulatorControlError } from "../../emulator/index";
import { addUser, addUserBulk, projectsUsers, send, startHarness, type Harness } from "./helpers";

describe("control API (README: Control API)", () => {
    let h: Harness;
    before(async () => {
        h = await startHarness();
    });
    after(async () => h.close());

    it("refuses a control request addressed to another host name, token and all, as a DNS-rebinding page would send it", async () => {
        const answer = await send(`${h.url}/_emulator/tenants`, {
            headers: { host: "attacker.example", "x-emulator-control": h.emulator.controlToken },
            body: { dialect: "projects" },
        });
        expect(answer.status).to.equal(403);
        expect((answer.body as any).error.code).to.equal("control_host_refused");
        expect(JSON.stringify(answer.body)).to.not.include("sk_live_");
    });

    describe("POST /_emulator/tenants", () => {
        it("creates Zquence tenants with fresh zq_pk_/zq_sk_ keys and a whsec_ secret", async () => {
            const a = await h.control.createTenant("zquence");
            const b = await h.control.createTenant("zquence");
            expect(a.tenantId).to.match(/^ten_[0-9a-f]{24}$/);
            expect(a.apiKey).to.match(/^zq_pk_[0-9a-f]{24}$/);
            expect(a.apiSecret).to.match(/^zq_sk_[0-9a-f]{48}$/);
            expect(a.webhookSecret).to.match(/^whsec_[A-Za-z0-9+/]{32}$/);
            expect(() => new Webhook(a.webhookSecret)).to.not.throw();
            expect(a.baseUrl).to.equal(`${h.url}/zquence`);
            expect([b.apiKey, b.apiSecret, b.webhookSecret]).to.not.include.members([a.apiKey, a.apiSecret, a.webhookSecret]);
        });

        it("creates Geldstuck tenants with gs_pk_/gs_sk_ keys", async () => {
            const t = await h.control.createTenant("geldstuck");
            expect(t.apiKey).to.match(/^gs_pk_/);
            expect(t.apiSecret).to.match(/^gs_sk_/);
        });

        it("creates projects tenants with sk_test_ and sk_live_ keys", async () => {
            const t = await h.control.createTenant("projects");
            expect(t.testSecretKey).to.match(/^sk_test_[0-9a-f]{48}$/);
            expect(t.liveSecretKey).to.match(/^sk_live_[0-9a-f]{48}$/);
            expect(t).to.not.have.property("webhookSecret");
        });

        it("answers 400 invalid_request for an unknown dialect or field", async () => {
            for (const body of [{ dialect: "stripe" }, { dialect: "zquence", ratelimit: null }, {}]) {
                const res = await send(`${h.url}/_emulator/tenants`, { body, headers: { "x-emulator-control": h.emulator.controlToken } });
                expect(res.status).to.equal(400);
                expect(res.body.error.code).to.equal("invalid_request");
            }
        });
    });

    describe("users", () => {
        it("lists projects users per mode, and both modes without ?mode", async () => {
            const t = await h.control.createTenant("projects");
            await projectsUsers(t, t.testSecretKey, { users: [{ email: "t@example.com" }] });
            await projectsUsers(t, t.liveSecretKey, { users: [{ email: "l@example.com" }] });
            expect((await h.control.users(t.tenantId)).map((u) => [u.email, u.mode])).to.deep.equal([
                ["t@example.com", "test"],
                ["l@example.com", "live"],
            ]);
            expect((await h.control.users(t.tenantId, "live")).map((u) => u.email)).to.deep.equal(["l@example.com"]);
        });

        it("inserts users directly, skips those already held, and does not count the call as a request", async () => {
            const t = await h.control.createTenant("zquence");
            const first = await h.control.insertUsers(t.tenantId, [{ email: "Adopted@example.com", name: "Ad", phone: "+14155550100" }]);
            expect(first).to.deep.include({ inserted: 1, skipped: 0 });
            expect(first.users[0]).to.include({ email: "adopted@example.com", name: "Ad", phone: "+14155550100" });
            expect(await h.control.insertUsers(t.tenantId, [{ email: "adopted@example.com" }])).to.deep.include({
                inserted: 0,
                skipped: 1,
            });
            const res = await addUser(t, { email: "adopted@example.com" });
            expect(res.status).to.equal(200);
            expect(res.body.id).to.equal(first.users[0]!.id);
            expect((await h.control.requests(t.tenantId)).total).to.equal(1);
        });

        it("inserts projects users into the given mode", async () => {
            const t = await h.control.createTenant("projects");
            await h.control.insertUsers(t.tenantId, [{ email: "a@example.com", country: "de" }], "live");
            const res = await projectsUsers(t, t.liveSecretKey, { users: [{ email: "a@example.com" }] });
            expect(res.body.data.issues[0].user).to.include({ email: "a@example.com", country: "DE", mode: "live" });
            expect((await projectsUsers(t, t.testSecretKey, { users: [{ email: "a@example.com" }] })).status).to.equal(201);
        });

        it("refuses a direct insert with an invalid email (400 invalid_request)", async () => {
            const t = await h.control.createTenant("zquence");
            const error = await h.control.insertUsers(t.tenantId, [{ email: "nope" }]).catch((e: unknown) => e);
            expect(error).to.be.instanceOf(EmulatorControlError).and.include({ status: 400, code: "invalid_request" });
        });

        it("answers 404 tenant_not_found for an unknown tenant", async () => {
            const error = await h.control.users("ten_missing").catch((e: unknown) => e);
            expect(error).to.be.instanceOf(EmulatorControlError).and.include({ status: 404, code: "tenant_not_found" });
        });
    });

    describe("GET /_emulator/tenants/:tenantId/requests", () => {
        it("counts authenticated tenant requests per route, not control calls nor unauthenticated ones", async () => {
            const t = await h.control.createTenant("geldstuck");
            await addUser(t, { email: "a@example.com" });
            await addUser(t, { email: "bad" });
            await addUserBulk(t, [{ email: "b@example.com" }]);
            await addUser({ ...t, apiSecret: "wrong" }, { email: "c@example.com" });
            await h.control.users(t.tenantId);
            expect(await h.control.requests(t.tenantId)).to.deep.equal({
                total: 3,
                byRoute: { "POST /v1/tenants/add-user": 2, "POST /v1/tenants/add-user-bulk": 1 },
            });
        });
    });

    describe("POST /_emulator/reset", () => {
        it("clears every tenant except the demo ones, whose credentials keep working", async () => {
            const t = await h.control.createTenant("zquence");
            const demo = { baseUrl: `${h.url}/zquence`, apiKey: DEMO_TENANTS.zquence.apiKey, apiSecret: DEMO_TENANTS.zquence.apiSecret };
            await addUser(demo, { email: "demo@example.com" });
            await h.control.addFault({ sequence: ["500"] });
            await h.control.reset();
            expect((await addUser(t, { email: "a@example.com" })).status).to.equal(401);
            expect((await addUser(demo, { email: "demo@example.com" })).status).to.equal(201);
            expect(await h.control.faults()).to.deep.equal([]);
            const info = await h.control.tenant(DEMO_TENANTS.zquence.tenantId);
            expect(info).to.include({ demo: true, webhookSecret: DEMO_WEBHOOK_SECRET });
        });
    });
});
