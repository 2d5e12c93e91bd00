/**
 * How the fleet keeps credentials to itself: they reach each stack's provider process through its
 * environment (never a command line), everything the fleet prints is scrubbed of them, and a
 * shared state store is never encrypted with the package's built-in passphrase.
 */
import { CREDENTIAL_ENV } from "../../provider/runtime/config";
import type { FleetTenant } from "./file";

/**
 * The tenant's credentials as the environment variables the provider reads for its default
 * connection (`ZQUENCE_PUBLIC_KEY`, …). An environment is readable by its owner only
 * (/proc/<pid>/environ is mode 0400), where a command line is readable by every local user.
 */
export function credentialEnv(t: FleetTenant): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(t.credentials)) {
        const name = CREDENTIAL_ENV[t.dialect][key as keyof FleetTenant["credentials"]];
        if (!name) throw new Error(`no environment variable carries ${key} for the ${t.dialect} dialect`);
        if (value) env[name] = value;
    }
    return env;
}

/** Pulumi repeats the backend URL in its errors; a `postgres://user:password@` must not reach CI logs. */
export function redact(text: string): string {
    return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^@\s/]+@/gi, "$1***@");
}

/** What stands in for a credential in anything printed. */
export const SCRUBBED = "***";

/**
 * A function that hides every given value, as written and as JSON would escape it, and the
 * password of any URL (the backend URL's). Longest first, so a value containing another goes whole.
 */
export function scrubber(values: readonly string[]): (text: string) => string {
    const forms = new Set<string>();
    for (const v of values) {
        if (!v) continue;
        forms.add(v);
        forms.add(JSON.stringify(v).slice(1, -1));
    }
    const ordered = [...forms].sort((a, b) => b.length - a.length);
    return (text) => {
        let out = text;
        for (const form of ordered) out = out.split(form).join(SCRUBBED);
        return redact(out);
    };
}

/** Every credential value of the fleet file, whichever shard runs. */
export function fleetSecrets(tenants: readonly FleetTenant[]): string[] {
    return tenants.flatMap((t) => Object.values(t.credentials).filter((v): v is string => !!v));
}

/**
 * Why this run must not start, or undefined. A store other than local files is shared, so its
 * secrets need a key of the team's choosing: the package's built-in passphrase would be known to
 * anyone who has the package.
 */
export function secretsKeyProblem(env: NodeJS.ProcessEnv, secretsProvider: string | undefined): string | undefined {
    const backend = env.PULUMI_BACKEND_URL;
    if (!backend || backend.startsWith("file://")) return undefined;
    if (secretsProvider && secretsProvider !== "passphrase" && secretsProvider !== "default") return undefined;
    if (env.PULUMI_CONFIG_PASSPHRASE || env.PULUMI_CONFIG_PASSPHRASE_FILE) return undefined;
    return (
        "the shared state store in PULUMI_BACKEND_URL needs a secrets key of your own: set PULUMI_CONFIG_PASSPHRASE " +
        "(or PULUMI_CONFIG_PASSPHRASE_FILE) to the same value on every runner, or pass --secrets-provider " +
        "(e.g. awskms://alias/pulumi-fleet); no stack was touched."
    );
}
