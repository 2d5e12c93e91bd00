/** README: `Idempotency-Key` on single add-user, per tenant, kept 24 h. */
import { expect } from "chai";
import { Errors } from "../../emulator/errors";
import type { TenantsApiTenant } from "../../emulator/index";
import { addUser, eventually, startHarness, type Harness } from "./helpers";

describe("Idempotency-Key (README: add-user)", () => {
    let h: Harness;
    let t: TenantsApiTenant;
    let now = Date.now();
    before(async () => {
        h = await startHarness({ clock: () => now });
    });
    after(async () => h.close());
    beforeEach(async () => {
        now = Date.now();
        t = await h.control.createTenant("zquence");
    });

    const key = (k: string) => ({ "Idempotency-Key": k });

    it("replays the first answer for the same key and body, with the same status and body and idempotent-replayed: true", async () => {
        const first = await addUser(t, { email: "a@example.com", name: "Ada" }, key("k1"));
        expect(first.headers).to.not.have.property("idempotent-replayed");
        const replay = await addUser(t, { name: "Ada", email: "a@example.com" }, key("k1"));
        expect(replay.status).to.equal(201);
        expect(replay.text).to.equal(first.text);
        expect(replay.headers["idempotent-replayed"]).to.equal("true");
        expect(replay.headers["x-request-id"]).to.not.equal(first.headers["x-request-id"]);
    });

    it("replays a 200 existing answer as 200", async () => {
        await addUser(t, { email: "a@example.com" });
        const first = await addUser(t, { email: "a@example.com" }, key("k-existing"));
        const replay = await addUser(t, { email: "a@example.com" }, key("k-existing"));
        expect([first.status, replay.status]).to.deep.equal([200, 200]);
        expect(replay.body.status).to.equal("existing");
    });

    it("answers 422 idempotency_key_reuse for the same key with another body", async () => {
        await addUser(t, { email: "a@example.com" }, key("k2"));
        const res = await addUser(t, { email: "b@example.com" }, key("k2"));
        expect(res.status).to.equal(422);
        expect(res.body.error).to.include({ code: "idempotency_key_reuse", message: Errors.idempotencyKeyReuse.message });
        expect(await h.control.users(t.tenantId)).to.have.length(1);
    });

    it("answers 409 idempotency_key_in_use while the first request with that key is still running", async () => {
        // Only the first request is slowed down (a one-entry sequence), by a full second.
        await h.control.addFault({ tenantId: t.tenantId, sequence: ["ok"], latencyMs: 1_000 });
        const first = addUser(t, { email: "slow@example.com" }, key("k3"));
        await eventually(async () => (await h.control.faults())[0]!.matched === 1);
        await new Promise((r) => setTimeout(r, 50)); // from the fault decision to the key reservation: body parsing only
        const second = await addUser(t, { email: "slow@example.com" }, key("k3"));
        expect(second.status).to.equal(409);
        expect(second.body.error).to.include({ code: "idempotency_key_in_use", message: Errors.idempotencyKeyInUse.message });
        expect((await first).status).to.equal(201);
        const third = await addUser(t, { email: "slow@example.com" }, key("k3"));
        expect(third.headers["idempotent-replayed"]).to.equal("true");
        await h.control.clearFaults();
    });

    it("keeps keys per tenant: the same key in another tenant is a new request", async () => {
        const other = await h.control.createTenant("zquence");
        await addUser(t, { email: "a@example.com" }, key("shared"));
        const res = await addUser(other, { email: "b@example.com" }, key("shared"));
        expect(res.status).to.equal(201);
        expect(res.headers).to.not.have.property("idempotent-replayed");
    });

    it("does not store a 400, so the key can be retried with a corrected body", async () => {
        const bad = await addUser(t, { email: "broken" }, key("k4"));
        expect(bad.status).to.equal(400);
        const good = await addUser(t, { email: "fixed@example.com" }, key("k4"));
        expect(good.status).to.equal(201);
    });

    it("forgets a key after 24 hours", async () => {
        await addUser(t, { email: "a@example.com" }, key("k5"));
        now += 24 * 60 * 60 * 1000 + 1;
        const res = await addUser(t, { email: "b@example.com" }, key("k5"));
        expect(res.status).to.equal(201);
        expect(res.headers).to.not.have.property("idempotent-replayed");
    });

    it("still replays a key 23 hours later", async () => {
        await addUser(t, { email: "a@example.com" }, key("k6"));
        now += 23 * 60 * 60 * 1000;
        const res = await addUser(t, { email: "a@example.com" }, key("k6"));
        expect(res.headers["idempotent-replayed"]).to.equal("true");
    });

    it("answers 400 idempotency_key_invalid for a key longer than 255 characters", async () => {
        const res = await addUser(t, { email: "a@example.com" }, key("k".repeat(256)));
        expect(res.status).to.equal(400);
        expect(res.body.error).to.include({ code: "idempotency_key_invalid" });
        expect((await addUser(t, { email: "a@example.com" }, key("k".repeat(255)))).status).to.equal(201);
    });
});
