/**
 * What the fleet keeps to itself, through the real CLI on a throwaway PostgreSQL store: no
 * credential on any command line or in anything it prints, no built-in passphrase for a shared
 * store, and nothing written inside the installed package. Credentials here are random strings
 * with no vendor prefix, so no key-shaped pattern can hide them by accident.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { EmulatorControl, startEmulator } from "../../emulator";
import { findPulumi, REPO_ROOT } from "../../cli/pulumi-toolchain";
import { fleetStacks, type PostgresCluster, startPostgres } from "./postgres";
import { createFleet, runCli } from "./support";

const plainSecret = () =>
    `${randomBytes(24)
        .toString("base64")
        .replace(/[^A-Za-z0-9]/g, "x")
        .slice(0, 24)}`;

/** Every distinct command line of every process, read from /proc every `everyMs` until stopped. */
function sampleCommandLines(everyMs: number): { stop(): string[] } {
    const seen = new Set<string>();
    const take = () => {
        for (const pid of fs.readdirSync("/proc")) {
            if (!/^\d+$/.test(pid)) continue;
            try {
                const line = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
                if (line) seen.add(line);
            } catch {
                // The process ended between the listing and the read.
            }
        }
    };
    const timer = setInterval(take, everyMs);
    return {
        stop: () => {
            clearInterval(timer);
            take();
            return [...seen];
        },
    };
}

/** Every path under `root`, without following links (a linked node_modules is one entry). */
function tree(root: string): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            out.push(path.relative(root, full));
            if (entry.isDirectory()) walk(full);
        }
    };
    walk(root);
    return out.sort();
}

function chmodTree(root: string, dirMode: number, fileMode: number): void {
    for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
        const full = path.join(root, entry.name);
        if (entry.isDirectory()) chmodTree(full, dirMode, fileMode);
        else if (entry.isFile()) fs.chmodSync(full, fileMode);
    }
    fs.chmodSync(root, dirMode);
}

