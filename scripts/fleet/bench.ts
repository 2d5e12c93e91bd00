/**
 * What the fleet command buys: N tenants × M users on a PostgreSQL state store, with vendor latency,
 * applied three ways from scratch (fresh tenants and stacks each time):
 *   1. a plain `pulumi up` of each stack in turn (a regular TypeScript project, run by the CLI);
 *   2. `tenant-users fleet up --concurrency 4`;
 *   3. two `fleet up --shard I/2 --concurrency 2` processes at once (two CI jobs, on one machine here).
 * CPU is the user+system time of the child processes (and everything they waited for), read from
 * /proc/self/stat; the emulator runs in this process, so its CPU is not counted.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { EmulatorControl, startEmulator } from "../../emulator";
import { pulumiToolchain, REPO_ROOT } from "../../cli/pulumi-toolchain";
import { startPostgres } from "./postgres";

export interface FleetBenchOptions {
    quick: boolean;
    tenants: number;
    usersPerTenant: number;
    latencyMs: number;
}

export const FLEET_BENCH_SIZES: Record<"quick" | "full", FleetBenchOptions> = {
    quick: { quick: true, tenants: 4, usersPerTenant: 100, latencyMs: 50 },
    full: { quick: false, tenants: 50, usersPerTenant: 1000, latencyMs: 50 },
};

export interface FleetBenchPhase {
    name: string;
    wallSeconds: number;
    /** CPU of the child processes over the phase. */
    cpuSeconds: number;
    cpuSecondsPerStack: number;
}

export interface FleetBenchResult {
    options: FleetBenchOptions;
    sequential: FleetBenchPhase;
    fleet: FleetBenchPhase;
    shards: FleetBenchPhase;
    /** Wall time of the sequential runs divided by that of each other way. */
    speedup: { fleet: number; shards: number };
}

const PASSPHRASE = "fleet-bench";
const DIALECTS = ["zquence", "geldstuck", "projects"] as const;

/** CPU seconds of this process's finished children (Linux; 0 elsewhere). */
function childCpuSeconds(): number {
    try {
        // Fields after "(comm) ": state is [0], so cutime (field 16) is [13] and cstime [14], in clock ticks.
        const f = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
        return (Number(f[13]) + Number(f[14])) / 100;
    } catch {
        return 0;
    }
}

function run(cmd: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (err += d));
        child.on("error", reject);
        child.on("close", (code) =>
            code === 0
                ? resolve(out)
                : reject(new Error(`${path.basename(cmd)} ${args.slice(0, 3).join(" ")} exited ${code}:\n${err || out}`)),
        );
    });
}

interface BenchTenant {
    name: string;
    dialect: (typeof DIALECTS)[number];
    tenantId: string;
    credentials: Record<string, string>;
}

/** Fresh emulator tenants and their users as CSV files in `dir` (the same files every way reads). */
async function makeTenants(control: EmulatorControl, prefix: string, dir: string, opts: FleetBenchOptions): Promise<BenchTenant[]> {
    const tenants: BenchTenant[] = [];
    for (let i = 0; i < opts.tenants; i++) {
        const dialect = DIALECTS[i % DIALECTS.length];
        const name = `${prefix}-${i + 1}`;
        const created = await control.createTenant(dialect, { rateLimit: null });
        const credentials: Record<string, string> =
            "testSecretKey" in created ? { secretKey: created.testSecretKey } : { apiKey: created.apiKey, apiSecret: created.apiSecret };
        const rows = Array.from({ length: opts.usersPerTenant }, (_, j) => `user${j}@${name}.example.com,User ${j}`);
        fs.writeFileSync(path.join(dir, `${name}.csv`), `${["email,name", ...rows].join("\n")}\n`);
        tenants.push({ name, dialect, tenantId: created.tenantId, credentials });
    }
    return tenants;
}

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { TenantUserRoster, readUsersCsv } from "pulumi-tenant-users";

