/**
 * What the fleet tests share: emulator tenants written into a fleet file (half CSV, half inline,
 * credentials by `env:` and `file:` reference), and the real CLI run as a child process.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import type { EmulatorControl } from "../../emulator";
import type { TenantResult } from "../../cli/fleet/stack";
import { DIALECTS, type Dialect } from "../e2e/support";
import { REPO_ROOT } from "../../cli/pulumi-toolchain";

export const CLI = path.join(REPO_ROOT, "dist", "cli", "index.js");

export interface FleetTenantFixture {
    name: string;
    dialect: Dialect;
    tenantId: string;
    emails: string[];
}

export interface FleetFixture {
    file: string;
    /** The credential variables the file references. */
    env: Record<string, string>;
    tenants: FleetTenantFixture[];
}

export interface FleetSpec {
    control: EmulatorControl;
    emulatorUrl: string;
    /** Where the fleet file, CSVs and key files go. */
    dir: string;
    /** Tenant names are `<prefix>-<n>`. */
    prefix: string;
    count: number;
    usersPerTenant: number;
    /** Extra fields for tenant i (e.g. `settings`). */
    extra?(i: number, dialect: Dialect): Record<string, unknown>;
    /** The dialects tenants cycle through. @default all three */
    dialects?: readonly Dialect[];
}

function userRow(dialect: Dialect, tenant: string, j: number) {
    return {
        email: `user${j}@${tenant}.example.com`,
        name: `User ${j}`,
        ...(dialect === "zquence" ? { phone: `+1415555${String(j).padStart(4, "0")}` } : {}),
        ...(dialect === "projects" ? { country: ["GB", "FR", "US"][j % 3] } : {}),
    };
}

/** Creates `count` emulator tenants over the three dialects and a fleet file declaring them. */
export async function createFleet(spec: FleetSpec): Promise<FleetFixture> {
    fs.mkdirSync(spec.dir, { recursive: true });
    const env: Record<string, string> = {};
    const tenants: FleetTenantFixture[] = [];
    const entries: Record<string, unknown>[] = [];
    for (let i = 0; i < spec.count; i++) {
        const dialects = spec.dialects ?? DIALECTS;
        const dialect = dialects[i % dialects.length]!;
        const name = `${spec.prefix}-${i + 1}`;
        const created = await spec.control.createTenant(dialect);
        const values: Record<string, string> =
            "testSecretKey" in created ? { secretKey: created.testSecretKey } : { apiKey: created.apiKey, apiSecret: created.apiSecret };
        const credentials: Record<string, string> = {};
        for (const [key, value] of Object.entries(values)) {
            // Every third tenant reads its credentials from files, the others from the environment.
            if (i % 3 === 2) {
                const file = `${name}.${key}`;
                fs.writeFileSync(path.join(spec.dir, file), `${value}\n`, { mode: 0o600 });
                credentials[key] = `file:${file}`;
            } else {
                const variable = `FLEET_${name.toUpperCase().replace(/-/g, "_")}_${key.toUpperCase()}`;
                env[variable] = value;
                credentials[key] = `env:${variable}`;
            }
        }
        const rows = Array.from({ length: spec.usersPerTenant }, (_, j) => userRow(dialect, name, j));
        let users: unknown = rows;
        if (i % 2 === 0) {
            const columns = Object.keys(rows[0] ?? { email: "" });
            const csv = [columns.join(","), ...rows.map((r) => columns.map((c) => (r as Record<string, string>)[c]).join(","))].join("\n");
            fs.writeFileSync(path.join(spec.dir, `${name}.csv`), `${csv}\n`);
            users = `./${name}.csv`;
        }
        entries.push({ name, dialect, baseUrl: `${spec.emulatorUrl}/${dialect}`, credentials, users, ...spec.extra?.(i, dialect) });
        tenants.push({ name, dialect, tenantId: created.tenantId, emails: rows.map((r) => r.email) });
    }
    const file = path.join(spec.dir, `${spec.prefix}.yaml`);
    fs.writeFileSync(file, stringify({ tenants: entries }));
    return { file, env, tenants };
}

export interface CliRun {
    code: number | null;
    stdout: string;
    stderr: string;
    /** The parsed stdout of a `--json` run that got as far as running stacks. */
    results: TenantResult[];
}

/**
 * Runs `node <cli> <args>` with `env` over this process's environment (an undefined value removes
 * the variable); `cli` defaults to this checkout's dist/cli/index.js.
 */
export function runCli(
    args: string[],
    env: Record<string, string | undefined>,
    onSpawn?: (child: ChildProcess) => void,
    cli = CLI,
): Promise<CliRun> {
    return new Promise((resolve, reject) => {
        const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
        for (const [name, value] of Object.entries(env)) if (value === undefined) delete merged[name];
        const child = spawn(process.execPath, [cli, ...args], { env: merged, stdio: ["ignore", "pipe", "pipe"] });
        onSpawn?.(child);
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => {
            let results: TenantResult[] = [];
            if (args.includes("--json") && code !== 2) {
                try {
                    results = JSON.parse(stdout);
                } catch {
                    return reject(new Error(`fleet printed no JSON (exit ${code}):\n${stdout}\n${stderr}`));
                }
            }
            resolve({ code, stdout, stderr, results });
        });
    });
}

/** Request totals per emulator tenant. */
export async function requestTotals(control: EmulatorControl, tenants: FleetTenantFixture[]): Promise<Record<string, number>> {
    const totals: Record<string, number> = {};
    for (const t of tenants) totals[t.name] = (await control.requests(t.tenantId)).total;
    return totals;
}

/** The emails an emulator tenant holds, sorted (projects users in TEST mode, where sk_test writes). */
export async function heldEmails(control: EmulatorControl, t: FleetTenantFixture): Promise<string[]> {
    const users = await control.users(t.tenantId, t.dialect === "projects" ? "test" : undefined);
    return users.map((u) => u.email).sort();
}