describe("tenant-users fleet keeps its secrets and the package to itself", function () {
    this.timeout(600_000);
    let pg: PostgresCluster;
    let emulator: Awaited<ReturnType<typeof startEmulator>>;
    let control: EmulatorControl;
    let dir: string;

    before(async () => {
        pg = await startPostgres();
        emulator = await startEmulator({ port: 0, seed: false });
        control = new EmulatorControl(emulator.url, emulator.controlToken);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tu-fleet-sec-"));
    });
    after(async () => {
        await emulator?.close();
        pg?.stop();
        if (dir) {
            const pkg = path.join(dir, "pkg");
            if (fs.existsSync(pkg)) chmodTree(pkg, 0o755, 0o644);
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    /** A fleet file of one Zquence tenant whose credentials are the given values, read from the environment. */
    function oneTenant(
        name: string,
        apiKey: string,
        apiSecret: string,
        extra: Record<string, unknown> = {},
    ): { file: string; env: Record<string, string> } {
        const file = path.join(dir, `${name}.yaml`);
        fs.writeFileSync(
            file,
            stringify({
                tenants: [
                    {
                        name,
                        dialect: "zquence",
                        baseUrl: `${emulator.url}/zquence`,
                        credentials: { apiKey: "env:FLEET_SEC_KEY", apiSecret: "env:FLEET_SEC_SECRET" },
                        users: [{ email: `ada@${name}.example.com` }],
                        settings: { maxAttempts: 1 },
                        ...extra,
                    },
                ],
            }),
        );
        return { file, env: { FLEET_SEC_KEY: apiKey, FLEET_SEC_SECRET: apiSecret } };
    }

    it("puts no credential on any process's command line while `fleet up` runs", async () => {
        const values = [plainSecret(), plainSecret()];
        const fleet = oneTenant("argv-1", values[0], values[1]);
        const sampler = sampleCommandLines(20);
        const run = await runCli(["fleet", "up", "--file", fleet.file, "--json"], {
            ...fleet.env,
            PULUMI_BACKEND_URL: pg.url,
            PULUMI_CONFIG_PASSPHRASE: "fleet-test-passphrase",
        });
        const lines = sampler.stop();
        // The sampler did watch the stack being configured (the step that once carried them).
        expect(
            lines.some((l) => l.includes("config set-all")),
            run.stderr,
        ).to.equal(true);
        expect(lines.filter((l) => values.some((v) => l.includes(v)))).to.deep.equal([]);
    });

    it("names the tenant and the failed step but no credential, in the table and in --json, when the config step fails", async () => {
        const values = [plainSecret(), plainSecret()];
        const fleet = oneTenant("leaky-1", values[0], values[1]);
        // A `pulumi` whose config step fails repeating its arguments and the credential variables.
        const bin = path.join(dir, "fake-pulumi", "bin");
        fs.mkdirSync(bin, { recursive: true });
        fs.writeFileSync(
            path.join(bin, "pulumi"),
            [
                "#!/bin/sh",
                'if [ "$1" = version ]; then echo v3.259.0; exit 0; fi',
                // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion in a fake pulumi script.
                'echo "error: cannot $* ${ZQUENCE_PUBLIC_KEY:-} ${ZQUENCE_SECRET_KEY:-}" >&2',
                "exit 255",
            ].join("\n"),
            { mode: 0o755 },
        );
        const env = {
            ...fleet.env,
            PATH: `${bin}${path.delimiter}${process.env.PATH}`,
            PULUMI_HOME: path.join(dir, "fake-home"),
            PULUMI_BACKEND_URL: `file://${path.join(dir, "fake-state")}`,
        };
        fs.mkdirSync(path.join(dir, "fake-state"), { recursive: true });
        const [table, json] = await Promise.all([
            runCli(["fleet", "up", "--file", fleet.file], env),
            runCli(["fleet", "up", "--file", fleet.file, "--json"], env),
        ]);
        for (const run of [table, json]) {
            expect(run.code, run.stderr).to.equal(1);
            for (const v of values) expect(run.stdout + run.stderr).not.to.include(v);
        }
        expect(table.stdout).to.include("leaky-1: setting the stack's config failed: cannot config set-all");
        expect(json.results[0]).to.include({ tenant: "leaky-1", result: "failed" });
        expect(json.results[0].error).to.match(/^setting the stack's config failed: cannot config set-all .*\*\*\*/);
    });

    it("prints no user's email in the table or in --json when the file sets logEmails to count", async () => {
        // One person twice with different names: the roster's check fails, naming the row and (by default) the email.
        const users = [
            { email: "ada.lovelace@example.com", name: "Ada" },
            { email: "ada.lovelace@example.com", name: "Ada L" },
        ];
        const fleet = oneTenant("quiet-1", plainSecret(), plainSecret(), { users, settings: { maxAttempts: 1, logEmails: "count" } });
        const env = { ...fleet.env, PULUMI_BACKEND_URL: pg.url, PULUMI_CONFIG_PASSPHRASE: "fleet-test-passphrase" };
        const json = await runCli(["fleet", "up", "--file", fleet.file, "--json"], env);
        const table = await runCli(["fleet", "up", "--file", fleet.file], env);
        expect(json.results[0], json.stderr).to.include({ tenant: "quiet-1", result: "failed" });
        expect(json.results[0].error).to.match(/row 2: email "<email>" also appears in row 1/);
        for (const run of [json, table]) {
            expect(run.code, run.stderr).to.equal(1);
            expect(run.stdout + run.stderr).not.to.include("lovelace");
        }
    });

    it("exits 2 before touching a stack when a shared store has no passphrase or secrets provider", async () => {
        const fleet = oneTenant("nokey-1", plainSecret(), plainSecret());
        const before = fleetStacks(pg);
        const run = await runCli(["fleet", "up", "--file", fleet.file], {
            ...fleet.env,
            PULUMI_BACKEND_URL: pg.url,
            PULUMI_CONFIG_PASSPHRASE: undefined,
            PULUMI_CONFIG_PASSPHRASE_FILE: undefined,
        });
        expect(run.code, run.stdout).to.equal(2);
        expect(run.stderr).to.include("set PULUMI_CONFIG_PASSPHRASE").and.include("--secrets-provider");
        expect(fleetStacks(pg)).to.deep.equal(before);
    });

    it("applies a tenant from a read-only copy of the package and writes nothing inside it", async () => {
        const pkg = path.join(dir, "pkg");
        for (const part of ["provider", "emulator", "cli"]) {
            fs.cpSync(path.join(REPO_ROOT, "dist", part), path.join(pkg, "dist", part), { recursive: true });
        }
        fs.copyFileSync(path.join(REPO_ROOT, "package.json"), path.join(pkg, "package.json"));
        fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(pkg, "node_modules"), "dir");
        chmodTree(pkg, 0o555, 0o444);
        const before = tree(pkg);
        const fleet = await createFleet({ control, emulatorUrl: emulator.url, dir, prefix: "readonly", count: 1, usersPerTenant: 20 });
        const tmp = path.join(dir, "tmp");
        fs.mkdirSync(tmp);
        const run = await runCli(
            ["fleet", "up", "--file", fleet.file, "--json"],
            {
                ...fleet.env,
                PULUMI_BACKEND_URL: pg.url,
                PULUMI_CONFIG_PASSPHRASE: "fleet-test-passphrase",
                TMPDIR: tmp,
                // The copy has no checkout beside it to build Pulumi from: find the built one on PATH.
                PATH: `${findPulumi().binDir}${path.delimiter}${process.env.PATH}`,
            },
            undefined,
            path.join(pkg, "dist", "cli", "index.js"),
        );
        expect(run.code, run.stderr).to.equal(0);
        expect(run.results[0], run.results[0].error).to.include({ result: "succeeded", created: 20 });
        expect(tree(pkg)).to.deep.equal(before);
        expect(fs.readdirSync(tmp).filter((n) => n.startsWith("tenant-users-fleet-"))).to.deep.equal([]);
    });
});
