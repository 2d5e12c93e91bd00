/**
 * `tenant-users fleet preview|up|destroy --file fleet.yaml [--concurrency N] [--shard I/N]
 * [--lock-timeout SECONDS] [--secrets-provider URL] [--json]`: a stack per tenant, in the shared
 * state store that PULUMI_BACKEND_URL names. Exit 0 when every tenant of the shard succeeded, 1 when
 * any failed, 2 for a bad fleet file, bad arguments or no secrets key for a shared store (then no
 * stack is touched). Nothing it prints contains a credential of the fleet file.
 */
import { parseArgs } from "node:util";
import { FleetFileError, type FleetTenant, loadFleet } from "./file";
import { progressLine, resultJson, resultTable } from "./report";
import { fleetSecrets, scrubber, secretsKeyProblem, storeSecrets } from "./secrets";
import { parseShard, selectShard, WHOLE_FLEET } from "./shard";
import type { Operation, TenantResult } from "./stack";

export const DEFAULT_CONCURRENCY = 2;
export const DEFAULT_LOCK_TIMEOUT_SECONDS = 300;

export const FLEET_USAGE = `Usage: tenant-users fleet <preview|up|destroy> --file fleet.yaml [options]

Applies each tenant of the fleet file as its own stack, in the state store named by
PULUMI_BACKEND_URL (default: Pulumi's local file store, ~/.pulumi), its secrets encrypted with
PULUMI_CONFIG_PASSPHRASE (required for any store but local files) or --secrets-provider.

Options:
  -f, --file PATH            the fleet file (YAML or JSON)                       required
      --concurrency N        stacks in flight at once                            default ${DEFAULT_CONCURRENCY}
      --shard I/N            only the I-th of N parts of the fleet (CI matrix)   default 1/1
      --lock-timeout SECONDS wait this long for a stack another runner holds     default ${DEFAULT_LOCK_TIMEOUT_SECONDS}
      --secrets-provider URL secrets provider of new stacks (awskms://…, …)      default passphrase
      --json                 print one JSON array of results on stdout
  -h, --help

Exit status: 0 every tenant succeeded, 1 some tenant failed, 2 bad fleet file or arguments,
or a shared store without PULUMI_CONFIG_PASSPHRASE or --secrets-provider.`;

const OPERATIONS: readonly Operation[] = ["preview", "up", "destroy"];

class UsageError extends Error {}

function positiveInt(text: string, flag: string, min: number): number {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || n < min) throw new UsageError(`${flag} must be a whole number of at least ${min}, got "${text}"`);
    return n;
}

interface FleetArgs {
    operation: Operation;
    file: string;
    concurrency: number;
    shard: { index: number; count: number };
    lockTimeoutSeconds: number;
    secretsProvider?: string;
    json: boolean;
}

function parseFleetArgs(argv: string[]): FleetArgs | "help" {
    let parsed: ReturnType<typeof parseFleetArgv>;
    try {
        parsed = parseFleetArgv(argv);
    } catch (err) {
        throw new UsageError((err as Error).message);
    }
    const { values, positionals } = parsed;
    if (values.help) return "help";
    return fleetArgsFrom(values, positionals);
}

function parseFleetArgv(argv: string[]) {
    return parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            file: { type: "string", short: "f" },
            concurrency: { type: "string" },
            shard: { type: "string" },
            "lock-timeout": { type: "string" },
            "secrets-provider": { type: "string" },
            json: { type: "boolean", default: false },
            help: { type: "boolean", short: "h", default: false },
        },
    });
}

