/**
 * Refuses, in the program (so at preview, before any API call), a credential set in plain text.
 * The engine records the whole stack config as the inputs of the default provider resource:
 * a credential set without `--secret` would sit unencrypted in state. Only secretness is read here;
 * the values are read by the provider process, never by the program.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CREDENTIAL_KEYS } from "../dialects/registry";

const NAMESPACE = "tenant-users";

/**
 * Checked at every resource, not once per process: Automation API inline programs run one stack
 * after another in one process, each with its own config. (A few map lookups per resource.)
 */
export function assertCredentialsAreSecret(): void {
    const isSecret: (key: string) => boolean = require("@pulumi/pulumi/runtime/config").isConfigSecret;
    const config = new pulumi.Config(NAMESPACE);
    for (const key of CREDENTIAL_KEYS) {
        // Secretness first: reading a secret with get() would print Pulumi's own warning.
        if (!isSecret(`${NAMESPACE}:${key}`) && config.get(key) !== undefined) {
            throw new pulumi.RunError(
                `${NAMESPACE}:${key} is set in plain text, so it would be stored unencrypted in the stack's state. ` +
                    `Set it as a secret, its value on standard input (not the command line): pulumi config set --secret ${NAMESPACE}:${key} < key-file`,
            );
        }
    }
    // One secret leaf makes Pulumi mark the whole object secret, so a secret `connections` may still
    // hold a plain key: only the stack's config file says which leaves were set with --secret.
    const partlySecret = isSecret(`${NAMESPACE}:connections`);
    const plain = partlySecret
        ? plainLeafInStackFile()
        : firstCredential(config.getObject<Record<string, unknown>>("connections"), (v) => v !== undefined);
    if (plain) {
        throw new pulumi.RunError(
            `${NAMESPACE}:connections.${plain} is set in plain text, so it would be stored unencrypted in the stack's ${partlySecret ? "config file" : "state"}. ` +
                `Set it as a secret, its value on standard input (not the command line): pulumi config set --secret --path '${NAMESPACE}:connections.${plain}' < key-file`,
        );
    }
}

/** `name.key` of the first credential of a connection whose value `isPlain` says is plain text. */
function firstCredential(connections: unknown, isPlain: (value: unknown) => boolean): string | undefined {
    if (typeof connections !== "object" || connections === null) return undefined;
    for (const [name, conn] of Object.entries(connections)) {
        if (typeof conn !== "object" || conn === null) continue;
        const key = CREDENTIAL_KEYS.find((k) => isPlain((conn as Record<string, unknown>)[k]));
        if (key) return `${name}.${key}`;
    }
    return undefined;
}

const stackFiles = new Map<string, string | undefined>();
const configFiles = new Map<string, string>();

/**
 * A credential leaf of `tenant-users:connections` written in plain text (not `secure:`) in the
 * stack's config file: `Pulumi.<stack>.yaml` in this project's directory (the nearest one above the
 * program's working directory holding `Pulumi.yaml`, if it names this project) or in its
 * `stackConfigDir`. Read once per version of the file (every resource asks). No such file, no answer.
 */
function plainLeafInStackFile(): string | undefined {
    const where = `${process.cwd()}\0${pulumi.getProject()}\0${pulumi.getStack()}`;
    let file = configFiles.get(where);
    if (file === undefined || !fs.existsSync(file)) file = stackConfigFile(process.cwd(), pulumi.getProject(), pulumi.getStack());
    if (file === undefined) return undefined;
    configFiles.set(where, file);
    let version: string;
    try {
        const stat = fs.statSync(file);
        version = `${file}:${stat.mtimeMs}:${stat.size}`;
    } catch {
        return undefined; // removed since: nothing to read
    }
    if (!stackFiles.has(version)) {
        const connections = readYaml(file)?.config?.[`${NAMESPACE}:connections`];
        // A number is plain too: `config set --path` stores an all-digit value as one.
        stackFiles.set(
            version,
            firstCredential(connections, (v) => typeof v === "string" || typeof v === "number"),
        );
    }
    return stackFiles.get(version);
}

/**
 * The stack's config file of project `project`, found from `dir`: the nearest directory at or above
 * it holding a `Pulumi.yaml` is the project's only if that file names `project` (a program run inside
 * another project's tree, as an Automation API program in a monorepo can be, reads nothing).
 */
export function stackConfigFile(dir: string, project: string, stack: string): string | undefined {
    for (let at = path.resolve(dir); ; at = path.dirname(at)) {
        const projectFile = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(at, f)).find((f) => fs.existsSync(f));
        if (projectFile) {
            const settings = readYaml(projectFile);
            if (settings?.name !== project) return undefined;
            const base = typeof settings.stackConfigDir === "string" ? path.resolve(at, settings.stackConfigDir) : at;
            return ["yaml", "yml"].map((ext) => path.join(base, `Pulumi.${stack}.${ext}`)).find((f) => fs.existsSync(f));
        }
        if (path.dirname(at) === at) return undefined;
    }
}

function readYaml(file: string): any {
    try {
        const { parse } = require("yaml") as typeof import("yaml");
        return parse(fs.readFileSync(file, "utf8"));
    } catch {
        return undefined; // unreadable: the CLI itself says so
    }
}
