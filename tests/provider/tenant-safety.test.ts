/**
 * Tenant safety in the provider process: which tenant and mode a write goes to, and what the
 * provider's messages may say. The same behaviours are checked through the real CLI in
 * tests/e2e/tenant-safety.test.ts; these pin each rule down fast.
 */
import { expect } from "chai";
import { parseSettings } from "../../provider/runtime/config";
import { checkConnection, configureFrom } from "../../provider/runtime/connections";
import { maskEmail, scrubEmails, setEmailLogging, withoutEmails } from "../../provider/runtime/log";
import { pack } from "../../provider/roster-codec";
import { checkUser } from "../../provider/schema/user";
import * as roster from "../../provider/runtime/roster-controller";
import * as user from "../../provider/runtime/user-controller";
import { targetOf } from "../../provider/runtime/target";
import { tenantUser } from "../../provider/runtime";
import { UNKNOWN } from "../../provider/runtime/unknown";

const source = (values: Record<string, string>) => ({ get: (k: string) => values[k] });
const projects = (secretKey: string, extra: Record<string, string> = {}) => ({
    "tenant-users:dialect": "projects",
    "tenant-users:baseUrl": "http://127.0.0.1:9/projects",
    "tenant-users:secretKey": secretKey,
    ...extra,
});
// Not key-shaped, so no pattern redactor could hide it by accident.
const PLAIN_SECRET = "correct horse battery staple 42";

describe("credentials of named connections", () => {
    it("never fills a named connection's missing key from the vendors' environment variables", () => {
        const s = parseSettings(
            source({
                "tenant-users:connections": JSON.stringify({ acme: { dialect: "projects", baseUrl: "https://p.example/projects" } }),
            }),
            { PROJECTS_SECRET_KEY: "sk_live_from_the_shell" },
        );
        expect(s.connections.get("acme")!.secretKey).to.equal(undefined);
    });

    it("still fills the default connection's keys from the vendors' environment variables", () => {
        const s = parseSettings(source({ "tenant-users:dialect": "projects", "tenant-users:baseUrl": "https://p.example/projects" }), {
            PROJECTS_SECRET_KEY: "sk_test_env",
        });
        expect(s.connections.get("default")!.secretKey).to.equal("sk_test_env");
    });

    it("fails check of a named connection without its key, naming the connection and the key", () => {
        configureFrom(
            source({
                "tenant-users:connections": JSON.stringify({ acme: { dialect: "zquence", baseUrl: "https://z.example", apiKey: "k" } }),
            }),
        );
        const checked = checkConnection("acme");
        expect(checked.ok).to.equal(false);
        const reason = checked.ok ? "" : checked.failure.reason;
        expect(reason)
            .to.include('connection "acme"')
            .and.to.include("apiSecret")
            .and.to.include("tenant-users:connections.acme.apiSecret");
    });
});

