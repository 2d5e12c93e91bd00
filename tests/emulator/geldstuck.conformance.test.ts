/** Seed 001 (Geldstuck): every test quotes the sentence it checks. */
import { expect } from "chai";
import type { TenantsApiTenant } from "../../emulator/index";
import { addUser, addUserBulk, send, startHarness, type Harness } from "./helpers";
import { tenantsApiConformance } from "./tenants-api-suite";

describe("Geldstuck conformance (seed 001)", () => {
    tenantsApiConformance("geldstuck");

    describe("Geldstuck specifics", () => {
        let h: Harness;
        before(async () => {
            h = await startHarness();
        });
        after(async () => h.close());

        it('ignores phone, absent from the example body { "name": "Ada Lovelace", "email": "ada@example.com" } (README)', async () => {
            const t = await h.control.createTenant("geldstuck");
            const res = await addUser(t, { name: "Ada Lovelace", email: "ada@example.com", phone: "not a phone" });
            expect(res.status).to.equal(201);
            expect(res.body).to.not.have.property("phone");
            const bulk = await addUserBulk(t, [{ name: "Alice", email: "alice@example.com", phone: "12" }]);
            expect(bulk.body).to.deep.equal({ created: 1, skipped: 0, failed: [] });
        });

        it('"Retry on 429 - Honor Retry-After." (default 20 requests per second, burst 40)', async () => {
            const frozen = Date.now();
            const still = await startHarness({ clock: () => frozen }); // no refill while the 45 requests arrive
            try {
                const t: TenantsApiTenant = await still.control.createTenant("geldstuck");
                const results = await Promise.all(Array.from({ length: 45 }, (_, i) => addUser(t, { email: `r${i}@example.com` })));
                const limited = results.filter((r) => r.status === 429);
                expect(results.filter((r) => r.status === 201)).to.have.length(40);
                expect(limited).to.have.length(5);
                expect(limited[0]!.headers["retry-after"]).to.equal("1");
                expect(limited[0]!.body.error.code).to.equal("rate_limited");
                expect(limited[0]!.headers["ratelimit-policy"]).to.equal('"default";q=40;w=2');
                expect(limited[0]!.headers.ratelimit).to.equal('"default";r=0;t=1');
            } finally {
                await still.close();
            }
        });

        it("answers the demo credentials gs_pk_demo / gs_sk_demo (README)", async () => {
            const res = await send(`${h.url}/geldstuck/v1/tenants/add-user`, {
                body: { email: "demo@example.com" },
                headers: { "x-api-key": "gs_pk_demo", "x-api-secret": "gs_sk_demo" },
            });
            expect(res.status).to.equal(201);
        });
    });
});
