/** README "Common to every dialect" and the control API's access rules. */
import { expect } from "chai";
import { Errors } from "../../emulator/errors";
import { DEMO_TENANTS } from "../../emulator/index";
import { send, startHarness, type Harness } from "./helpers";

const ZQ = { "x-api-key": DEMO_TENANTS.zquence.apiKey, "x-api-secret": DEMO_TENANTS.zquence.apiSecret };

describe("every dialect (README: Common to every dialect)", () => {
    let h: Harness;
    before(async () => {
        h = await startHarness();
    });
    after(async () => h.close());

    it("sets x-request-id: req_<24 hex> on every response, matching request_id in error bodies", async () => {
        const answers = await Promise.all([
            send(`${h.url}/zquence/v1/tenants/add-user`, { body: { email: "rid@example.com" }, headers: ZQ }),
            send(`${h.url}/nowhere`, { method: "GET" }),
            send(`${h.url}/projects/v1/users`, { body: {} }),
            send(`${h.url}/_emulator/health`, { method: "GET" }),
        ]);
        for (const a of answers) expect(a.headers["x-request-id"]).to.match(/^req_[0-9a-f]{24}$/);
        expect(answers[1]!.body.error.request_id).to.equal(answers[1]!.headers["x-request-id"]);
    });

    it("answers every response with JSON", async () => {
        const a = await send(`${h.url}/zquence/v1/tenants/add-user`, { body: "{", headers: ZQ });
        expect(a.headers["content-type"]).to.match(/^application\/json/);
    });

    it("answers an unknown route with 404 not_found", async () => {
        for (const [method, path] of [
            ["GET", "/"],
            ["POST", "/zquence/v1/tenants/delete-user"],
            ["GET", "/zquence/v1/tenants/add-user"],
            ["POST", "/projects/v2/users"],
        ] as const) {
            const res = await send(`${h.url}${path}`, { method, body: method === "POST" ? "{not json" : undefined, headers: ZQ });
            expect(res.status, `${method} ${path}`).to.equal(404);
            expect(res.body.error).to.include({ code: "not_found", message: Errors.notFound.message });
        }
    });

    it("answers missing credentials with 401 unauthorized", async () => {
        for (const path of ["/zquence/v1/tenants/add-user", "/geldstuck/v1/tenants/add-user-bulk", "/projects/v1/users"]) {
            const res = await send(`${h.url}${path}`, { body: { email: "a@example.com" } });
            expect(res.status, path).to.equal(401);
            expect(res.body.error.code).to.equal("unauthorized");
        }
    });

    it("answers one dialect's keys used on another dialect's URL with 401 unauthorized", async () => {
        const res = await send(`${h.url}/geldstuck/v1/tenants/add-user`, { body: { email: "a@example.com" }, headers: ZQ });
        expect(res.status).to.equal(401);
    });

    it("answers a wrong content type with 415 unsupported_media_type", async () => {
        const res = await send(`${h.url}/zquence/v1/tenants/add-user`, {
            body: "email=a@example.com",
            headers: { ...ZQ, "content-type": "application/x-www-form-urlencoded" },
        });
        expect(res.status).to.equal(415);
        expect(res.body.error).to.include({ code: "unsupported_media_type", message: Errors.unsupportedMediaType.message });
    });

    it("accepts application/json with a charset parameter", async () => {
        const res = await send(`${h.url}/zquence/v1/tenants/add-user`, {
            body: { email: "charset@example.com" },
            headers: { ...ZQ, "content-type": "application/json; charset=utf-8" },
        });
        expect(res.status).to.equal(201);
    });

    it("answers malformed JSON with 400 invalid_json", async () => {
        const res = await send(`${h.url}/zquence/v1/tenants/add-user-bulk`, { body: '[{"email": "a@example.com",]', headers: ZQ });
        expect(res.status).to.equal(400);
        expect(res.body.error).to.include({ code: "invalid_json", message: Errors.invalidJson.message });
    });

    it("answers a body over 16 MiB with 413 body_too_large", async () => {
        const big = JSON.stringify([{ email: "a@example.com", name: "x".repeat(16 * 1024 * 1024) }]);
        const res = await send(`${h.url}/zquence/v1/tenants/add-user-bulk`, { body: big, headers: ZQ });
        expect(res.status).to.equal(413);
        expect(res.body.error).to.include({ code: "body_too_large", message: Errors.bodyTooLarge.message });
    });

    it("answers a bad URL encoding and unparseable HTTP with 400 invalid_request in JSON", async () => {
        const { connect } = await import("node:net");
        const raw = (text: string) =>
            new Promise<string>((resolve) => {
                const socket = connect(Number(new URL(h.url).port), "127.0.0.1");
                let out = "";
                socket.on("data", (d: Buffer) => (out += d.toString()));
                socket.on("close", () => resolve(out));
                socket.on("error", () => resolve(out));
                socket.write(text);
                setTimeout(() => socket.end(), 100);
            });
        for (const text of ["GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", "NONSENSE\r\n\r\n"]) {
            const out = await raw(text);
            expect(out).to.match(/^HTTP\/1\.1 400 /);
            expect(out).to.match(/x-request-id: req_[0-9a-f]{24}/i);
            expect(JSON.parse(out.slice(out.indexOf("\r\n\r\n") + 4)).error.code).to.equal("invalid_request");
        }
    });

    it("accepts a 10,000-user bulk of about 1 MiB (well under the 16 MiB limit)", async () => {
        const users = Array.from({ length: 10_000 }, (_, i) => ({
            name: `Someone With A Long Name ${i}`,
            email: `large-body-${i}@example.com`,
            phone: "+14155550100",
        }));
        const res = await send(`${h.url}/zquence/v1/tenants/add-user-bulk`, { body: users, headers: ZQ });
        expect(res.status).to.equal(200);
        expect(res.body.created).to.equal(10_000);
    });
});

describe("control API access (README: Control API)", () => {
    let h: Harness;
    before(async () => {
        h = await startHarness({ controlToken: "secret-token" });
    });
    after(async () => h.close());

    it("answers a tenant key on the control API with 403 control_forbidden", async () => {
        for (const headers of [ZQ, { authorization: DEMO_TENANTS.projects.liveSecretKey }]) {
            const res = await send(`${h.url}/_emulator/tenants`, { body: { dialect: "zquence" }, headers });
            expect(res.status).to.equal(403);
            expect(res.body.error).to.include({ code: "control_forbidden", message: Errors.controlForbidden.message });
        }
    });

    it("answers a missing or wrong control token with 401 unauthorized", async () => {
        for (const headers of [{}, { "x-emulator-control": "emulator-control" }] as Record<string, string>[]) {
            const res = await send(`${h.url}/_emulator/tenants`, { body: { dialect: "zquence" }, headers });
            expect(res.status).to.equal(401);
            expect(res.body.error.code).to.equal("unauthorized");
        }
    });

    it("accepts the configured control token", async () => {
        const res = await send(`${h.url}/_emulator/tenants`, {
            body: { dialect: "zquence" },
            headers: { "x-emulator-control": "secret-token" },
        });
        expect(res.status).to.equal(201);
    });

    it("answers GET /_emulator/health without a token", async () => {
        const res = await send(`${h.url}/_emulator/health`, { method: "GET" });
        expect(res.status).to.equal(200);
        expect(res.body).to.deep.equal({ ok: true });
    });
});
