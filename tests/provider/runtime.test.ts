import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    DEFAULT_BATCH_MAX_WAIT_MS,
    DEFAULT_BATCH_WINDOW_MS,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_REQUEST_TIMEOUT_MS,
    parseSettings,
    renderConfigTable,
} from "../../provider/runtime/config";
import { configureFrom } from "../../provider/runtime/connections";
import * as roster from "../../provider/runtime/roster-controller";
import * as user from "../../provider/runtime/user-controller";
import { pack, unpack } from "../../provider/roster-codec";
import { warningsOf } from "./warnings";

const source = (values: Record<string, string>) => ({ get: (k: string) => values[k] });
const ZQUENCE = {
    "tenant-users:dialect": "zquence",
    "tenant-users:baseUrl": "http://127.0.0.1:1/zquence",
    "tenant-users:apiKey": "k",
    "tenant-users:apiSecret": "s",
};

describe("provider settings", () => {
    it("applies every documented default", () => {
        const s = parseSettings(source({ "tenant-users:dialect": "zquence" }), {});
        expect(s.connections.get("default")!.baseUrl).to.equal("https://api.zquence.com");
        expect([s.batchWindowMs, s.batchMaxWaitMs, s.maxAttempts, s.requestTimeoutMs]).to.deep.equal([50, 5000, 10, 60000]);
        expect([DEFAULT_BATCH_WINDOW_MS, DEFAULT_BATCH_MAX_WAIT_MS, DEFAULT_MAX_ATTEMPTS, DEFAULT_REQUEST_TIMEOUT_MS]).to.deep.equal([
            50, 5000, 10, 60000,
        ]);
    });

    it("falls back to the seeds' environment variables for credentials", () => {
        const s = parseSettings(source({ "tenant-users:dialect": "geldstuck" }), {
            GELDSTUCK_PUBLIC_KEY: "pk",
            GELDSTUCK_SECRET_KEY: "sk",
        });
        expect(s.connections.get("default")).to.include({ apiKey: "pk", apiSecret: "sk" });
    });

    it("reads named connections from tenant-users:connections", () => {
        const s = parseSettings(
            source({
                "tenant-users:connections": JSON.stringify({
                    acme: { dialect: "projects", baseUrl: "https://x/projects", secretKey: "sk_test_1" },
                }),
            }),
            {},
        );
        expect(s.connections.get("acme")).to.deep.equal({ dialect: "projects", baseUrl: "https://x/projects", secretKey: "sk_test_1" });
    });

    it("refuses an unknown dialect naming the key and the command to fix it", () => {
        expect(() => parseSettings(source({ "tenant-users:dialect": "stripe" }), {})).to.throw(
            /tenant-users:dialect must be one of .*pulumi config set/,
        );
    });

    it("requires a baseUrl for the projects dialect", () => {
        expect(() => parseSettings(source({ "tenant-users:dialect": "projects" }), {})).to.throw(
            /baseUrl is required for the projects dialect/,
        );
    });

    it("keeps the README's configuration table equal to the code's", () => {
        const readme = fs.readFileSync(path.resolve(__dirname, "../../../README.md"), "utf8");
        const table = readme.split("<!-- config-table:start -->")[1]?.split("<!-- config-table:end -->")[0]?.trim();
        expect(table).to.equal(renderConfigTable());
    });
});

