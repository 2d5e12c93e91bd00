import { expect } from "chai";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { ConnectionError } from "../../provider/errors";
import { HttpClient, sharedHttpClient, closeSharedHttpClients } from "../../provider/http/client";
import { recordingSleep, startScriptServer } from "./script-server";
import type { Answer, ScriptServer } from "./script-server";

describe("HttpClient", () => {
    let server: ScriptServer | undefined;
    let client: HttpClient | undefined;
    afterEach(async () => {
        await client?.close();
        await server?.close();
        client = server = undefined;
    });

    async function setup(script: Answer[] | ((n: number) => Answer), opts: { timeoutMs?: number; prefix?: string } = {}) {
        server = await startScriptServer((r) =>
            typeof script === "function" ? script(r.n) : (script[r.n - 1] ?? { status: 200, body: {} }),
        );
        const rec = recordingSleep();
        client = new HttpClient({
            baseUrl: server.url + (opts.prefix ?? "/zquence"),
            sleep: rec.sleep,
            retry: { random: () => 0.5 },
            ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
        });
        return rec;
    }

    it("prefixes the base URL's path to the request path and sends JSON", async () => {
        await setup([{ status: 201, body: { ok: true } }]);
        const res = await client!.request({
            method: "POST",
            path: "/v1/tenants/add-user",
            body: { email: "a@b.co" },
            headers: { "x-api-key": "k" },
        });
        expect(server!.requests[0]).to.deep.include({ method: "POST", url: "/zquence/v1/tenants/add-user", json: { email: "a@b.co" } });
        expect(server!.requests[0]!.headers).to.include({ "content-type": "application/json", "x-api-key": "k" });
        expect(res).to.deep.include({
            status: 201,
            body: { ok: true },
            bodyIsJson: true,
            attempts: 1,
            ambiguousRetry: false,
            endpoint: "POST /v1/tenants/add-user",
        });
        expect(res.requestId).to.match(/^req_/);
    });

    it("retries a 500 and a 503, then returns the 200 with the attempt count", async () => {
        const rec = await setup([
            { status: 500, body: { error: { code: "internal_error" } } },
            { status: 503, body: "<html>busy</html>" },
            { status: 200, body: { ok: 1 } },
        ]);
        const res = await client!.request({ method: "POST", path: "/x", body: [1] });
        expect(res.status).to.equal(200);
        expect(res.attempts).to.equal(3);
        expect(rec.waits).to.have.length(2);
        expect(res.ambiguousRetry).to.equal(true);
    });

    it("sends the same body and headers on every attempt", async () => {
        await setup([{ drop: true }, { status: 502 }, { status: 201, body: {} }]);
        await client!.request({
            method: "POST",
            path: "/x",
            body: { email: "a@b.co", name: "Ada" },
            headers: { "idempotency-key": "k-1" },
        });
        const reqs = server!.requests;
        expect(reqs).to.have.length(3);
        expect(new Set(reqs.map((r) => r.body)).size).to.equal(1);
        expect(reqs.map((r) => r.headers["idempotency-key"])).to.deep.equal(["k-1", "k-1", "k-1"]);
    });

    it("retries a dropped connection and marks the answer as obtained after an ambiguous retry", async () => {
        await setup([{ drop: true }, { status: 200, body: { created: 1 } }]);
        const res = await client!.request({ method: "POST", path: "/bulk", body: [] });
        expect(res).to.deep.include({ status: 200, attempts: 2, ambiguousRetry: true });
    });

    it("retries a 429 after the Retry-After seconds and does not mark it ambiguous", async () => {
        const rec = await setup([
            { status: 429, headers: { "retry-after": "2" }, body: { error: { code: "rate_limited" } } },
            { status: 200, body: {} },
        ]);
        const res = await client!.request({ method: "POST", path: "/x", body: {} });
        expect(rec.waits).to.deep.equal([2000]);
        expect(res).to.deep.include({ attempts: 2, ambiguousRetry: false });
    });

    it("retries a 409 idempotency_key_in_use but returns a 422 at once", async () => {
        await setup([
            { status: 409, body: { error: { code: "idempotency_key_in_use" } } },
            { status: 422, body: { error: { code: "idempotency_key_reuse" } } },
        ]);
        const res = await client!.request({ method: "POST", path: "/x", body: {} });
        expect(res.status).to.equal(422);
        expect(res.attempts).to.equal(2);
        expect(server!.requests).to.have.length(2);
    });

    it("never retries a 400", async () => {
        await setup([{ status: 400, body: { error: { code: "email_invalid" } } }]);
        const res = await client!.request({ method: "POST", path: "/x", body: {} });
        expect(res.status).to.equal(400);
        expect(server!.requests).to.have.length(1);
    });

    it("returns the last 503 after maxAttempts with the reason it stopped", async () => {
        await setup(() => ({ status: 503, body: { error: { code: "unavailable" } } }));
        const res = await client!.request({ method: "POST", path: "/x", body: {} });
        expect(res.attempts).to.equal(10);
        expect(res.retryReason).to.equal("503 unavailable: gave up after 10 attempts");
        expect(server!.requests).to.have.length(10);
    });

    it("throws a ConnectionError naming the attempts and last reason when every attempt drops", async () => {
        await setup(() => ({ drop: true }));
        const err = await client!.request({ method: "POST", path: "/v1/users", body: {}, dialect: "projects" }).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(ConnectionError);
        const e = err as ConnectionError;
        expect(e.attempts).to.equal(10);
        expect(e.endpoint).to.equal("POST /v1/users");
        expect(e.message).to.contain("gave up after 10 attempts").and.contain("POST /v1/users").and.contain("10 attempts");
    });

    it("throws a ConnectionError when nothing listens, after retrying", async () => {
        const rec = recordingSleep();
        const probe = await startScriptServer(() => ({}));
        const url = probe.url;
        await probe.close();
        client = new HttpClient({ baseUrl: url, sleep: rec.sleep, retry: { maxAttempts: 3 } });
        const err = await client.request({ method: "POST", path: "/x", body: {} }).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(ConnectionError);
        expect((err as ConnectionError).attempts).to.equal(3);
        expect((err as Error).message).to.contain("ECONNREFUSED");
    });

    it("times out a slow answer and retries it as possibly processed", async () => {
        await setup(
            [
                { status: 200, body: {}, delayMs: 300 },
                { status: 200, body: { second: true } },
            ],
            { timeoutMs: 50 },
        );
        const res = await client!.request({ method: "POST", path: "/x", body: {} });
        expect(res).to.deep.include({ attempts: 2, ambiguousRetry: true, body: { second: true } });
    });

    it("returns a truncated JSON body as raw text with the parse error", async () => {
        await setup([{ status: 200, body: '{"created": 1, "skip' }]);
        const res = await client!.request({ method: "POST", path: "/x", body: {} });
        expect(res.bodyIsJson).to.equal(false);
        expect(res.body).to.equal('{"created": 1, "skip');
        expect(res.parseError).to.be.a("string");
    });

    it("reuses keep-alive connections across sequential requests", async () => {
        await setup(() => ({ status: 200, body: {} }));
        for (let i = 0; i < 10; i++) await client!.request({ method: "POST", path: "/x", body: {} });
        // The pool may open a second socket while the first is being released.
        expect(server!.sockets()).to.be.at.most(2);
    });

    it("takes the base URL as a first argument too, with maxAttempts as a shorthand", async () => {
        const rec = recordingSleep();
        server = await startScriptServer(() => ({ status: 503 }));
        client = new HttpClient(`${server.url}/geldstuck`, { maxAttempts: 2, sleep: rec.sleep });
        const res = await client.request({ method: "POST", path: "/x", body: {} });
        expect(res.attempts).to.equal(2);
        expect(server.requests[0]!.url).to.equal("/geldstuck/x");
    });

    it("refuses a base URL it cannot parse without echoing it", () => {
        expect(() => new HttpClient({ baseUrl: "http//user:hunter2@host" }))
            .to.throw(TypeError)
            .with.property("message")
            .that.does.not.contain("hunter2");
    });

    it("shares one client per base URL, trailing slash or not", async () => {
        const a = sharedHttpClient("http://127.0.0.1:9/zquence");
        expect(sharedHttpClient("http://127.0.0.1:9/zquence/")).to.equal(a);
        expect(sharedHttpClient("http://127.0.0.1:9/geldstuck")).to.not.equal(a);
        await closeSharedHttpClients();
    });

    it("loads undici only when a client sends its first request, not when the provider's runtime loads", async () => {
        // A fresh process, as the dynamic provider's is: this worker has loaded undici already.
        const dist = path.resolve(__dirname, "..", "..", "provider");
        const script = `
            const http = require("node:http");
            const loaded = () => Object.keys(require.cache).some((f) => f.includes("/node_modules/undici/"));
            require(${JSON.stringify(path.join(dist, "runtime", "index.js"))});
            const { HttpClient } = require(${JSON.stringify(path.join(dist, "http", "client.js"))});
            const server = http.createServer((q, r) => r.end("{}")).listen(0, "127.0.0.1", async () => {
                const client = new HttpClient({ baseUrl: "http://127.0.0.1:" + server.address().port + "/zquence" });
                const before = loaded();
                await client.request({ method: "GET", path: "/ping" });
                console.log(JSON.stringify({ before, after: loaded() }));
                await client.close();
                server.close();
            });`;
        const { stdout } = await promisify(execFile)(process.execPath, ["-e", script]);
        expect(JSON.parse(stdout)).to.deep.equal({ before: false, after: true });
    });
});
