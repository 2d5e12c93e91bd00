/**
 * The dialect clients hand their own credential values to the redactor. Every credential here is a
 * random string with no vendor prefix, so the key-shaped patterns of `redact` cannot hide it: only
 * the exact values the client passes as `secrets` can. The vendor echoes them back bare (no header
 * name in front, which a pattern would also catch).
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { createDialectClient } from "../../provider/dialects";
import type { Connection, DialectClient } from "../../provider/dialects";
import { AuthenticationError, redact, type TenantUsersError, ValidationError, VendorError } from "../../provider/errors";
import { HttpClient } from "../../provider/http/client";
import { recordingSleep, startScriptServer } from "./script-server";
import type { Answer, Recorded, ScriptServer } from "./script-server";

/** 24 characters of [A-Za-z0-9], nothing a key pattern recognizes. */
const plainSecret = () =>
    randomBytes(24)
        .toString("base64")
        .replace(/[^A-Za-z0-9]/g, "x")
        .slice(0, 24);

const CREDENTIALS = { apiKey: plainSecret(), apiSecret: plainSecret(), secretKey: plainSecret() };
const VALUES = Object.values(CREDENTIALS);

/** The credential headers of a request, values only, as a careless vendor would quote them. */
function echoed(r: Recorded): string {
    return [r.headers["x-api-key"], r.headers["x-api-secret"], r.headers.authorization].filter(Boolean).join(" ");
}

/** Everything a program or the engine could print of an error. */
function renderings(err: unknown): string {
    const e = err as Record<string, unknown>;
    return [String(err), e.message, e.stack, inspect(err, { depth: 10 }), JSON.stringify(err)].join("\n");
}

const DIALECT_CALLS: [Connection["dialect"], (c: DialectClient) => Promise<unknown>][] = [
    ["zquence", (c) => c.addUser({ email: "ada@example.com" }, "k-1")],
    ["geldstuck", (c) => c.addUsersBulk([{ email: "ada@example.com" }, { email: "bob@example.com" }])],
    ["projects", (c) => c.addUsersBulk([{ email: "ada@example.com" }])],
];

const ECHOES: {
    label: string;
    type: new (...args: never[]) => TenantUsersError;
    answer: (quoted: string, dialect: Connection["dialect"]) => Answer;
}[] = [
    {
        label: "a 401 whose message quotes the credentials",
        type: AuthenticationError,
        answer: (q) => ({ status: 401, body: { error: { code: "unauthorized", message: `unknown credentials ${q}` } } }),
    },
    {
        label: "a 500 HTML page that starts with the credentials",
        type: VendorError,
        answer: (q) => ({ status: 500, headers: { "content-type": "text/html" }, body: `${q} <html>upstream error</html>` }),
    },
    {
        label: "a 400 whose vendor code is the credentials",
        type: VendorError,
        answer: (q) => ({ status: 400, body: { error: { code: q, message: "bad request" } } }),
    },
    // A success with a non-JSON body is no error (the vendor committed): its warning is checked in answer-variants.test.ts.
];

describe("credentials without a key shape in dialect client errors", () => {
    let server: ScriptServer | undefined;
    let http: HttpClient | undefined;
    afterEach(async () => {
        await http?.close();
        await server?.close();
        http = server = undefined;
    });

    it("uses credentials the key patterns alone would leave in place", () => {
        for (const value of VALUES) expect(redact(`said ${value}`)).to.equal(`said ${value}`);
    });

    async function failure(
        dialect: Connection["dialect"],
        call: (c: DialectClient) => Promise<unknown>,
        answer: (quoted: string, dialect: Connection["dialect"]) => Answer,
    ): Promise<unknown> {
        server = await startScriptServer((r) => answer(echoed(r), dialect));
        const baseUrl = `${server.url}/${dialect}`;
        http = new HttpClient({ baseUrl, maxAttempts: 1, sleep: recordingSleep().sleep });
        const creds =
            dialect === "projects"
                ? { secretKey: CREDENTIALS.secretKey }
                : { apiKey: CREDENTIALS.apiKey, apiSecret: CREDENTIALS.apiSecret };
        const client = createDialectClient({ dialect, baseUrl, ...creds }, http);
        const error = await call(client).then(
            (value) => ({ resolved: value }),
            (err: unknown) => err,
        );
        await http.close();
        await server.close();
        http = server = undefined;
        return error;
    }

    for (const echo of ECHOES) {
        it(`keeps the credentials out of the error for ${echo.label}`, async () => {
            for (const [dialect, call] of DIALECT_CALLS) {
                const error = await failure(dialect, call, echo.answer);
                expect(error, `${dialect}: ${inspect(error)}`).to.be.instanceOf(echo.type);
                const text = renderings(error) + String((error as TenantUsersError).vendorCode ?? "");
                expect(
                    VALUES.filter((v) => text.includes(v)),
                    `${dialect}: ${text}`,
                ).to.deep.equal([]);
                // The echo did reach the error: what stands in its place is the redaction mark.
                expect(text, dialect).to.include("[redacted]");
            }
        });
    }

    it("keeps the credentials out of a list refusal naming the users field", async () => {
        const error = await failure(
            "projects",
            (c) => c.addUsersBulk([{ email: "ada@example.com" }]),
            (q) => ({ status: 400, body: { error: { code: "too_many_users", message: `key ${q} may send fewer`, param: "users" } } }),
        );
        expect(error).to.be.instanceOf(ValidationError);
        expect(VALUES.filter((v) => renderings(error).includes(v))).to.deep.equal([]);
    });
});