function fleetArgsFrom(values: ReturnType<typeof parseFleetArgv>["values"], positionals: string[]): FleetArgs {
    const [operation, ...extra] = positionals;
    if (!OPERATIONS.includes(operation as Operation)) {
        throw new UsageError(
            operation
                ? `unknown operation "${operation}": expected ${OPERATIONS.join(", ")}`
                : `an operation is required: ${OPERATIONS.join(", ")}`,
        );
    }
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (!values.file) throw new UsageError("--file is required");
    let shard = WHOLE_FLEET;
    if (values.shard !== undefined) {
        try {
            shard = parseShard(values.shard);
        } catch (err) {
            throw new UsageError((err as Error).message);
        }
    }
    return {
        operation: operation as Operation,
        file: values.file,
        concurrency: values.concurrency === undefined ? DEFAULT_CONCURRENCY : positiveInt(values.concurrency, "--concurrency", 1),
        shard,
        lockTimeoutSeconds:
            values["lock-timeout"] === undefined ? DEFAULT_LOCK_TIMEOUT_SECONDS : positiveInt(values["lock-timeout"], "--lock-timeout", 0),
        secretsProvider: values["secrets-provider"] || undefined,
        json: values.json ?? false,
    };
}

/** Runs the `fleet` command and returns its exit status. */
export async function fleetCommand(argv: string[]): Promise<number> {
    let args: FleetArgs | "help";
    try {
        args = parseFleetArgs(argv);
    } catch (err) {
        process.stderr.write(`tenant-users fleet: ${(err as Error).message}\n\n${FLEET_USAGE}\n`);
        return 2;
    }
    if (args === "help") {
        process.stdout.write(`${FLEET_USAGE}\n`);
        return 0;
    }
    let fleet: FleetTenant[];
    try {
        fleet = loadFleet(args.file);
    } catch (err) {
        if (!(err instanceof FleetFileError)) throw err;
        process.stderr.write(`tenant-users fleet: the fleet file is not usable; no stack was touched.\n${err.message}\n`);
        return 2;
    }
    const keyProblem = secretsKeyProblem(process.env, args.secretsProvider, fleet);
    if (keyProblem) {
        process.stderr.write(`tenant-users fleet: ${keyProblem}\n`);
        return 2;
    }
    const tenants = selectShard(fleet, args.shard);
    // Every line printed from here on is scrubbed of every credential of the file (any shard's) and the store's secrets.
    const scrub = scrubber([...fleetSecrets(fleet), ...storeSecrets(process.env)]);
    const { json } = args;
    // With --json, stdout carries only the JSON document; progress goes to stderr.
    const progress = (line: string) => (json ? process.stderr : process.stdout).write(`${scrub(line)}\n`);
    const shardText = args.shard.count > 1 ? ` (shard ${args.shard.index}/${args.shard.count})` : "";
    progress(
        `fleet ${args.operation}: ${tenants.length} tenant${tenants.length === 1 ? "" : "s"}${shardText}, ${args.concurrency} at a time`,
    );
    if (!process.env.PULUMI_BACKEND_URL) {
        // Shards on other machines would not see these stacks: say so rather than let them diverge.
        process.stderr.write(
            "tenant-users fleet: PULUMI_BACKEND_URL is not set, so the stacks go to this machine's local file store (~/.pulumi); " +
                "set it to a shared store (postgres://, s3://, Pulumi Cloud) to run shards elsewhere.\n",
        );
    }
    let results: TenantResult[];
    try {
        // Pulumi's SDK takes seconds to load: only once the arguments and the file are known good.
        const { runFleet } = await import("./run.js");
        results = await runFleet(tenants, {
            operation: args.operation,
            concurrency: args.concurrency,
            lockTimeoutSeconds: args.lockTimeoutSeconds,
            secretsProvider: args.secretsProvider,
            onResult: (r, done, total) => progress(progressLine(r, done, total, args.operation)),
            log: progress,
        });
    } catch (err) {
        // Not a tenant's failure (no Pulumi, no temp dir): the message may still quote a credential.
        process.stderr.write(`tenant-users fleet: ${scrub(err instanceof Error ? err.message : String(err))}\n`);
        return 1;
    }
    results = results.map((r) => (r.error === undefined ? r : { ...r, error: scrub(r.error) }));
    process.stdout.write(`${scrub(json ? resultJson(results) : `\n${resultTable(results)}`)}\n`);
    return results.every((r) => r.result === "succeeded") ? 0 : 1;
}
