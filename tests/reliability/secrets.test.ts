/**
 * Every credential value searched for where it must not be: the CLI output of `up -v=9
 * --logtostderr`, the exported state (secrets stay encrypted there, so the plain value must not
 * appear), stack outputs (with and without --show-secrets), the serialized providers, and the
 * errors of a vendor that echoes the request headers back. Plus the error objects themselves.
 */
import { expect } from "chai";
import { inspect } from "node:util";
import { createDialectClient } from "../../provider/dialects";
import type { Connection } from "../../provider/dialects";
import { HttpClient } from "../../provider/http/client";
import { pack } from "../../provider/roster-codec";
import { tenantUser, tenantUserRoster } from "../../provider/runtime";
import { configureFrom, currentSettings } from "../../provider/runtime/connections";
import { formatResult, HTML_PAGE, secretsAndIsolation, type SecretsReport } from "./scenarios";
import { findSecret, VendorProxy } from "./tools";

describe("credentials in a stack with four tenants, through the CLI", function () {
    this.timeout(900_000);
    let rep: SecretsReport;
    before(async () => {
        rep = await secretsAndIsolation({ size: 3 });
    });
    after(() => {
        if (rep) console.log(`      ${formatResult(rep.result)}`);
    });

    const hitsIn = (place: string) => rep.hits[place] ?? [];
    /** The engine's -v=9 line that logs the provider's Configure inputs (Pulumi's own, see below). */
    const CONFIGURE_LOG = /Marshaling property for RPC\[Provider\[[^\]]*\]\.Configure\(\)\.inputs\]/;

    it("runs both ups and searches every place", () => {
        expect(rep.result.problems).to.deep.equal([]);
        expect(rep.secrets.length).to.equal(2 * 3 + 3 + 2); // two Zquence tenants and Geldstuck (key, secret, webhook secret), projects (TEST, LIVE)
        expect(Object.keys(rep.searched)).to.have.length(8);
    });

    it("captures the engine's -v=9 log of both ups, so that finding nothing in it means something", () => {
        expect(rep.result.details["up -v=9 log lines"]).to.be.above(0);
        expect(rep.result.details["failing up -v=9 log lines"]).to.be.above(0);
    });

    // Pulumi's own limitation, documented in the README: at -v=9 the engine logs "Marshaling property
    // for RPC[Provider[…].Configure().inputs]: value={…}" with the decrypted stack config it hands the
    // dynamic provider. Credentials read from the environment (GELDSTUCK_PUBLIC_KEY/…) never appear.
    it("finds no credential in the -v=9 output besides the engine's log of the Configure inputs", () => {
        expect(hitsIn("up -v=9 output").filter((line) => !CONFIGURE_LOG.test(line))).to.deep.equal([]);
    });

    it("finds no credential in the exported state", () => {
        expect(hitsIn("stack export")).to.deep.equal([]);
        expect(hitsIn("stack export after the failure")).to.deep.equal([]);
    });

    it("finds no credential in the stack outputs, even with --show-secrets", () => {
        expect(hitsIn("up outputs (decrypted)")).to.deep.equal([]);
        expect(hitsIn("stack output --json")).to.deep.equal([]);
        expect(hitsIn("stack output --show-secrets")).to.deep.equal([]);
    });

    it("finds no credential in the serialized providers, which stay small", () => {
        expect(rep.result.details.serializedProviders).to.be.above(0);
        expect(hitsIn("serialized providers")).to.deep.equal([]);
        expect(rep.result.details.providerBytes).to.be.below(100);
    });

    it("finds no credential in the errors of a vendor that echoes the request headers", () => {
        expect(rep.errorText).to.match(/zquence/);
        expect(rep.errorText).to.include("[redacted]");
        expect(hitsIn("failing up -v=9 output").filter((line) => !CONFIGURE_LOG.test(line))).to.deep.equal([]);
    });

    it("keeps each tenant's users apart, the same email in A and B included", () => {
        expect(rep.held.a).to.have.members(rep.planned.a);
        expect(rep.held.b).to.have.members(rep.planned.b);
        expect(rep.held.a).to.include(rep.planned.b[0]);
    });

    it("uses Geldstuck credentials from the environment, for that connection only", () => {
        expect(rep.held.gs).to.have.members(rep.planned.gs);
    });

    it("writes the projects roster to TEST only", () => {
        expect(rep.held.projTest).to.have.members(rep.planned.proj);
        expect(rep.held.projLive).to.deep.equal([]);
    });
});

