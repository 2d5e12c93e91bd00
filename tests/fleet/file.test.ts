/** The fleet file: every mistake is reported with its tenant and field, before any stack exists. */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { parse as parseYaml } from "yaml";
import { FleetFileError, type FleetProblem, loadFleet, parseFleet } from "../../cli/fleet/file";
import { REPO_ROOT } from "../../cli/pulumi-toolchain";
import { credentialEnv } from "../../cli/fleet/secrets";
import { stackConfig } from "../../cli/fleet/stack";

const zquence = (over: Record<string, unknown> = {}) => ({
    name: "acme",
    dialect: "zquence",
    baseUrl: "http://127.0.0.1:4010/zquence",
    credentials: { apiKey: "env:FLEET_TEST_KEY", apiSecret: "env:FLEET_TEST_SECRET" },
    users: [{ email: "ada@example.com", name: "Ada" }],
    ...over,
});

describe("the fleet file", () => {
    let dir: string;
    const file = () => path.join(dir, "fleet.yaml");
    const parse = (tenants: unknown[]) => parseFleet(stringify({ tenants }), file());
    const problems = (tenants: unknown[]): FleetProblem[] => {
        try {
            parse(tenants);
        } catch (err) {
            if (err instanceof FleetFileError) return err.problems;
            throw err;
        }
        throw new Error("expected the fleet file to be rejected");
    };

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tu-fleet-file-"));
        process.env.FLEET_TEST_KEY = "zq_pk_test";
        process.env.FLEET_TEST_SECRET = "zq_sk_test";
    });
    after(() => {
        fs.rmSync(dir, { recursive: true, force: true });
        delete process.env.FLEET_TEST_KEY;
        delete process.env.FLEET_TEST_SECRET;
    });

    it("resolves env: references to the variables' values", () => {
        const [t] = parse([zquence()]);
        expect(t.credentials).to.deep.equal({ apiKey: "zq_pk_test", apiSecret: "zq_sk_test" });
    });

    it("resolves file: references relative to the fleet file, without the trailing newline", () => {
        fs.writeFileSync(path.join(dir, "sk"), "sk_test_abc\n");
        const [t] = parse([
            {
                name: "proj",
                dialect: "projects",
                baseUrl: "http://127.0.0.1:4010/projects",
                credentials: { secretKey: "file:sk" },
                users: [],
            },
        ]);
        expect(t.credentials).to.deep.equal({ secretKey: "sk_test_abc" });
    });

    it("reads a users CSV relative to the fleet file", () => {
        fs.writeFileSync(path.join(dir, "acme.csv"), "Email Address,Full Name\nada@example.com,Ada\nbob@example.com,Bob\n");
        const [t] = parse([zquence({ users: "./acme.csv" })]);
        expect(t.users).to.deep.equal([
            { email: "ada@example.com", name: "Ada", source: "acme.csv line 2" },
            { email: "bob@example.com", name: "Bob", source: "acme.csv line 3" },
        ]);
    });

    it("accepts JSON as well as YAML", () => {
        expect(parseFleet(JSON.stringify({ tenants: [zquence()] }), file())).to.have.length(1);
    });

    it("rejects an unknown dialect, naming the tenant and the field", () => {
        expect(problems([zquence({ dialect: "zquenze" })])).to.deep.include({
            tenant: "acme",
            field: "dialect",
            message: "must be one of zquence, geldstuck, projects",
        });
    });

    it("rejects a credential variable that is not set, naming the variable", () => {
        const p = problems([zquence({ credentials: { apiKey: "env:FLEET_TEST_MISSING", apiSecret: "env:FLEET_TEST_SECRET" } })]);
        expect(p).to.deep.equal([
            { tenant: "acme", field: "credentials.apiKey", message: "environment variable FLEET_TEST_MISSING is not set" },
        ]);
    });

    it("rejects a credential written as a value instead of a reference, without repeating the value", () => {
        const [p] = problems([zquence({ credentials: { apiKey: "zq_pk_live_123", apiSecret: "env:FLEET_TEST_SECRET" } })]);
        expect(p).to.include({ tenant: "acme", field: "credentials.apiKey" });
        expect(p.message).to.not.include("zq_pk_live_123");
    });

    it("rejects a credential the dialect does not use, and one it needs but lacks", () => {
        const p = problems([zquence({ credentials: { apiKey: "env:FLEET_TEST_KEY", secretKey: "env:FLEET_TEST_KEY" } })]);
        expect(p.map((x) => x.field)).to.have.members(["credentials.apiSecret", "credentials.secretKey"]);
    });

    it("rejects two tenants with the same name", () => {
        expect(problems([zquence(), zquence()])).to.deep.equal([
            {
                tenant: "acme",
                field: "name",
                message: "tenants[1] repeats the name of tenants[0]; each tenant is its own stack, so names must be unique",
            },
        ]);
    });

    it("rejects a users CSV that cannot be read, naming the path", () => {
        const [p] = problems([zquence({ users: "./nowhere.csv" })]);
        expect(p).to.include({ tenant: "acme", field: "users" });
        expect(p.message).to.include(path.join(dir, "nowhere.csv"));
    });

    it("rejects a name that is not lower-case letters, digits and dashes", () => {
        for (const name of ["Acme", "acme_1", "-acme", "acme-", "a b"]) {
            expect(
                problems([zquence({ name })]).map((p) => [p.tenant, p.field]),
                name,
            ).to.deep.equal([[name, "name"]]);
        }
    });

    it("rejects a projects tenant without a baseUrl", () => {
        const p = problems([{ name: "proj", dialect: "projects", credentials: { secretKey: "env:FLEET_TEST_KEY" }, users: [] }]);
        expect(p).to.deep.equal([
            { tenant: "proj", field: "baseUrl", message: "is required for the projects dialect (it has no public host)" },
        ]);
    });

    it("names a tenant without a usable name by its position", () => {
        expect(problems([zquence(), { dialect: "zquence" }]).map((p) => p.tenant)).to.include("tenants[1]");
    });

    it("reports every problem of the file at once", () => {
        const p = problems([zquence({ dialect: "nope" }), zquence({ name: "Bad", users: 3 })]);
        expect(p.map((x) => `${x.tenant}.${x.field}`)).to.have.members(["acme.dialect", "Bad.name", "Bad.users"]);
    });

    it("turns settings into plain config and keeps credentials out of the config", () => {
        const [t] = parse([zquence({ settings: { maxAttempts: 2 } })]);
        expect(stackConfig(t)).to.deep.equal({
            "tenant-users:dialect": { value: "zquence" },
            "tenant-users:baseUrl": { value: "http://127.0.0.1:4010/zquence" },
            "tenant-users:maxAttempts": { value: "2" },
        });
    });

    it("turns a logEmails setting into the stack's tenant-users:logEmails", () => {
        const [t] = parse([zquence({ settings: { logEmails: "count" } })]);
        expect(stackConfig(t)["tenant-users:logEmails"]).to.deep.equal({ value: "count" });
    });

    it("refuses a logEmails setting other than full, masked or count, naming the tenant and field", () => {
        const p = problems([zquence({ settings: { logEmails: "none" } })]);
        expect(p).to.have.length(1);
        expect(p[0]).to.include({ tenant: "acme", field: "settings.logEmails" });
        expect(p[0].message).to.include("full, masked, count");
    });

    it("hands credentials over as the provider's environment variables of the dialect", () => {
        const [t] = parse([zquence()]);
        expect(credentialEnv(t)).to.deep.equal({ ZQUENCE_PUBLIC_KEY: "zq_pk_test", ZQUENCE_SECRET_KEY: "zq_sk_test" });
    });
});

