/**
 * Every vendor, one line each. Plain data with no runtime imports (the descriptors load their
 * clients lazily), so schema, config, the runtime and the program side (provider/resources/) all
 * derive what differs between vendors from here: dialect names, fields, credentials and their
 * environment variables, default hosts, call limits, error hints.
 */
import { geldstuck } from "./geldstuck";
import { projects } from "./projects";
import type { Connection } from "./types";
import type { CredentialKey, UserField, VendorDescriptor } from "./vendor";
import { zquence } from "./zquence";

export type { CredentialKey, UserField, VendorDescriptor } from "./vendor";

export const VENDORS = [zquence, geldstuck, projects] as const;

/** A vendor API's name in config: `tenant-users:dialect`. */
export type Dialect = (typeof VENDORS)[number]["name"];

export const DIALECTS: readonly Dialect[] = VENDORS.map((v) => v.name);

/** Whether `name` is a known dialect. */
export const isDialect = (name: unknown): name is Dialect => typeof name === "string" && (DIALECTS as readonly string[]).includes(name);

/** "a, b or c": how messages offer a choice. */
export function orList(items: readonly string[]): string {
    return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

/** The descriptor of a dialect; a RangeError naming the known ones for any other name. */
export function vendorOf(dialect: Dialect): VendorDescriptor<Dialect> {
    const found = VENDORS.find((v) => v.name === dialect);
    if (!found) throw new RangeError(`unknown dialect ${JSON.stringify(dialect as unknown)}; use ${orList(DIALECTS)}`);
    return found;
}

/** Which fields each dialect stores. */
export const DIALECT_FIELDS: Readonly<Record<Dialect, readonly UserField[]>> = Object.fromEntries(
    VENDORS.map((v) => [v.name, v.fields]),
) as Record<Dialect, readonly UserField[]>;

/** Every credential key any vendor needs, in first-use order. */
export const CREDENTIAL_KEYS: readonly CredentialKey[] = [
    ...new Set(VENDORS.flatMap((v) => Object.keys(v.credentials) as CredentialKey[])),
];

/** The values of the credentials a connection's dialect uses: what every message must be scrubbed of. */
export function credentialValues(conn: Connection): string[] {
    return (Object.keys(vendorOf(conn.dialect).credentials) as CredentialKey[])
        .map((k) => conn[k])
        .filter((v): v is string => typeof v === "string");
}

/**
 * The credentials a connection's dialect needs that it lacks (names, never values). The one
 * check of missing credentials: config reports it at preview, the client factory refuses on it.
 */
export function missingCredentials(conn: Connection): CredentialKey[] {
    return (Object.keys(vendorOf(conn.dialect).credentials) as CredentialKey[]).filter((k) => !conn[k]);
}
