/** The `tenant-users-emulator` command. */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { addUser } from "./helpers";

const CLI = join(__dirname, "..", "..", "emulator", "cli.js");

interface Run {
    output: () => string;
    url: Promise<string>;
    exit: Promise<number | null>;
    signal: (s: NodeJS.Signals) => void;
}

function run(args: string[], cwd: string): Run {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const url = new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (c: Buffer) => {
            out += c.toString();
            const m = /listening on (http:\/\/\S+)/.exec(out);
            if (m) resolve(m[1]!);
        });
        child.on("exit", () => reject(new Error(`exited before listening: ${out}`)));
    });
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    url.catch(() => undefined);
    const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { output: () => out, url, exit, signal: (s) => child.kill(s) };
}

describe("tenant-users-emulator CLI", function () {
    this.timeout(20_000);
    let dir: string;
    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), "emulator-cli-"));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("prints each dialect's base URL and the demo credentials, and serves them", async () => {
        const r = run(["--port", "0"], dir);
        const url = await r.url;
        try {
            await new Promise((res) => setTimeout(res, 50));
            const out = r.output();
            for (const line of [
                `${url}/zquence`,
                `${url}/geldstuck`,
                `${url}/projects`,
                "zq_pk_demo",
                "zq_sk_demo",
                "gs_pk_demo",
                "gs_sk_demo",
                "sk_test_demo",
                "sk_live_demo",
                "x-emulator-control: emulator-control",
            ]) {
                expect(out).to.include(line);
            }
            const res = await addUser(
                { baseUrl: `${url}/zquence`, apiKey: "zq_pk_demo", apiSecret: "zq_sk_demo" },
                { email: "cli@example.com" },
            );
            expect(res.status).to.equal(201);
        } finally {
            r.signal("SIGTERM");
            await r.exit;
        }
    });

    it("creates the database folder, .tenant-users/emulator.db by default", async () => {
        const r = run(["--port", "0"], dir);
        await r.url;
        r.signal("SIGTERM");
        await r.exit;
        expect(existsSync(join(dir, ".tenant-users", "emulator.db"))).to.equal(true);
    });

    it("shuts down gracefully with exit code 0 on SIGINT and SIGTERM", async () => {
        for (const signal of ["SIGINT", "SIGTERM"] as const) {
            const r = run(["--port", "0", "--db", ":memory:"], dir);
            await r.url;
            r.signal(signal);
            expect(await r.exit).to.equal(0);
            expect(r.output()).to.include(`received ${signal}`);
        }
    });

    it("creates no demo tenant with --no-seed and honours --control-token", async () => {
        const r = run(["--port", "0", "--db", ":memory:", "--no-seed", "--control-token", "tok"], dir);
        const url = await r.url;
        try {
            const res = await addUser(
                { baseUrl: `${url}/zquence`, apiKey: "zq_pk_demo", apiSecret: "zq_sk_demo" },
                { email: "cli@example.com" },
            );
            expect(res.status).to.equal(401);
            const control = await fetch(`${url}/_emulator/tenants`, {
                method: "POST",
                headers: { "x-emulator-control": "tok", "content-type": "application/json" },
                body: '{"dialect":"zquence"}',
            });
            expect(control.status).to.equal(201);
        } finally {
            r.signal("SIGTERM");
            await r.exit;
        }
    });

    it("exits with code 2 and the usage on an unknown option", async () => {
        const r = run(["--prot", "1"], dir);
        expect(await r.exit).to.equal(2);
        expect(r.output()).to.include("Usage: tenant-users-emulator");
    });
});