describe("plain http", () => {
    const withBaseUrl = (baseUrl: string) => () =>
        parseSettings(source({ "tenant-users:dialect": "zquence", "tenant-users:baseUrl": baseUrl }), {});

    it("refuses an http:// base URL to a host that is not this machine, naming the key and the reason", () => {
        expect(withBaseUrl("http://api.zquence.com")).to.throw(/tenant-users:baseUrl .*plain http:\/\/.*https:\/\/api\.zquence\.com/);
    });

    it("refuses an http:// base URL to a private-network address", () => {
        expect(withBaseUrl("http://10.1.2.3:8080/zquence")).to.throw(/plain http:\/\//);
    });

    it("accepts http:// to loopback hosts, where the emulator runs", () => {
        for (const url of ["http://127.0.0.1:4010/zquence", "http://localhost:4010/zquence", "http://[::1]:4010/zquence"]) {
            expect(withBaseUrl(url)().connections.get("default")!.baseUrl).to.equal(url);
        }
    });

    it("refuses a base URL carrying credentials in it, without repeating them", () => {
        for (const scheme of ["https", "http"]) {
            const error = (() => {
                try {
                    withBaseUrl(`${scheme}://user:hunter2secret@api.zquence.com`)();
                } catch (e) {
                    return e as Error;
                }
            })();
            expect(error?.message)
                .to.match(/must not carry credentials/)
                .and.not.to.include("hunter2secret");
        }
    });

    it("refuses http:// to a name under .localhost, which DNS resolves", () => {
        expect(withBaseUrl("http://evil.localhost:4010/zquence")).to.throw(/plain http:\/\//);
    });

    it("reserves the connection name default for the top-level connection", () => {
        expect(() =>
            parseSettings(
                source({
                    "tenant-users:connections": JSON.stringify({
                        default: { dialect: "projects", baseUrl: "https://p.example", secretKey: "sk_live_x" },
                    }),
                }),
                {},
            ),
        ).to.throw(/tenant-users:connections.default is reserved/);
    });
});

describe("a connection's target", () => {
    const conn = { dialect: "projects" as const, baseUrl: "https://p.example/projects", secretKey: "sk_test_aaaaaaaa" };

    it("names dialect, mode and origin, and never a credential", () => {
        const t = targetOf({ dialect: "zquence", baseUrl: "https://z.example", apiKey: PLAIN_SECRET, apiSecret: `${PLAIN_SECRET} 2` });
        expect(t.text).to.match(/^zquence https:\/\/z\.example · keys [0-9a-f]{12}$/);
        expect(t.text).to.not.include("horse");
    });

    it("says TEST for an sk_test_ key and LIVE for an sk_live_ key", () => {
        expect(targetOf(conn).mode).to.equal("TEST");
        expect(targetOf({ ...conn, secretKey: "sk_live_aaaaaaaa" }).mode).to.equal("LIVE");
    });

    it("changes its key fingerprint when a key changes and keeps it when nothing does", () => {
        expect(targetOf({ ...conn }).keys).to.equal(targetOf(conn).keys);
        expect(targetOf({ ...conn, secretKey: "sk_test_bbbbbbbb" }).keys).to.not.equal(targetOf(conn).keys);
    });
});

describe("a target that moves under the same connection name", () => {
    const rows = pack({ rows: [{ email: "a@x.io" }] });
    const recordedWith = async (key: string) => {
        configureFrom(source(projects(key)));
        const checked = await roster.check({}, { users: rows, label: "crm" });
        return {
            users: pack([["a@x.io", null, null, null, "c", null]]),
            connection: "default",
            dialect: "projects",
            invalid: [],
            target: checked.inputs.target,
        } as any;
    };

    it("fails the roster's diff on a move from TEST to LIVE, naming both and the line that accepts it", async () => {
        const olds = await recordedWith("sk_test_aaaaaaaa");
        configureFrom(source(projects("sk_live_aaaaaaaa")));
        const news = (await roster.check({}, { users: rows, label: "crm" })).inputs as any;
        const error = await roster.diff("r", olds, news).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(error?.message).to.match(/now writes to LIVE \(projects LIVE .*\), moved from TEST \(projects TEST /);
        expect(error?.message).to.include(
            `pulumi config set tenant-users:acceptLiveTarget ${targetOf({ dialect: "projects", baseUrl: "http://127.0.0.1:9/projects", secretKey: "sk_live_aaaaaaaa" }).keys}`,
        );
    });

    it("replaces the roster on a move to LIVE once that LIVE target is accepted", async () => {
        const olds = await recordedWith("sk_test_aaaaaaaa");
        const keys = targetOf({ dialect: "projects", baseUrl: "http://127.0.0.1:9/projects", secretKey: "sk_live_aaaaaaaa" }).keys;
        configureFrom(source(projects("sk_live_aaaaaaaa", { "tenant-users:acceptLiveTarget": keys })));
        const news = (await roster.check({}, { users: rows, label: "crm" })).inputs as any;
        expect(await roster.diff("r", olds, news)).to.deep.include({ changes: true, replaces: ["target"] });
    });

    it("refuses a move into LIVE made by naming another connection", async () => {
        configureFrom(
            source({
                ...projects("sk_test_aaaaaaaa"),
                "tenant-users:connections": JSON.stringify({
                    prod: { dialect: "projects", baseUrl: "http://127.0.0.1:9/projects", secretKey: "sk_live_cccccccc" },
                }),
            }),
        );
        const before = (await user.check({}, { email: "a@x.io", idempotencyScope: "p/s/ada" })).inputs as any;
        const after = (await user.check({}, { email: "a@x.io", connection: "prod", idempotencyScope: "p/s/ada" })).inputs as any;
        const olds = {
            email: "a@x.io",
            status: "created",
            connection: "default",
            dialect: "projects",
            idempotencyScope: "p/s/ada",
            target: before.target,
        } as any;
        const error = await user.diff("id", olds, after).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(error?.message).to.match(/TenantUser ada: connection "prod" now writes to LIVE/);
    });

    it("refuses to record a LIVE target for state that records none (an earlier version's)", async () => {
        configureFrom(source(projects("sk_live_aaaaaaaa")));
        const news = (await roster.check({}, { users: rows, label: "crm" })).inputs as any;
        const olds = {
            users: pack([["a@x.io", null, null, null, "c", null]]),
            connection: "default",
            dialect: "projects",
            invalid: [],
        } as any;
        const error = await roster.diff("r", olds, news).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(error?.message).to.match(/moved from a target this state does not record/);
    });

    it("replaces a TenantUser whose connection now holds another tenant's keys", async () => {
        configureFrom(source(projects("sk_test_aaaaaaaa")));
        const before = (await user.check({}, { email: "a@x.io", idempotencyScope: "s" })).inputs as any;
        configureFrom(source(projects("sk_test_bbbbbbbb")));
        const after = (await user.check({}, { email: "a@x.io", idempotencyScope: "s" })).inputs as any;
        const olds = {
            email: "a@x.io",
            status: "created",
            connection: "default",
            dialect: "projects",
            idempotencyScope: "s",
            target: before.target,
        } as any;
        expect(await user.diff("a@x.io", olds, after)).to.deep.include({ changes: true, replaces: ["target"] });
    });
});

describe("a connection named by another resource's output", () => {
    it("passes check at preview and is checked when known", async () => {
        configureFrom(source(projects("sk_test_aaaaaaaa")));
        const r = await user.check({}, { email: "a@x.io", connection: UNKNOWN, idempotencyScope: "p/s/a" });
        expect(r.failures).to.deep.equal([]);
    });
});

describe("personal data in state", () => {
    it("gives a TenantUser an id that is not its email", async () => {
        configureFrom(source(projects("sk_test_aaaaaaaa", { "tenant-users:maxAttempts": "1" })));
        const err = await tenantUser
            .create({ email: "ada@example.com", idempotencyScope: "p/s/ada", target: "t", __provider: "p" } as any)
            .then(
                () => undefined,
                (e: any) => e,
            );
        // Nothing listens on port 9: the add fails without an answer and is recorded unsettled, under its id.
        expect(err?.id).to.match(/^tu-[0-9a-f]{24}$/);
        expect(err?.id).to.not.include("ada");
    });

    it("keys the roster's summary, so it does not confirm a guessed user", async () => {
        configureFrom(source(projects("sk_test_aaaaaaaa")));
        const a = (await roster.check({}, { users: pack({ rows: [{ email: "ada@example.com" }] }), label: "crm" })).inputs as any;
        configureFrom(source(projects("sk_test_bbbbbbbb")));
        const b = (await roster.check({}, { users: pack({ rows: [{ email: "ada@example.com" }] }), label: "crm" })).inputs as any;
        expect(a.summary).to.match(/^1 users · [0-9a-f]{12}$/);
        expect(a.summary).to.not.equal(b.summary);
    });
});

describe("emails in errors", () => {
    afterEach(() => configureFrom(source(projects("sk_test_aaaaaaaa"))));

    it("masks the email in an error thrown by diff, message and stack, when logEmails is masked", async () => {
        configureFrom(source(projects("sk_test_aaaaaaaa", { "tenant-users:logEmails": "masked" })));
        const olds = {
            email: "ada@example.com",
            status: "created",
            connection: "default",
            dialect: "projects",
            idempotencyScope: "p/s/ada.hidden@example.com",
            target: "projects TEST http://127.0.0.1:9/projects · keys 000000000000",
        } as any;
        configureFrom(source(projects("sk_live_aaaaaaaa", { "tenant-users:logEmails": "masked" })));
        const news = (await tenantUser.check({}, { email: "ada@example.com", idempotencyScope: "p/s/ada.hidden@example.com" }))
            .inputs as any;
        const error = await tenantUser.diff("id", olds, news).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(error?.message).to.include("a***@example.com");
        expect(`${error?.message}\n${error?.stack}`).to.not.include("ada.hidden@");
    });
});

describe("emails in messages", () => {
    afterEach(() => setEmailLogging("full"));

    it("masks an email to its first letter and domain", () => {
        expect(maskEmail("ada@example.com")).to.equal("a***@example.com");
    });

    it("masks every email in a message when logEmails is masked", () => {
        setEmailLogging("masked");
        expect(scrubEmails("+ 2 to add: ada@example.com, bob@corp.example.org")).to.equal(
            "+ 2 to add: a***@example.com, b***@corp.example.org",
        );
    });

    it("leaves no email in a message when logEmails is count", () => {
        setEmailLogging("count");
        expect(scrubEmails('row 3: email "ada@example.com" is taken')).to.not.include("ada");
    });

    it("leaves no mistyped email in the schema's own messages when logEmails is count", () => {
        setEmailLogging("count");
        const messages = ["ada.lovelace@gmail", "grace.hopper@navy.m", "alan turing@gchq.gov.uk", "ada.lovelace.gmail.com"].map((email) =>
            checkUser({ email }, "zquence")
                .problems.map((p) => scrubEmails(p.reason))
                .join(" "),
        );
        for (const [i, name] of ["lovelace", "hopper", "turing", "lovelace"].entries()) expect(messages[i]).to.not.include(name);
    });

    it("masks a mistyped email quoted in a message to its first letter when logEmails is masked", () => {
        setEmailLogging("masked");
        expect(scrubEmails('row 1: email "ada.lovelace@gmail" is not a valid email address')).to.equal(
            'row 1: email "a***@gmail" is not a valid email address',
        );
    });

    it("hides an address whose local part holds *** like a masked one, when logEmails is count", () => {
        setEmailLogging("count");
        expect(scrubEmails("added john***@example.com")).to.equal("added <email>");
    });

    it("hides the names and phone numbers the schema quotes when logEmails is masked", () => {
        setEmailLogging("masked");
        const problems = [{ phone: "2025550143" }, { name: "x".repeat(201) }].flatMap(
            (fields) => checkUser({ email: "ada@example.com", ...fields }, "zquence").problems,
        );
        expect(problems).to.have.length(2);
        const text = problems.map((p) => scrubEmails(p.reason)).join("\n");
        expect(text).to.include('phone "<phone>" is not in E.164').and.include('name "<name>" is 201 characters');
        expect(text).to.not.include("2025550143").and.not.include("xxxx");
        expect(scrubEmails('row 2: email "ada@example.com" also appears in row 1 with a different name "Ada" vs "Ada L"')).to.equal(
            'row 2: email "a***@example.com" also appears in row 1 with a different name "<name>" vs "<name>"',
        );
    });

    it("hides a name or phone that only one of two duplicate rows has, and never repeats a phone given as a number", () => {
        setEmailLogging("count");
        const duplicate =
            'row 2: email "ada@example.com" also appears in row 1 with a different name (none) vs "Ada Lovelace", phone (none) vs "+14155552671"';
        expect(scrubEmails(duplicate)).to.equal(
            'row 2: email "<email>" also appears in row 1 with a different name (none) vs "<name>", phone (none) vs "<phone>"',
        );
        const [problem] = checkUser({ email: "ada@example.com", phone: 14155552671 }, "zquence").problems;
        expect(problem?.reason).to.equal("phone must be a string, got a number");
    });

    it("hides an address with a slash in its local part whole", () => {
        setEmailLogging("count");
        expect(scrubEmails("added sales/eu@example.com")).to.equal("added <email>");
    });

    it("leaves a package version and a stack's node_modules path as they are when logEmails is count", () => {
        setEmailLogging("count");
        const text = "pulumi-tenant-users@1.4.0 at /app/node_modules/@pulumi/pulumi/index.js:12:3";
        expect(scrubEmails(text)).to.equal(text);
    });

    it("leaves no masked address in text kept in state", () => {
        setEmailLogging("masked");
        expect(withoutEmails(scrubEmails("TenantUser x: ada@example.com"))).to.equal("TenantUser x: <email>");
    });

    it("leaves no email in text kept in state, even when logEmails is full", () => {
        expect(withoutEmails('TenantUser x: email "ada.lovelace@gmail", then ada@example.com')).to.not.match(/ada/);
    });

    it("refuses an unknown logEmails value, naming the choices", () => {
        expect(() => parseSettings(source({ "tenant-users:logEmails": "some" }), {})).to.throw(
            /tenant-users:logEmails must be one of full, masked, count/,
        );
    });
});
