/** README: Rate limits (a token bucket per API key). */
import { expect } from "chai";
import { Errors } from "../../emulator/errors";
import type { TenantsApiTenant } from "../../emulator/index";
import { addUser, projectsUsers, startHarness, type Harness } from "./helpers";

describe("rate limits (README: Rate limits)", () => {
    let h: Harness;
    let now = Date.now(); // the emulator's clock: it only moves when a test moves it
    before(async () => {
        h = await startHarness({ clock: () => now });
    });
    after(async () => h.close());

    /** `n` requests one after the other, at the same instant of the emulator's clock. */
    const burst = async (t: TenantsApiTenant, n: number) => {
        const results = [];
        for (let i = 0; i < n; i++) results.push(await addUser(t, { email: `u${i}-${Math.random()}@example.com` }));
        return results;
    };

    it("answers 429 rate_limited with Retry-After in seconds once the burst is spent", async () => {
        const t = await h.control.createTenant("zquence", { rateLimit: { requestsPerSecond: 1, burst: 3 } });
        const results = await burst(t, 4);
        expect(results.map((r) => r.status)).to.deep.equal([201, 201, 201, 429]);
        const limited = results[3]!;
        expect(limited.body.error).to.include({ code: "rate_limited", message: Errors.rateLimited.message });
        expect(limited.headers["retry-after"]).to.equal("1");
    });

    it("sends RateLimit-Policy and RateLimit headers on allowed and refused requests", async () => {
        const t = await h.control.createTenant("zquence", { rateLimit: { requestsPerSecond: 2, burst: 4 } });
        const results = await burst(t, 5);
        expect(results[0]!.headers["ratelimit-policy"]).to.equal('"default";q=4;w=2');
        expect(results[0]!.headers.ratelimit).to.match(/^"default";r=3;t=1$/);
        expect(results[4]!.headers.ratelimit).to.equal('"default";r=0;t=1');
    });

    it("answers Retry-After as an HTTP date when the tenant is configured with retryAfter: date", async () => {
        const t = await h.control.createTenant("geldstuck", { rateLimit: { requestsPerSecond: 0.5, burst: 1, retryAfter: "date" } });
        now = Date.UTC(2030, 0, 1, 12, 0, 0, 250);
        const results = await burst(t, 2);
        expect(results[1]!.status).to.equal(429);
        expect(results[1]!.headers["retry-after"]).to.equal("Tue, 01 Jan 2030 12:00:03 GMT"); // 2 s for a token, rounded up
        expect(results[1]!.headers.ratelimit).to.equal('"default";r=0;t=2');
    });

    it("refills the bucket at requestsPerSecond", async () => {
        const t = await h.control.createTenant("zquence", { rateLimit: { requestsPerSecond: 20, burst: 1 } });
        expect((await burst(t, 2)).map((r) => r.status)).to.deep.equal([201, 429]);
        now += 40;
        expect((await burst(t, 1))[0]!.status).to.equal(429);
        now += 20;
        expect((await burst(t, 1))[0]!.status).to.equal(201);
    });

    it("buckets per API key: the TEST and LIVE keys of a projects tenant are limited separately", async () => {
        const t = await h.control.createTenant("projects", { rateLimit: { requestsPerSecond: 1, burst: 1 } });
        const body = (e: string) => ({ users: [{ email: e }] });
        expect((await projectsUsers(t, t.testSecretKey, body("a@example.com"))).status).to.equal(201);
        expect((await projectsUsers(t, t.testSecretKey, body("b@example.com"))).status).to.equal(429);
        expect((await projectsUsers(t, t.liveSecretKey, body("c@example.com"))).status).to.equal(201);
    });

    it("can be changed per tenant through the control API, and turned off with null", async () => {
        const t = await h.control.createTenant("geldstuck");
        expect((await h.control.tenant(t.tenantId)).rateLimit).to.deep.equal({ requestsPerSecond: 20, burst: 40, retryAfter: "seconds" });
        await h.control.setRateLimit(t.tenantId, { requestsPerSecond: 1, burst: 1 });
        expect((await burst(t, 2)).map((r) => r.status)).to.deep.equal([201, 429]);
        await h.control.setRateLimit(t.tenantId, null);
        const results = await burst(t, 50);
        expect(results.every((r) => r.status === 201)).to.equal(true);
    });

    it("counts refused requests in the tenant's request count", async () => {
        const t = await h.control.createTenant("zquence", { rateLimit: { requestsPerSecond: 1, burst: 1 } });
        await burst(t, 3);
        expect(await h.control.requests(t.tenantId)).to.deep.equal({ total: 3, byRoute: { "POST /v1/tenants/add-user": 3 } });
    });
});
