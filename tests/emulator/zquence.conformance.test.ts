/** Seed 000 (Zquence): every test quotes the sentence it checks. */
import { expect } from "chai";
import type { TenantsApiTenant } from "../../emulator/index";
import { addUser, addUserBulk, send, startHarness, type Harness } from "./helpers";
import { tenantsApiConformance } from "./tenants-api-suite";

describe("Zquence conformance (seed 000)", () => {
    tenantsApiConformance("zquence");

    describe("Zquence specifics", () => {
        let h: Harness;
        let t: TenantsApiTenant;
        before(async () => {
            h = await startHarness();
            t = await h.control.createTenant("zquence");
        });
        after(async () => h.close());

        it('stores and returns the phone of the example: "phone": "+14155552671"', async () => {
            const res = await addUser(t, { name: "Ada Lovelace", email: "ada@example.com", phone: "+14155552671" });
            expect(res.status).to.equal(201);
            expect(res.body.phone).to.equal("+14155552671");
            expect((await h.control.users(t.tenantId))[0]!.phone).to.equal("+14155552671");
        });

        it("answers 400 phone_invalid with param phone for a phone that is not E.164 (README)", async () => {
            const res = await addUser(t, { email: "bad-phone@example.com", phone: "0044 20 7946 0958" });
            expect(res.status).to.equal(400);
            expect(res.body.error).to.include({ code: "phone_invalid", param: "phone" });
        });

        it("reports a bulk row with a bad phone in failed[] as phone_invalid (README)", async () => {
            const res = await addUserBulk(t, [
                { name: "Alice", email: "alice@example.com", phone: "+14155550111" },
                { name: "Bob", email: "bob@example.com", phone: "12" },
            ]);
            expect(res.body).to.deep.equal({
                created: 1,
                skipped: 0,
                failed: [{ index: 1, email: "bob@example.com", error: "phone_invalid" }],
            });
        });

        it("has no rate limit unless one is configured (README)", async () => {
            const results = await Promise.all(Array.from({ length: 60 }, (_, i) => addUser(t, { email: `burst-${i}@example.com` })));
            expect(results.every((r) => r.status === 201)).to.equal(true);
            expect(results[0]!.headers).to.not.have.property("ratelimit");
        });

        it("answers the demo credentials zq_pk_demo / zq_sk_demo (README)", async () => {
            const res = await send(`${h.url}/zquence/v1/tenants/add-user`, {
                body: { email: "demo@example.com" },
                headers: { "x-api-key": "zq_pk_demo", "x-api-secret": "zq_sk_demo" },
            });
            expect(res.status).to.equal(201);
        });
    });
});
