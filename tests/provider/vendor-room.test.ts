/**
 * One room per vendor: what is particular to a vendor (its environment variables, default host,
 * fields, credentials, call limit) lives in its descriptor under provider/dialects/ and nowhere
 * else in provider/. These tests read the provider's sources, so a second copy fails here instead
 * of drifting from the first.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { createDialectClient, failedOutcomeError } from "../../provider/dialects";
import { DIALECTS, VENDORS, vendorOf } from "../../provider/dialects/registry";
import type { Dialect } from "../../provider/dialects/registry";
import { errorFromResponse } from "../../provider/dialects/shared";
import { ConfigError, missingCredentials, parseSettings } from "../../provider/runtime/config";
import { configureFrom } from "../../provider/runtime/connections";
import * as roster from "../../provider/runtime/roster-controller";
import { pack } from "../../provider/roster-codec";
import { validateUser } from "../../provider/schema/user";

const PROVIDER = path.resolve(__dirname, "../../../provider");
const VENDOR_ROOM = path.join(PROVIDER, "dialects");

/** provider/**\/*.ts outside provider/dialects/, relative to provider/. */
function filesOutsideVendorRoom(dir = PROVIDER): string[] {
    const out: string[] = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            if (full !== VENDOR_ROOM) out.push(...filesOutsideVendorRoom(full));
        } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
            out.push(full);
        }
    }
    return out;
}

const sources = () =>
    filesOutsideVendorRoom().map((file) => ({ file: path.relative(PROVIDER, file), text: fs.readFileSync(file, "utf8") }));

/** Every node of a file's syntax tree (comments are trivia, so they are not in it). */
function nodesOf(file: string, text: string): ts.Node[] {
    const root = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const all: ts.Node[] = [];
    const walk = (n: ts.Node) => {
        all.push(n);
        n.forEachChild(walk);
    };
    walk(root);
    return all;
}

const where = (node: ts.Node, file: string) => `${file}:${node.getSourceFile().getLineAndCharacterOfPosition(node.getStart()).line + 1}`;

