/** README: Webhooks — `tenant.users.invite`, signed as Standard Webhooks, from an outbox. */
import { expect } from "chai";
import { Webhook } from "standardwebhooks";
import { addUser, addUserBulk, eventually, startHarness, startReceiver, type Harness, type Receiver } from "./helpers";

describe("webhooks (README: Webhooks)", () => {
    let h: Harness;
    let receiver: Receiver | undefined;
    before(async () => {
        h = await startHarness();
    });
    after(async () => h.close());
    afterEach(async () => {
        await receiver?.close();
        receiver = undefined;
    });

    it("signs each delivery so that standardwebhooks verifies it with the tenant's secret", async () => {
        receiver = await startReceiver();
        const t = await h.control.createTenant("zquence", { webhookUrl: receiver.url });
        await addUser(t, { name: "Ada", email: "ada@example.com", phone: "+14155552671" });
        await eventually(() => receiver!.received.length === 1);
        const hook = receiver.received[0]!;
        const payload = new Webhook(t.webhookSecret).verify(hook.body, hook.headers);
        expect(hook.headers["webhook-id"]).to.match(/^msg_[0-9a-f]{24}$/);
        expect(hook.headers["webhook-signature"]).to.match(/^v1,[A-Za-z0-9+/]+=*$/);
        expect(hook.headers["content-type"]).to.equal("application/json");
        const user = (await h.control.users(t.tenantId))[0]!;
        expect(payload).to.deep.equal({
            type: "tenant.users.invite",
            timestamp: user.created_at,
            data: { tenant_id: t.tenantId, user: { id: user.id, email: "ada@example.com", name: "Ada", phone: "+14155552671" } },
        });
    });

    it("fails verification with another secret", async () => {
        receiver = await startReceiver();
        const t = await h.control.createTenant("geldstuck", { webhookUrl: receiver.url });
        const other = await h.control.createTenant("geldstuck");
        await addUser(t, { email: "a@example.com" });
        await eventually(() => receiver!.received.length === 1);
        const hook = receiver.received[0]!;
        expect(() => new Webhook(other.webhookSecret).verify(hook.body, hook.headers)).to.throw("No matching signature found");
    });

    it("sends Geldstuck events without a phone", async () => {
        receiver = await startReceiver();
        const t = await h.control.createTenant("geldstuck", { webhookUrl: receiver.url });
        await addUser(t, { email: "a@example.com", name: "A" });
        await eventually(() => receiver!.received.length === 1);
        expect(JSON.parse(receiver.received[0]!.body).data.user).to.have.keys(["id", "email", "name"]);
    });

    it("delivers exactly one event per created user and none for skipped or failed rows", async () => {
        receiver = await startReceiver();
        const t = await h.control.createTenant("zquence", { webhookUrl: receiver.url, rateLimit: null });
        await addUser(t, { email: "existing@example.com" });
        const users = Array.from({ length: 300 }, (_, i) => ({ email: `bulk-${i}@example.com` }));
        const res = await addUserBulk(t, [...users, { email: "existing@example.com" }, { email: "bad" }, { email: "bulk-0@example.com" }]);
        expect(res.body).to.include({ created: 300, skipped: 2 });
        await eventually(() => receiver!.received.length >= 301);
        await new Promise((r) => setTimeout(r, 300));
        const emails = receiver.received.map((r) => JSON.parse(r.body).data.user.email as string);
        expect(emails).to.have.length(301);
        expect(new Set(emails).size).to.equal(301);
        expect(new Set(receiver.received.map((r) => r.headers["webhook-id"])).size).to.equal(301);
        expect(emails).to.not.include("bad");
    });

    it("redelivers until a 2xx, with the same webhook-id on each attempt", async () => {
        receiver = await startReceiver((n) => (n < 2 ? 500 : 204));
        const t = await h.control.createTenant("zquence", { webhookUrl: receiver.url });
        await addUser(t, { email: "retry@example.com" });
        await eventually(() => receiver!.received.length === 3);
        expect(new Set(receiver.received.map((r) => r.headers["webhook-id"])).size).to.equal(1);
        await eventually(async () => (await h.control.webhooks(t.tenantId))[0]!.delivered);
        expect((await h.control.webhooks(t.tenantId))[0]).to.include({ attempts: 3, delivered: true, lastStatus: 204 });
    });

    it("keeps events in the outbox until the tenant has a webhook URL, then delivers them", async () => {
        const t = await h.control.createTenant("zquence");
        await addUserBulk(t, [{ email: "a@example.com" }, { email: "b@example.com" }]);
        const pending = await h.control.webhooks(t.tenantId);
        expect(pending.map((d) => [d.attempts, d.delivered])).to.deep.equal([
            [0, false],
            [0, false],
        ]);
        receiver = await startReceiver();
        await h.control.setWebhook(t.tenantId, receiver.url);
        await eventually(() => receiver!.received.length === 2);
        await eventually(async () => (await h.control.webhooks(t.tenantId)).every((d) => d.delivered));
    });

    it("writes no event for users inserted through the control API", async () => {
        const t = await h.control.createTenant("zquence");
        await h.control.insertUsers(t.tenantId, [{ email: "adopted@example.com" }]);
        expect(await h.control.webhooks(t.tenantId)).to.deep.equal([]);
    });
});
