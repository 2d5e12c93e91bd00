#!/usr/bin/env node
/**
 * tenant-users-emulator [--port 4010] [--host 127.0.0.1] [--db .tenant-users/emulator.db]
 *                       [--no-seed] [--control-token <token>] [--log]
 */
import { parseArgs } from "node:util";
import { startEmulator } from "./index";
import { DEMO_TENANTS, DEMO_WEBHOOK_SECRET } from "./tenants";

const USAGE = `Usage: tenant-users-emulator [options]
  --port <n>               port to listen on, 0 for any free port (default 4010)
  --host <host>            interface to bind (default 127.0.0.1)
  --db <path>              SQLite database file, or :memory: (default .tenant-users/emulator.db)
  --no-seed                do not create the demo tenants
  --control-token <token>  value of x-emulator-control for the control API (default emulator-control)
  --log                    log every request
  --help                   show this help`;

function fail(message: string): never {
    process.stderr.write(`${message}\n\n${USAGE}\n`);
    process.exit(2);
}

function parsedArgs() {
    try {
        return parseArgs({
            options: {
                port: { type: "string", default: "4010" },
                host: { type: "string", default: "127.0.0.1" },
                db: { type: "string", default: ".tenant-users/emulator.db" },
                "no-seed": { type: "boolean", default: false },
                "control-token": { type: "string" },
                log: { type: "boolean", default: false },
                help: { type: "boolean", default: false },
            },
            strict: true,
        });
    } catch (error) {
        fail((error as Error).message);
    }
}

async function main(): Promise<void> {
    const { values } = parsedArgs();
    if (values.help) {
        process.stdout.write(`${USAGE}\n`);
        return;
    }
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be an integer from 0 to 65535, got ${values.port}`);

    const emulator = await startEmulator({
        port,
        host: values.host,
        dbPath: values.db,
        seed: !values["no-seed"],
        controlToken: values["control-token"],
        log: values.log,
    });
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
        if (stopping) process.exit(1); // a second signal: give up waiting
        stopping = true;
        process.stdout.write(`received ${signal}, shutting down\n`);
        emulator.close().then(
            () => process.exit(0),
            (error: unknown) => {
                process.stderr.write(`shutdown failed: ${String(error)}\n`);
                process.exit(1);
            },
        );
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);

    const { url } = emulator;
    const lines = [
        `tenant-users emulator listening on ${url} (database: ${values.db})`,
        `  Zquence    ${url}/zquence     x-api-key: ${DEMO_TENANTS.zquence.apiKey}  x-api-secret: ${DEMO_TENANTS.zquence.apiSecret}`,
        `  Geldstuck  ${url}/geldstuck   x-api-key: ${DEMO_TENANTS.geldstuck.apiKey}  x-api-secret: ${DEMO_TENANTS.geldstuck.apiSecret}`,
        `  projects   ${url}/projects    Authorization: ${DEMO_TENANTS.projects.testSecretKey} (TEST) | ${DEMO_TENANTS.projects.liveSecretKey} (LIVE)`,
        `  webhooks   signed with ${DEMO_WEBHOOK_SECRET} for the demo tenants`,
        `  control    ${url}/_emulator   x-emulator-control: ${emulator.controlToken}`,
    ];
    if (values["no-seed"]) lines.splice(1, 4, "  (no demo tenants: --no-seed)");
    process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((error: unknown) => {
    process.stderr.write(`tenant-users-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
});
