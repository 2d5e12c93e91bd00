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
                    `Set it as a secret: pulumi config set --secret ${NAMESPACE}:${key} <value>`,
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
                `Set it as a secret: pulumi config set --secret --path '${NAMESPACE}:connections.${plain}' <value>`,
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

/**
 * A credential leaf of `tenant-users:connections` written as a plain string (not `secure:`) in
 * `Pulumi.<stack>.yaml` beside the program, where the CLI keeps a project's stack config. Read once
 * per version of the file (every resource asks). No file there (another config location), no answer.
 */
function plainLeafInStackFile(): string | undefined {
    const file = ["yaml", "yml"].map((ext) => path.join(process.cwd(), `Pulumi.${pulumi.getStack()}.${ext}`)).find((f) => fs.existsSync(f));
    if (!file) return undefined;
    const stat = fs.statSync(file);
    const version = `${file}:${stat.mtimeMs}:${stat.size}`;
    if (!stackFiles.has(version)) {
        let connections: unknown;
        try {
            const { parse } = require("yaml") as typeof import("yaml");
            connections = parse(fs.readFileSync(file, "utf8"))?.config?.[`${NAMESPACE}:connections`];
        } catch {
            connections = undefined; // unreadable: the CLI itself will say so
        }
        stackFiles.set(
            version,
            firstCredential(connections, (v) => typeof v === "string"),
        );
    }
    return stackFiles.get(version);
}
