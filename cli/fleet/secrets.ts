/**
 * How the fleet keeps credentials to itself: they reach each stack's provider process through its
 * environment (never a command line), everything the fleet prints is scrubbed of them and of the
 * state store's secrets, and the package's built-in passphrase encrypts no shared store and no real
 * vendor's users.
 */
import { CREDENTIAL_ENV, isLoopback } from "../../provider/runtime/config";
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

/**
 * Pulumi repeats the backend URL in its errors; a `postgres://user:password@` (up to the last "@" of
 * the authority, since a password may hold one) or a `?password=` must not reach CI logs.
 */
export function redact(text: string): string {
    return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^\s/]*@/gi, "$1***@").replace(/([?&](?:ssl)?password=)[^&\s"']+/gi, "$1***");
}

/**
 * The state store's own secrets, to scrub as values wherever they appear: the backend URL's
 * password (as written and decoded; one holding "/" defeats any URL pattern), PGPASSWORD, and the
 * secrets passphrase.
 */
export function storeSecrets(env: NodeJS.ProcessEnv): string[] {
    const values = [env.PGPASSWORD, env.PULUMI_CONFIG_PASSPHRASE];
    try {
        const url = new URL(env.PULUMI_BACKEND_URL ?? "");
        values.push(url.password, decodeURIComponent(url.password), url.searchParams.get("password") ?? undefined);
    } catch {
        // no URL, or not one: nothing more to hide
    }
    return values.filter((v): v is string => !!v);
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
 * Why this run must not start, or undefined. The package's built-in passphrase is known to everyone
 * who has the package, so it may encrypt only what the emulator plays: a store other than local
 * files is shared, and a tenant at a real vendor puts real users' data in state, so either needs a
 * secrets key of the team's choosing.
 */
export function secretsKeyProblem(
    env: NodeJS.ProcessEnv,
    secretsProvider: string | undefined,
    tenants: readonly FleetTenant[],
): string | undefined {
    if (secretsProvider && secretsProvider !== "passphrase" && secretsProvider !== "default") return undefined;
    if (env.PULUMI_CONFIG_PASSPHRASE || env.PULUMI_CONFIG_PASSPHRASE_FILE) return undefined;
    const fix =
        "set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to the same value on every runner, or pass " +
        "--secrets-provider (e.g. awskms://alias/pulumi-fleet); no stack was touched.";
    const backend = env.PULUMI_BACKEND_URL;
    if (backend && !backend.startsWith("file://"))
        return `the shared state store in PULUMI_BACKEND_URL needs a secrets key of your own: ${fix}`;
    const real = tenants.filter((t) => !atEmulator(t)).map((t) => t.name);
    if (real.length === 0) return undefined;
    return (
        `${real.length === 1 ? "tenant" : "tenants"} ${listNames(real)} ${real.length === 1 ? "is" : "are"} not on a loopback emulator, ` +
        `and the package's built-in passphrase (known to everyone who has the package) would encrypt their users in state: ${fix}`
    );
}

/** A tenant whose base URL names this machine: the emulator, with made-up users. */
function atEmulator(t: FleetTenant): boolean {
    if (!t.baseUrl) return false; // the vendor's own API
    try {
        return isLoopback(new URL(t.baseUrl).hostname);
    } catch {
        return false;
    }
}

function listNames(names: string[]): string {
    const shown = names.slice(0, 5).map((n) => `"${n}"`);
    return names.length > 5 ? `${shown.join(", ")} and ${names.length - 5} more` : shown.join(", ");
}
