/**
 * Refuses, in the program (so at preview, before any API call), a credential set in plain text.
 * The engine records the whole stack config as the inputs of the default provider resource:
 * a credential set without `--secret` would sit unencrypted in state. Only secretness is read here;
 * the values are read by the provider process, never by the program.
 */
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
    const connections = isSecret(`${NAMESPACE}:connections`)
        ? undefined
        : config.getObject<Record<string, Record<string, unknown>>>("connections");
    if (connections) {
        for (const [name, conn] of Object.entries(connections)) {
            const plain = CREDENTIAL_KEYS.filter((k) => conn && typeof conn === "object" && conn[k] !== undefined);
            if (plain.length) {
                throw new pulumi.RunError(
                    `${NAMESPACE}:connections.${name}.${plain[0]} is set in plain text, so it would be stored unencrypted in the stack's state. ` +
                        `Set it as a secret: pulumi config set --secret --path '${NAMESPACE}:connections.${name}.${plain[0]}' <value>`,
                );
            }
        }
    }
}
