/**
 * `npm run demo`: the root Pulumi project (examples/demo) against the emulator, through the real
 * CLI, as a newcomer would type it. Sets up what is missing (Pulumi, the stack and its secrets),
 * starts the emulator on a database in .tenant-users/, previews and applies, then adds two users
 * to show a one-line preview, and prints what the emulator holds. A second run is idempotent.
 *
 *   npm run demo              # run it
 *   npm run demo -- --reset   # forget the demo's state and emulator data first
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEMO_TENANTS, EmulatorControl, startEmulator } from "../emulator";
import { pulumiToolchain, REPO_ROOT } from "../cli/pulumi-toolchain";

const DATA_DIR = path.join(REPO_ROOT, ".tenant-users");
const DB_PATH = path.join(DATA_DIR, "demo.db");
const STATE_DIR = path.join(DATA_DIR, "demo-state");
const STACK = "demo";
const PORT = Number(process.env.DEMO_PORT ?? 4010);

function banner(text: string): void {
    console.log(`\n\x1b[1m== ${text}\x1b[0m`);
}

function pulumi(args: string[], env: Record<string, string>, input?: string): Promise<void> {
    return new Promise((resolve, reject) => {
        // Async, not spawnSync: the emulator answers from this very process.
        const child = spawn("pulumi", args, {
            cwd: REPO_ROOT,
            env: { ...process.env, ...env },
            stdio: [input ? "pipe" : "ignore", "inherit", "inherit"],
        });
        if (input) child.stdin!.end(input);
        child.on("error", reject);
        child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`pulumi ${args.join(" ")} exited with ${code}`))));
    });
}

async function main(): Promise<void> {
    if (process.argv.includes("--reset")) {
        fs.rmSync(DB_PATH, { force: true });
        fs.rmSync(`${DB_PATH}-wal`, { force: true });
        fs.rmSync(`${DB_PATH}-shm`, { force: true });
        fs.rmSync(STATE_DIR, { recursive: true, force: true });
        console.log("demo state and emulator data removed");
    }
    banner("Pulumi toolchain");
    fs.mkdirSync(STATE_DIR, { recursive: true });
    const toolchain = pulumiToolchain({ backendUrl: `file://${STATE_DIR}` });
    const env = { ...toolchain.env, PULUMI_NODEJS_TRANSPILE_ONLY: "true" };
    console.log(`pulumi v${toolchain.version} from ${toolchain.binDir}`);

    banner(`Emulator on http://127.0.0.1:${PORT}, data in ${path.relative(REPO_ROOT, DB_PATH)}`);
    const emu = await startEmulator({ port: PORT, dbPath: DB_PATH, seed: true });
    const control = new EmulatorControl(emu.url, emu.controlToken);
    try {
        // Grace is already a Zquence user, created outside Pulumi: the stack adopts her.
        await control.insertUsers(DEMO_TENANTS.zquence.tenantId, [{ email: "grace@example.com", name: "Grace Hopper" }]);

        banner(`Stack "${STACK}": Zquence as the default connection, Geldstuck as "geldstuck", credentials as secrets`);
        await pulumi(["stack", "select", "--create", STACK], env);
        await pulumi(["config", "set", "tenant-users:dialect", "zquence"], env);
        await pulumi(["config", "set", "tenant-users:baseUrl", `${emu.url}/zquence`], env);
        // Secrets through stdin, so they appear in no process list.
        await pulumi(["config", "set", "--secret", "tenant-users:apiKey"], env, DEMO_TENANTS.zquence.apiKey);
        await pulumi(["config", "set", "--secret", "tenant-users:apiSecret"], env, DEMO_TENANTS.zquence.apiSecret);
        await pulumi(["config", "set", "--path", "tenant-users:connections.geldstuck.dialect", "geldstuck"], env);
        await pulumi(["config", "set", "--path", "tenant-users:connections.geldstuck.baseUrl", `${emu.url}/geldstuck`], env);
        await pulumi(
            ["config", "set", "--secret", "--path", "tenant-users:connections.geldstuck.apiKey"],
            env,
            DEMO_TENANTS.geldstuck.apiKey,
        );
        await pulumi(
            ["config", "set", "--secret", "--path", "tenant-users:connections.geldstuck.apiSecret"],
            env,
            DEMO_TENANTS.geldstuck.apiSecret,
        );
        await pulumi(["config", "set", "demo:extraUsers", "0"], env);

        banner("pulumi preview --diff");
        await pulumi(["preview", "--diff"], env);
        banner("pulumi up");
        await pulumi(["up", "--yes", "--skip-preview", "--parallel", "64"], env);

        banner("Two more users in the roster: the preview names them in a few lines");
        await pulumi(["config", "set", "demo:extraUsers", "2"], env);
        await pulumi(["preview", "--diff"], env);
        await pulumi(["up", "--yes", "--skip-preview"], env);

        banner("What the emulator holds now");
        for (const dialect of ["zquence", "geldstuck"] as const) {
            const tenantId = DEMO_TENANTS[dialect].tenantId;
            const users = await control.users(tenantId);
            const hooks = await control.webhooks(tenantId);
            console.log(
                `${dialect}: ${users.length} users (${users
                    .slice(0, 4)
                    .map((u) => u.email)
                    .join(", ")}${users.length > 4 ? ", …" : ""}); ` + `${hooks.length} tenant.users.invite webhooks`,
            );
        }
        console.log(
            `\nThe emulator's data stays in ${path.relative(REPO_ROOT, DB_PATH)}, the stack's state in ${path.relative(REPO_ROOT, STATE_DIR)}.`,
        );
        console.log(
            "Inspect it:  npx tenant-users-emulator --db .tenant-users/demo.db   (then GET /_emulator/tenants/ten_demo_zquence/users with x-emulator-control: emulator-control)",
        );
        console.log("Reset it:    npm run demo -- --reset");
    } finally {
        await emu.close();
    }
}

main().catch((err) => {
    console.error(`\ndemo failed: ${err instanceof Error ? err.message : err}`);
    process.exitCode = 1;
});