describe("the fleet-ci example", () => {
    const example = path.join(REPO_ROOT, "examples", "fleet-ci");
    const demo: Record<string, string> = {
        ACME_API_KEY: "zq_pk_demo",
        ACME_API_SECRET: "zq_sk_demo",
        GLOBEX_API_KEY: "gs_pk_demo",
        GLOBEX_API_SECRET: "gs_sk_demo",
        INITECH_SECRET_KEY: "sk_test_demo",
    };

    it("declares three valid tenants, two of them from CSV exports", () => {
        const saved = { ...process.env };
        Object.assign(process.env, demo);
        try {
            const tenants = loadFleet(path.join(example, "fleet.yaml"));
            expect(tenants.map((t) => [t.name, t.dialect, t.users.length])).to.deep.equal([
                ["acme", "zquence", 3],
                ["globex", "geldstuck", 2],
                ["initech", "projects", 3],
            ]);
            expect(tenants[1].users[0]).to.deep.equal({
                email: "hank.scorpio@globex.example",
                name: "Hank Scorpio",
                source: "globex.csv line 2",
            });
        } finally {
            for (const k of Object.keys(demo)) if (saved[k] === undefined) delete process.env[k];
        }
    });

    it("runs one job per shard of four, each applying its shard, with the variables the fleet file references", () => {
        const workflow = parseYaml(fs.readFileSync(path.join(example, ".github", "workflows", "fleet.yml"), "utf8"));
        const job = workflow.jobs.fleet;
        expect(job.strategy.matrix.shard).to.deep.equal([1, 2, 3, 4]);
        expect(job.strategy["fail-fast"]).to.equal(false);
        const run = job.steps.map((s: { run?: string }) => s.run ?? "").join("\n");
        // biome-ignore lint/suspicious/noTemplateCurlyInString: GitHub Actions' own expression syntax, quoted.
        expect(run).to.include("npx tenant-users fleet up --file fleet.yaml --shard ${{ matrix.shard }}/4");
        const fleet = parseYaml(fs.readFileSync(path.join(example, "fleet.yaml"), "utf8")) as {
            tenants: { credentials: Record<string, string> }[];
        };
        const referenced = fleet.tenants.flatMap((t) => Object.values(t.credentials)).map((ref) => ref.replace(/^env:/, ""));
        const apply = job.steps.find((s: { run?: string }) => s.run?.includes("tenant-users fleet up"));
        expect(Object.keys(apply.env)).to.include.members([...referenced, "PULUMI_CONFIG_PASSPHRASE"]);
    });

    it("gives the secrets to the step that applies the shard only, never to the job or its npm install", () => {
        const workflow = parseYaml(fs.readFileSync(path.join(example, ".github", "workflows", "fleet.yml"), "utf8"));
        const job = workflow.jobs.fleet;
        expect(job.env ?? {}).to.deep.equal({});
        const withSecrets = job.steps.filter((s: { env?: Record<string, string> }) => JSON.stringify(s.env ?? {}).includes("secrets."));
        expect(withSecrets.map((s: { run?: string }) => s.run)).to.have.length(1);
        expect(withSecrets[0].run).to.include("tenant-users fleet up");
    });
});