describe("TenantUser check", () => {
    before(() => configureFrom(source(ZQUENCE)));

    it("normalizes the email and keeps the connection and idempotency scope", async () => {
        const r = await user.check({}, { email: "  Ada@Example.COM ", idempotencyScope: "p/s/ada" });
        expect(r.failures).to.deep.equal([]);
        expect(r.inputs).to.deep.equal({ email: "ada@example.com", idempotencyScope: "p/s/ada", target: r.inputs.target });
        expect(r.inputs.target).to.match(/^zquence http:\/\/127\.0\.0\.1:1\/zquence · keys [0-9a-f]{12}$/);
    });

    it("fails on an invalid email naming the field", async () => {
        const r = await user.check({}, { email: "ada@", idempotencyScope: "x" });
        expect(r.failures!.map((f) => f.property)).to.deep.equal(["email"]);
    });

    it("leaves a value computed by another resource to be checked at up", async () => {
        const r = await user.check({}, { email: user.UNKNOWN, idempotencyScope: "x" });
        expect(r.failures).to.deep.equal([]);
    });

    it("fails on a connection the config does not name", async () => {
        const r = await user.check({}, { email: "ada@example.com", connection: "nope", idempotencyScope: "x" });
        expect(r.failures![0].property).to.equal("connection");
        expect(r.failures![0].reason).to.match(/connection "nope" is not in tenant-users:connections/);
    });

    it("replaces the resource when the email changes", async () => {
        const d = await user.diff(
            "a",
            { email: "a@x.io", status: "created", connection: "default", dialect: "zquence", idempotencyScope: "s", target: "t" },
            { email: "b@x.io", idempotencyScope: "s", target: "t" },
        );
        expect(d).to.include({ changes: true });
        expect(d.replaces).to.deep.equal(["email"]);
    });

    it("warns of a changed name and phone naming the resource and the fields, never their values", async () => {
        const warnings = await warningsOf(() =>
            user.diff(
                "a",
                {
                    email: "ada@x.io",
                    name: "Ada Lovelace",
                    phone: "+14155552671",
                    status: "created",
                    connection: "default",
                    dialect: "zquence",
                    idempotencyScope: "p/s/ada",
                    target: "t",
                },
                { email: "ada@x.io", name: "Ada King", phone: "+14155550000", idempotencyScope: "p/s/ada", target: "t" },
            ),
        );
        expect(warnings).to.have.length(1);
        expect(warnings[0]).to.match(/^TenantUser ada: name, phone changed but cannot be applied/);
        for (const value of ["Lovelace", "King", "2671", "0000", "ada@x.io"]) expect(warnings[0]).to.not.include(value);
    });

    it("reports no change for a new name, which the API cannot apply", async () => {
        const d = await user.diff(
            "a",
            {
                email: "a@x.io",
                name: "A",
                status: "created",
                connection: "default",
                dialect: "zquence",
                idempotencyScope: "s",
                target: "t",
            },
            { email: "a@x.io", name: "B", idempotencyScope: "s", target: "t" },
        );
        expect(d.changes).to.equal(false);
    });

    it("derives the same idempotency key for the same scope and fields, and another for another stack", () => {
        const ada = { email: "ada@x.io", name: "Ada" };
        expect(user.idempotencyKey("p/s/ada", ada)).to.equal(user.idempotencyKey("p/s/ada", { ...ada }));
        expect(user.idempotencyKey("p/s/ada", ada)).to.not.equal(user.idempotencyKey("p/t/ada", ada));
    });

    it("derives another idempotency key once a field changes, so a retried create is not refused for a reused key", () => {
        const ada = { email: "ada@x.io", name: "Ada" };
        expect(user.idempotencyKey("p/s/ada", ada)).to.not.equal(user.idempotencyKey("p/s/ada", { ...ada, name: "Ada Lovelace" }));
        expect(user.idempotencyKey("p/s/ada", ada)).to.not.equal(user.idempotencyKey("p/s/ada", { ...ada, phone: "+14155552671" }));
    });
});

describe("TenantUserRoster check and diff", () => {
    before(() => configureFrom(source(ZQUENCE)));
    const rows = (list: object[]) => pack({ rows: list });

    it("applies the documented defaults: chunks of 1000, concurrency 2, onInvalid fail", async () => {
        const r = await roster.check({}, { users: rows([{ email: "a@x.io" }]), label: "crm" });
        expect(r.inputs).to.include({ chunkSize: 1000, concurrency: 2, onInvalid: "fail" });
    });

    it("never takes a chunk above the dialect's limit", async () => {
        const r = await roster.check({}, { users: rows([{ email: "a@x.io" }]), label: "crm", chunkSize: 20000 });
        expect(r.failures!.map((f) => f.property)).to.include("chunkSize");
    });

    it("merges identical duplicate rows and fails conflicting ones naming both rows", async () => {
        const same = await roster.check(
            {},
            {
                users: rows([
                    { email: "a@x.io", name: "A" },
                    { email: "A@x.io", name: "A" },
                ]),
                label: "crm",
            },
        );
        expect(unpack<any>(same.inputs.users).users).to.have.length(1);
        const conflict = await roster.check(
            {},
            {
                users: rows([
                    { email: "a@x.io", name: "A" },
                    { email: "a@x.io", name: "B" },
                ]),
                label: "crm",
            },
        );
        expect(conflict.failures!.map((f) => f.reason).join()).to.match(/row 1.*row 2|row 2.*row 1/);
    });

    /** Whether diff reports a change from a recorded roster of a@x.io (name "A") and b@x.io to `list`. */
    const changesFromAB = async (list: object[]) => {
        const checked = await roster.check({}, { users: rows(list), label: "crm" });
        const recorded = pack([
            ["a@x.io", "A", null, null, "c", null],
            ["b@x.io", null, null, null, "c", null],
        ]);
        const olds = { users: recorded, connection: "default", dialect: "zquence", invalid: [], target: checked.inputs.target } as any;
        return (await roster.diff("r", olds, checked.inputs as any)).changes;
    };

    it("reports an added user as a change", async () => {
        expect(await changesFromAB([{ email: "a@x.io", name: "A" }, { email: "b@x.io" }, { email: "c@x.io" }])).to.equal(true);
    });

    it("reports a removed user as a change", async () => {
        expect(await changesFromAB([{ email: "a@x.io", name: "A" }])).to.equal(true);
    });

    it("reports no change for the recorded users, even with a new name the API cannot apply", async () => {
        expect(await changesFromAB([{ email: "a@x.io", name: "A" }, { email: "b@x.io" }])).to.equal(false);
        expect(await changesFromAB([{ email: "a@x.io", name: "Ada" }, { email: "b@x.io" }])).to.equal(false);
    });
});