/** Array literals made only of string literals, as sets. */
function stringLists(file: string, text: string): { at: string; items: string[] }[] {
    return nodesOf(file, text)
        .filter(ts.isArrayLiteralExpression)
        .filter((a) => a.elements.length > 0 && a.elements.every(ts.isStringLiteral))
        .map((a) => ({ at: where(a, file), items: a.elements.map((e) => (e as ts.StringLiteral).text) }));
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

function grep(needles: string[]): string[] {
    const hits: string[] = [];
    for (const { file, text } of sources()) {
        text.split("\n").forEach((line, i) => {
            for (const needle of needles) if (line.includes(needle)) hits.push(`${file}:${i + 1} names ${needle}`);
        });
    }
    return hits;
}

describe("vendor room: vendor particulars live in provider/dialects/ only", () => {
    it("names no vendor environment variable outside provider/dialects/", () => {
        expect(grep(["ZQUENCE_", "GELDSTUCK_", "PROJECTS_SECRET_KEY"])).to.deep.equal([]);
    });

    it("names no vendor default host outside provider/dialects/", () => {
        expect(grep(["api.zquence.com", "api.geldstuck.com"])).to.deep.equal([]);
    });

    it("writes no per-call limit as a literal outside provider/dialects/", () => {
        // 1,000 and 10,000 are the vendors' limits; a literal of either in a statement about a
        // dialect or a batch size is a copy of `maxBatch`. (DEFAULT_CHUNK_SIZE = 1000 is advice, not a limit.)
        const hits: string[] = [];
        for (const { file, text } of sources()) {
            for (const node of nodesOf(file, text)) {
                if (!ts.isNumericLiteral(node) || (Number(node.text) !== 1000 && Number(node.text) !== 10000)) continue;
                let owner: ts.Node = node;
                while (owner.parent && !ts.isStatement(owner) && !ts.isClassElement(owner) && !ts.isSourceFile(owner.parent))
                    owner = owner.parent;
                if (/dialect|maxBatch|zquence|geldstuck|projects/i.test(owner.getText()))
                    hits.push(`${where(node, file)}: ${owner.getText().slice(0, 80)}`);
            }
        }
        expect(hits).to.deep.equal([]);
    });

    it("lists no vendor's fields outside provider/dialects/", () => {
        const perVendor = [
            ["email", "name", "phone"],
            ["email", "name"],
            ["email", "name", "country"],
        ];
        const hits = sources().flatMap(({ file, text }) =>
            stringLists(file, text)
                .filter((l) => perVendor.some((v) => sameSet(v, l.items)))
                .map((l) => `${l.at}: [${l.items.join(", ")}]`),
        );
        expect(hits).to.deep.equal([]);
    });

    it("lists no credential key names outside provider/dialects/", () => {
        const credentials = ["apiKey", "apiSecret", "secretKey"];
        const hits = sources().flatMap(({ file, text }) =>
            stringLists(file, text)
                .filter((l) => l.items.some((i) => credentials.includes(i)))
                .map((l) => `${l.at}: [${l.items.join(", ")}]`),
        );
        expect(hits).to.deep.equal([]);
    });

    it("declares the list of dialects outside provider/dialects/ nowhere", () => {
        const vendors = ["zquence", "geldstuck", "projects"];
        const hits: string[] = [];
        for (const { file, text } of sources()) {
            for (const node of nodesOf(file, text)) {
                const names = ts.isArrayLiteralExpression(node) ? node.elements : ts.isUnionTypeNode(node) ? node.types : undefined;
                if (!names || names.length < 2) continue;
                const texts = names.map((n) =>
                    ts.isStringLiteral(n) ? n.text : ts.isLiteralTypeNode(n) && ts.isStringLiteral(n.literal) ? n.literal.text : undefined,
                );
                if (texts.every((t) => t !== undefined && vendors.includes(t))) hits.push(`${where(node, file)}: ${node.getText()}`);
            }
        }
        expect(hits).to.deep.equal([]);
    });
});

describe("vendor registry: what the provider derives from the descriptors", () => {
    const CREDS = { apiKey: "key-value-1", apiSecret: "secret-value-1", secretKey: "sk_test_value1" };

    it("loads the registry without http, zod, schema or runtime modules", () => {
        const registry = path.resolve(__dirname, "../../provider/dialects/registry.js");
        const loaded: string[] = JSON.parse(
            execFileSync(
                process.execPath,
                ["-e", `require(${JSON.stringify(registry)}); console.log(JSON.stringify(Object.keys(require.cache)))`],
                { encoding: "utf8" },
            ),
        );
        const names = loaded.map((f) => path.relative(path.dirname(registry), f)).sort();
        expect(names).to.deep.equal(["geldstuck.js", "projects.js", "registry.js", "zquence.js"]);
    });

    it("gives each vendor's client the descriptor's dialect, call limit and bulk accounting", () => {
        for (const v of VENDORS) {
            const client = createDialectClient({ dialect: v.name, baseUrl: "http://127.0.0.1:1", ...CREDS });
            expect({ dialect: client.dialect, maxBatch: client.maxBatch, bulkNamesEachOutcome: client.bulkNamesEachOutcome }).to.deep.equal(
                { dialect: v.name, maxBatch: v.maxBatch, bulkNamesEachOutcome: v.bulkNamesEachOutcome },
            );
        }
    });

    it("refuses in the schema every field a vendor's descriptor does not list", () => {
        const user = { email: "ada@example.com", name: "Ada", phone: "+14155552671", country: "GB" };
        for (const v of VENDORS) {
            const refused = validateUser(user, v.name)
                .failures.map((f) => f.property)
                .sort();
            expect(refused, v.name).to.deep.equal(
                ["country", "name", "phone"].filter((f) => !(v.fields as readonly string[]).includes(f)).sort(),
            );
        }
    });

    it("reads the default connection's credentials from the descriptor's environment variables", () => {
        for (const v of VENDORS) {
            const env = Object.fromEntries(Object.values(v.credentials).map((name, i) => [name, `from-env-${i}`]));
            const conn = parseSettings(
                { get: (k) => ({ "tenant-users:dialect": v.name, "tenant-users:baseUrl": "https://h.example" })[k] },
                env,
            ).connections.get("default")!;
            expect(missingCredentials(conn), v.name).to.deep.equal([]);
        }
    });

    it("takes the descriptor's default base URL, and requires one where the descriptor has none", () => {
        for (const v of VENDORS) {
            const parse = () => parseSettings({ get: (k) => (k === "tenant-users:dialect" ? v.name : undefined) }, {});
            if (v.defaultBaseUrl) expect(parse().connections.get("default")!.baseUrl).to.equal(v.defaultBaseUrl);
            else expect(parse).to.throw(ConfigError, `baseUrl is required for the ${v.name} dialect`);
        }
    });

    it("names the same missing credentials in config and in the client factory", () => {
        for (const v of VENDORS) {
            const needed = Object.keys(v.credentials);
            expect(missingCredentials({ dialect: v.name, baseUrl: "https://h.example" })).to.deep.equal(needed);
            expect(() => createDialectClient({ dialect: v.name, baseUrl: "https://h.example" })).to.throw(
                `${v.name} needs ${needed.join(" and ")}`,
            );
        }
    });

    it("ends an authentication error with the descriptor's hint", () => {
        for (const v of VENDORS) {
            const res = { status: 401, body: {}, bodyIsJson: true, endpoint: "POST /x", attempts: 1, headers: {} } as unknown as Parameters<
                typeof errorFromResponse
            >[0];
            expect(errorFromResponse(res, { dialect: v.name, secrets: [] }).message).to.contain(v.authHint);
        }
    });

    it("blames the field the descriptor's refusal table names, and the user for other codes", () => {
        for (const v of VENDORS) {
            for (const [code, field] of Object.entries(v.refusalFields)) {
                expect(failedOutcomeError({ email: "a@b.co", kind: "failed", error: { code, message: "no" } }, v.name).field).to.equal(
                    field,
                );
            }
            expect(
                failedOutcomeError({ email: "a@b.co", kind: "failed", error: { code: "constructor", message: "no" } }, v.name).field,
            ).to.equal("user");
        }
    });

    it("refuses a roster chunkSize above the descriptor's maxBatch, and accepts the maxBatch itself", async () => {
        const smallest: Dialect = DIALECTS.reduce((a, b) => (vendorOf(a).maxBatch <= vendorOf(b).maxBatch ? a : b));
        const limit = vendorOf(smallest).maxBatch;
        configureFrom({
            get: (k) =>
                ({
                    "tenant-users:dialect": smallest,
                    "tenant-users:baseUrl": "http://127.0.0.1:1/x",
                    ...Object.fromEntries(Object.keys(vendorOf(smallest).credentials).map((c) => [`tenant-users:${c}`, "cred-value-1"])),
                })[k],
        });
        const check = (chunkSize: number) => roster.check({}, { users: pack({ rows: [{ email: "a@x.io" }] }), label: "crm", chunkSize });
        expect((await check(limit + 1)).failures!.map((f) => f.property)).to.include("chunkSize");
        expect((await check(limit)).failures!.map((f) => f.property)).to.not.include("chunkSize");
    });
});
