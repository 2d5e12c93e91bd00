/** README: `POST /_emulator/faults` — scripted and random failures. */
import { expect } from "chai";
import { Errors } from "../../emulator/errors";
import { EmulatorControlError, type FaultOutcome, type TenantsApiTenant } from "../../emulator/index";
import { addUser, addUserBulk, expectDropped, makeUsers, startHarness, type Harness } from "./helpers";

describe("faults (README: Control API, faults)", () => {
    let h: Harness;
    let t: TenantsApiTenant;
    before(async () => {
        h = await startHarness();
    });
    after(async () => h.close());
    beforeEach(async () => {
        await h.control.clearFaults();
        t = await h.control.createTenant("zquence");
    });

    it("consumes a sequence one entry per matching request, then lets requests pass", async () => {
        await h.control.addFault({ tenantId: t.tenantId, sequence: ["500", "503", "ok", "429"] });
        const statuses = [];
        for (let i = 0; i < 6; i++) statuses.push((await addUser(t, { email: `s${i}@example.com` })).status);
        expect(statuses).to.deep.equal([500, 503, 201, 429, 201, 201]);
        expect((await h.control.faults())[0]).to.include({ remaining: 0, matched: 4 });
    });

    it("answers injected 500 and 503 with internal_error and service_unavailable", async () => {
        await h.control.addFault({ tenantId: t.tenantId, sequence: ["500", "503"] });
        const a = await addUser(t, { email: "a@example.com" });
        const b = await addUser(t, { email: "a@example.com" });
        expect(a.body.error).to.include({ code: "internal_error", message: Errors.internalError.message });
        expect(b.body.error).to.include({ code: "service_unavailable", message: Errors.serviceUnavailable.message });
        expect(await h.control.users(t.tenantId)).to.have.length(0);
    });

    it("gives an injected 429 a Retry-After of 1 second by default", async () => {
        await h.control.addFault({ tenantId: t.tenantId, sequence: ["429"] });
        const res = await addUser(t, { email: "a@example.com" });
        expect(res.status).to.equal(429);
        expect(res.body.error.code).to.equal("rate_limited");
        expect(res.headers["retry-after"]).to.equal("1");
    });

    it("gives an injected 429 a Retry-After date about a second ahead with retryAfter: date", async () => {
        await h.control.addFault({ tenantId: t.tenantId, sequence: ["429"], retryAfter: "date" });
        const before = Date.now();
        const res = await addUser(t, { email: "a@example.com" });
        const wait = Date.parse(res.headers["retry-after"]!) - before;
        expect(wait).to.be.within(1_000, 4_000); // 1 to 2 s after the server read its clock, plus any delay before that
    });

    it("announces retryAfterSeconds on injected 429s", async () => {
        await h.control.addFault({ tenantId: t.tenantId, sequence: ["429"], retryAfterSeconds: 0 });
        expect((await addUser(t, { email: "a@example.com" })).headers["retry-after"]).to.equal("0");
    });

    it("drop-before closes the connection before any handling: nothing is written, the request is counted", async () => {
        await h.control.addFault({ tenantId: t.tenantId, sequence: ["drop-before"] });
        await expectDropped(addUser(t, { email: "a@example.com" }));
        expect(await h.control.users(t.tenantId)).to.have.length(0);
        expect((await h.control.requests(t.tenantId)).total).to.equal(1);
        expect((await addUser(t, { email: "a@example.com" })).status).to.equal(201);
    });

    it("drop-after-commit closes the connection without answering, leaving the users and their events committed", async () => {
        await h.control.addFault({ tenantId: t.tenantId, route: "POST /v1/tenants/add-user-bulk", sequence: ["drop-after-commit"] });
        await expectDropped(addUserBulk(t, makeUsers(500, "dac")));
        expect(await h.control.users(t.tenantId)).to.have.length(500);
        expect(await h.control.webhooks(t.tenantId)).to.have.length(500);
        expect((await addUserBulk(t, makeUsers(500, "dac"))).body).to.deep.equal({ created: 0, skipped: 500, failed: [] });
    });

    it("drop-after-commit on add-user keeps the idempotent answer, so the retry replays it", async () => {
        await h.control.addFault({ tenantId: t.tenantId, sequence: ["drop-after-commit"] });
        await expectDropped(addUser(t, { email: "a@example.com" }, { "Idempotency-Key": "drop-1" }));
        const retry = await addUser(t, { email: "a@example.com" }, { "Idempotency-Key": "drop-1" });
        expect(retry.status).to.equal(201);
        expect(retry.headers["idempotent-replayed"]).to.equal("true");
    });

    it("matches faults by route, dialect and tenant", async () => {
        const other = await h.control.createTenant("zquence");
        await h.control.addFault({ tenantId: t.tenantId, route: "POST /v1/tenants/add-user-bulk", sequence: ["500"] });
        await h.control.addFault({ dialect: "geldstuck", sequence: ["500"] });
        expect((await addUser(t, { email: "a@example.com" })).status).to.equal(201);
        expect((await addUserBulk(other, [{ email: "a@example.com" }])).status).to.equal(200);
        expect((await addUserBulk(t, [{ email: "b@example.com" }])).status).to.equal(500);
    });

    it("draws the same outcomes from the same probabilities and seed", async () => {
        const run = async (): Promise<number[]> => {
            await h.control.clearFaults();
            const tenant = await h.control.createTenant("zquence");
            await h.control.addFault({
                tenantId: tenant.tenantId,
                probabilities: { "500": 0.3, "503": 0.2, "429": 0.2 },
                seed: 42,
                retryAfterSeconds: 0,
            });
            const statuses: number[] = [];
            for (let i = 0; i < 30; i++) statuses.push((await addUser(tenant, { email: `p${i}@example.com` })).status);
            return statuses;
        };
        const first = await run();
        expect(await run()).to.deep.equal(first);
        expect([...new Set(first)]).to.include.members([201, 500, 503, 429]);
    });

    it("delays the answer by latencyMs", async () => {
        await h.control.addFault({ tenantId: t.tenantId, latencyMs: 150 });
        const started = Date.now();
        expect((await addUser(t, { email: "a@example.com" })).status).to.equal(201);
        expect(Date.now() - started).to.be.at.least(140);
    });

    it("cuts an injected latency short when the emulator closes", async () => {
        const own = await startHarness();
        const tenant = await own.control.createTenant("zquence");
        await own.control.addFault({ latencyMs: 600_000 });
        const pending = addUser(tenant, { email: "a@example.com" }).catch((e: unknown) => e);
        await new Promise((r) => setTimeout(r, 100));
        const started = Date.now();
        await own.close();
        await pending;
        expect(Date.now() - started).to.be.below(2_000);
    });

    it("DELETE /_emulator/faults clears every fault", async () => {
        await h.control.addFault({ sequence: ["500"] });
        await h.control.addFault({ sequence: ["503"] });
        expect(await h.control.clearFaults()).to.equal(2);
        expect((await addUser(t, { email: "a@example.com" })).status).to.equal(201);
    });

    it("refuses an unknown outcome or route with 400 invalid_request", async () => {
        for (const spec of [
            { sequence: ["teapot" as FaultOutcome] },
            { route: "POST /v1/nothing" },
            { probabilities: { "500": 0.7, "503": 0.7 } },
        ]) {
            const error = await h.control.addFault(spec).then(
                () => null,
                (e: unknown) => e,
            );
            expect(error).to.be.instanceOf(EmulatorControlError);
            expect(error).to.include({ status: 400, code: "invalid_request" });
        }
    });
});