describe("credentials in the provider's error objects", function () {
    this.timeout(60_000);
    const creds = {
        apiKey: "zq_pk_5ec7e75ec7e75ec7e75ec7e7",
        apiSecret: "zq_sk_5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7",
    };
    const secretKey = "sk_test_5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7";
    let proxy: VendorProxy;
    const https: HttpClient[] = [];
    before(async () => {
        proxy = await VendorProxy.start("http://127.0.0.1:9");
    });
    after(async () => {
        for (const h of https) await h.close();
        await proxy.close();
    });

    /** Every rendering of an error a program or the engine could print. */
    function renderings(err: unknown): string {
        const e = err as any;
        return [
            String(e),
            e?.message,
            e?.stack,
            inspect(e, { depth: 10 }),
            JSON.stringify(e),
            JSON.stringify(e?.properties ?? {}),
            String(e?.reasons ?? ""),
        ].join("\n");
    }

    async function failure(dialect: Connection["dialect"], call: "single" | "bulk"): Promise<string> {
        const baseUrl = `${proxy.url}/${dialect}`;
        const http = new HttpClient({ baseUrl, maxAttempts: 2, retry: { baseDelayMs: 1, maxDelayMs: 1 } });
        https.push(http);
        const c = createDialectClient({ dialect, baseUrl, ...(dialect === "projects" ? { secretKey } : creds) }, http);
        try {
            // A refused row is an outcome, not an error: its message is what a user sees then.
            const out =
                call === "single"
                    ? [await c.addUser({ email: "ada@example.com" }, "k")]
                    : await c.addUsersBulk([{ email: "ada@example.com" }]);
            return JSON.stringify(out);
        } catch (err) {
            return renderings(err);
        }
    }

    const echoes: [string, (headers: string) => { status: number; body: string; headers?: Record<string, string> }][] = [
        [
            "a 401 envelope quoting the headers",
            (h) => ({ status: 401, body: JSON.stringify({ error: { code: "unauthorized", message: `bad credentials: ${h}` } }) }),
        ],
        [
            "a 400 envelope whose code is the secret",
            (h) => ({ status: 400, body: JSON.stringify({ error: { code: h.slice(0, 200), message: "x" } }) }),
        ],
        [
            "an HTML 500 page quoting the headers",
            (h) => ({ status: 500, headers: { "content-type": "text/html" }, body: HTML_PAGE.replace("upstream connect error", h) }),
        ],
        ["a 200 HTML page quoting the headers", (h) => ({ status: 200, headers: { "content-type": "text/html" }, body: `<p>${h}</p>` })],
        [
            "a 429 quoting the headers",
            (h) => ({
                status: 429,
                headers: { "retry-after": "0" },
                body: JSON.stringify({ error: { code: "rate_limited", message: h } }),
            }),
        ],
        [
            "a projects issue reason quoting the headers",
            (h) => ({
                status: 207,
                body: JSON.stringify({
                    data: { created: [], issues: [{ index: 0, email: "ada@example.com", status: "invalid", reason: h }] },
                }),
            }),
        ],
    ];

    // Regression: a projects issue reason quoting the headers once became UserOutcome.error.code unredacted.
    for (const [label, answer] of echoes) {
        it(`keeps the credentials out of the error for ${label}`, async () => {
            proxy.spoil = (req) =>
                answer(
                    Object.entries(req.headers)
                        .map(([k, v]) => `${k}=${v}`)
                        .join("; "),
                );
            const texts = [await failure("zquence", "single"), await failure("geldstuck", "bulk"), await failure("projects", "bulk")];
            const hits = texts.flatMap((t) => [creds.apiKey, creds.apiSecret, secretKey].flatMap((s) => findSecret(t, s)));
            expect(hits).to.deep.equal([]);
        });
    }

    // Regression: a per-row refusal code (bulk `failed[].error`, projects `issues[].reason`) once reached
    // the roster's warning and its `failed` output unredacted.
    it("keeps the credentials out of a roster's failed rows when the vendor echoes them in a row's error code", async () => {
        proxy.spoil = (req) => ({
            status: 200,
            body: JSON.stringify({
                created: 1,
                skipped: 0,
                failed: [
                    { index: 1, email: "bob@example.com", error: `key ${req.headers["x-api-key"]} secret ${req.headers["x-api-secret"]}` },
                ],
            }),
        });
        configureFrom({
            get: (k: string) =>
                (
                    ({
                        "tenant-users:connections": JSON.stringify({
                            echo: { dialect: "zquence", baseUrl: `${proxy.url}/zquence`, ...creds },
                        }),
                    }) as Record<string, string>
                )[k],
        });
        const checked = await tenantUserRoster.check(
            {},
            {
                users: pack({ rows: [{ email: "ada@example.com" }, { email: "bob@example.com" }] }),
                summary: "s",
                label: "crm",
                connection: "echo",
            },
        );
        const created = await tenantUserRoster.create(checked.inputs as any);
        const text = JSON.stringify(created.outs.failed);
        expect(created.outs.failed).to.have.length(1);
        expect([...findSecret(text, creds.apiKey), ...findSecret(text, creds.apiSecret)]).to.deep.equal([]);
    });

    it("keeps the credentials out of the error when no answer comes at all", async () => {
        proxy.spoil = undefined; // forwards to a closed port: 502-less failure, then connection errors
        const http = new HttpClient({ baseUrl: "http://127.0.0.1:9/zquence", maxAttempts: 2, retry: { baseDelayMs: 1, maxDelayMs: 1 } });
        https.push(http);
        const c = createDialectClient({ dialect: "zquence", baseUrl: "http://127.0.0.1:9/zquence", ...creds }, http);
        let text = "";
        try {
            await c.addUser({ email: "ada@example.com" }, "k");
        } catch (err) {
            text = renderings(err);
        }
        expect(text).to.match(/could not get an answer/);
        expect([...findSecret(text, creds.apiKey), ...findSecret(text, creds.apiSecret)]).to.deep.equal([]);
    });

    it("keeps credentials in a base URL's userinfo out of errors", async () => {
        const baseUrl = `http://${creds.apiKey}:${creds.apiSecret}@127.0.0.1:9/zquence`;
        configureFrom({
            get: (k: string) =>
                (
                    ({
                        "tenant-users:connections": JSON.stringify({ ui: { dialect: "zquence", baseUrl, ...creds } }),
                        "tenant-users:maxAttempts": "1",
                        "tenant-users:batchWindowMs": "1",
                    }) as Record<string, string>
                )[k],
        });
        const checked = await tenantUser.check({}, { email: "ada@example.com", connection: "ui", idempotencyScope: "p/s/u" });
        let text = "";
        try {
            await tenantUser.create(checked.inputs as any);
        } catch (err) {
            text = renderings(err);
        }
        expect(text).to.not.equal("");
        expect([...findSecret(text, creds.apiKey), ...findSecret(text, creds.apiSecret)]).to.deep.equal([]);
    });

    it("keeps credentials out of the error for a connections value that is not JSON", () => {
        configureFrom({
            get: (k: string) =>
                (
                    ({ "tenant-users:connections": `{"a": {"apiKey": "${creds.apiKey}", "apiSecret": "${creds.apiSecret}"` }) as Record<
                        string,
                        string
                    >
                )[k],
        });
        let text = "";
        try {
            currentSettings();
        } catch (err) {
            text = renderings(err);
        }
        expect(text).to.include("tenant-users:connections");
        expect([...findSecret(text, creds.apiKey), ...findSecret(text, creds.apiSecret)]).to.deep.equal([]);
    });

    it("keeps credentials out of the failures check returns for a misconfigured connection", async () => {
        configureFrom({
            get: (k: string) =>
                (({ "tenant-users:connections": JSON.stringify({ c: { dialect: "nope", ...creds } }) }) as Record<string, string>)[k],
        });
        const r = await tenantUser.check({}, { email: "ada@example.com", connection: "c", idempotencyScope: "p/s/u" });
        const text = JSON.stringify(r);
        expect(r.failures!.length).to.be.above(0);
        expect([...findSecret(text, creds.apiKey), ...findSecret(text, creds.apiSecret)]).to.deep.equal([]);
    });
});
