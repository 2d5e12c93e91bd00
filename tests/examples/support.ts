/**
 * What the example tests share: where the examples are, and config helpers. Each test runs the
 * example's own directory (its Pulumi.yaml and index.ts, as committed) through the real CLI.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../cli/pulumi-toolchain";
import type { TestStack } from "../harness/pulumi";

export const EXAMPLES_DIR = path.join(REPO_ROOT, "examples");

/** The directory of `examples/<name>`. */
export function exampleDir(name: string): string {
    const dir = path.join(EXAMPLES_DIR, name);
    if (!fs.existsSync(path.join(dir, "Pulumi.yaml"))) throw new Error(`no example ${name} at ${dir}`);
    return dir;
}

/** A fresh temporary directory for files a test hands to an example (CSV exports, logs). */
export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), `tu-example-${prefix}-`));
}

/**
 * Sets config keys with `--path`, the way an example's README tells users to
 * (`pulumi config set --secret --path 'tenant-users:connections.acme.apiKey' …`).
 */
export async function setPathConfig(stack: TestStack, entries: Record<string, { value: string; secret?: boolean }>): Promise<void> {
    for (const [key, v] of Object.entries(entries)) {
        await stack.stack.setConfig(key, { value: v.value, secret: v.secret ?? false }, true);
    }
}

/** Every email a set of stored users holds, sorted. */
export function emailsOf(users: { email: string }[]): string[] {
    return users.map((u) => u.email).sort();
}