const stack = pulumi.getStack();
const roster = new TenantUserRoster(stack, { users: readUsersCsv(\`users/\${stack}.csv\`) });
export const userCount = roster.userCount;
`;

/** Way 1: a regular project, and for each stack `stack init`, `config set-all`, `up`, one after another. */
async function sequential(
    tenants: BenchTenant[],
    dir: string,
    env: NodeJS.ProcessEnv,
    baseUrl: (d: string) => string,
    pulumi: string,
): Promise<void> {
    fs.writeFileSync(
        path.join(dir, "Pulumi.yaml"),
        "name: tenant-users-bench\nruntime:\n  name: nodejs\n  options:\n    typescript: true\nmain: index.ts\n",
    );
    fs.writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify({
            compilerOptions: {
                target: "ES2022",
                module: "node16",
                moduleResolution: "node16",
                strict: true,
                skipLibCheck: true,
                rootDir: ".",
            },
            files: ["index.ts"],
        }),
    );
    fs.writeFileSync(path.join(dir, "index.ts"), PROGRAM);
    for (const t of tenants) {
        const cli = (...args: string[]) => run(pulumi, [...args, "--stack", t.name, "--non-interactive"], { env, cwd: dir });
        await run(pulumi, ["stack", "init", t.name, "--non-interactive"], { env, cwd: dir });
        const secrets = Object.entries(t.credentials).flatMap(([k, v]) => ["--secret", `tenant-users:${k}=${v}`]);
        await cli(
            "config",
            "set-all",
            "--plaintext",
            `tenant-users:dialect=${t.dialect}`,
            "--plaintext",
            `tenant-users:baseUrl=${baseUrl(t.dialect)}`,
            ...secrets,
        );
        // --skip-preview, as the Automation API's up does: the same single pass over the program.
        await cli("up", "--yes", "--skip-preview");
    }
}

function fleetFile(tenants: BenchTenant[], dir: string, baseUrl: (d: string) => string): { file: string; env: Record<string, string> } {
    const env: Record<string, string> = {};
    const entries = tenants.map((t) => {
        const credentials: Record<string, string> = {};
        for (const [k, v] of Object.entries(t.credentials)) {
            const variable = `BENCH_${t.name.toUpperCase().replace(/-/g, "_")}_${k.toUpperCase()}`;
            env[variable] = v;
            credentials[k] = `env:${variable}`;
        }
        return { name: t.name, dialect: t.dialect, baseUrl: baseUrl(t.dialect), credentials, users: `./${t.name}.csv` };
    });
    const file = path.join(dir, "fleet.yaml");
    fs.writeFileSync(file, stringify({ tenants: entries }));
    return { file, env };
}

async function phase(name: string, stacks: number, body: () => Promise<void>): Promise<FleetBenchPhase> {
    const cpu0 = childCpuSeconds();
    const t0 = process.hrtime.bigint();
    await body();
    const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpuSeconds = childCpuSeconds() - cpu0;
    return { name, wallSeconds: round(wallSeconds), cpuSeconds: round(cpuSeconds), cpuSecondsPerStack: round(cpuSeconds / stacks) };
}

const round = (n: number) => Math.round(n * 100) / 100;

/** Checks that a way really created every user, so a fast failure never passes for a fast run. */
async function verify(control: EmulatorControl, tenants: BenchTenant[], expected: number): Promise<void> {
    for (const t of tenants) {
        const held = (await control.users(t.tenantId, t.dialect === "projects" ? "test" : undefined)).length;
        if (held !== expected) throw new Error(`bench: tenant ${t.name} holds ${held} users, expected ${expected}`);
    }
}

export async function benchFleet(opts: FleetBenchOptions): Promise<FleetBenchResult> {
    const pg = await startPostgres({ database: "fleet_bench" });
    const emulator = await startEmulator({ port: 0, seed: false });
    const control = new EmulatorControl(emulator.url, emulator.controlToken);
    const root = fs.mkdtempSync(path.join(REPO_ROOT, ".tenant-users", "bench-fleet-"));
    try {
        await control.addFault({ latencyMs: opts.latencyMs });
        const baseUrl = (d: string) => `${emulator.url}/${d}`;
        const toolchain = pulumiToolchain({ backendUrl: pg.url });
        const env: NodeJS.ProcessEnv = { ...process.env, ...toolchain.env, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE };
        delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
        const cli = path.join(REPO_ROOT, "dist", "cli", "index.js");
        const ways: [string, string][] = [
            ["sequential", "seq"],
            ["fleet", "fleet"],
            ["shards", "shard"],
        ];
        const dirs = Object.fromEntries(
            ways.map(([way, prefix]) => {
                const dir = path.join(root, prefix);
                fs.mkdirSync(path.join(dir, "users"), { recursive: true });
                return [way, dir];
            }),
        );
        const tenants = {
            sequential: await makeTenants(control, "seq", path.join(dirs.sequential, "users"), opts),
            fleet: await makeTenants(control, "fleet", dirs.fleet, opts),
            shards: await makeTenants(control, "shard", dirs.shards, opts),
        };
        const seq = await phase("pulumi up, one stack after another", opts.tenants, () =>
            sequential(tenants.sequential, dirs.sequential, env, baseUrl, path.join(toolchain.binDir, "pulumi")),
        );
        await verify(control, tenants.sequential, opts.usersPerTenant);

        const one = fleetFile(tenants.fleet, dirs.fleet, baseUrl);
        const fleet = await phase("fleet up --concurrency 4", opts.tenants, async () => {
            await run(process.execPath, [cli, "fleet", "up", "--file", one.file, "--concurrency", "4", "--json"], {
                env: { ...env, ...one.env },
            });
        });
        await verify(control, tenants.fleet, opts.usersPerTenant);

        const two = fleetFile(tenants.shards, dirs.shards, baseUrl);
        const shards = await phase("fleet up --shard 1/2 and 2/2 at once, --concurrency 2 each", opts.tenants, async () => {
            await Promise.all(
                ["1/2", "2/2"].map((shard) =>
                    run(process.execPath, [cli, "fleet", "up", "--file", two.file, "--shard", shard, "--concurrency", "2", "--json"], {
                        env: { ...env, ...two.env },
                    }),
                ),
            );
        });
        await verify(control, tenants.shards, opts.usersPerTenant);

        return {
            options: opts,
            sequential: seq,
            fleet,
            shards,
            speedup: { fleet: round(seq.wallSeconds / fleet.wallSeconds), shards: round(seq.wallSeconds / shards.wallSeconds) },
        };
    } finally {
        await emulator.close();
        pg.stop();
        fs.rmSync(root, { recursive: true, force: true });
    }
}

/** A Markdown table of the result, for the bench report and the README. */
export function formatFleetBench(r: FleetBenchResult): string {
    const o = r.options;
    return [
        `Fleet: ${o.tenants} tenants × ${o.usersPerTenant} users, ${o.latencyMs} ms vendor latency, PostgreSQL state store`,
        "",
        "| way | wall s | CPU s | CPU s per stack | speed-up |",
        "|---|---:|---:|---:|---:|",
        ...[
            [r.sequential, 1],
            [r.fleet, r.speedup.fleet],
            [r.shards, r.speedup.shards],
        ].map(([p, s]) => {
            const phase = p as FleetBenchPhase;
            return `| ${phase.name} | ${phase.wallSeconds} | ${phase.cpuSeconds} | ${phase.cpuSecondsPerStack} | ${s}× |`;
        }),
    ].join("\n");
}

if (require.main === module) {
    const size = process.argv.includes("--full") ? FLEET_BENCH_SIZES.full : FLEET_BENCH_SIZES.quick;
    benchFleet(size).then(
        (r) => console.log(`${formatFleetBench(r)}\n\n${JSON.stringify(r, null, 2)}`),
        (err) => {
            console.error(err);
            process.exitCode = 1;
        },
    );
}
