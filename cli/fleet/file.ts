/**
 * The fleet file: which tenants exist, where their API is, how to find their credentials and
 * users. Everything is checked and resolved here, before any stack is touched, so a typo fails
 * every CI job the same way (exit 2) instead of half-applying a fleet.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { readUsersCsv } from "../../provider/schema/csv";
import type { RosterUser } from "../../provider/resources/roster";
import { EMAIL_LOGGING, type EmailLogging } from "../../provider/runtime/config";

export const DIALECTS = ["zquence", "geldstuck", "projects"] as const;
export type FleetDialect = (typeof DIALECTS)[number];
export type CredentialKey = "apiKey" | "apiSecret" | "secretKey";

/** The credentials each dialect needs, and no others. */
export const DIALECT_CREDENTIALS: Record<FleetDialect, readonly CredentialKey[]> = {
    zquence: ["apiKey", "apiSecret"],
    geldstuck: ["apiKey", "apiSecret"],
    projects: ["secretKey"],
};

/** A tenant's name is its stack's name: kept to what every state store and CI system accepts. */
export const TENANT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$/;

const reference = z.string().regex(/^(env|file):.+$/, {
    error: 'must be a reference, "env:NAME" or "file:PATH", never the value itself',
});

const user = z.strictObject({
    email: z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }),
    name: z.string().optional(),
    phone: z.string().optional(),
    country: z.string().optional(),
});

const tenant = z.strictObject({
    name: z.string({ error: "is required" }).regex(TENANT_NAME, {
        error: "must be lower-case letters, digits and dashes (at most 100), starting and ending with a letter or digit",
    }),
    dialect: z.enum(DIALECTS, { error: `must be one of ${DIALECTS.join(", ")}` }),
    baseUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    credentials: z.strictObject(
        { apiKey: reference.optional(), apiSecret: reference.optional(), secretKey: reference.optional() },
        { error: "is required" },
    ),
    users: z.union([z.string().min(1), z.array(user)], { error: "must be a CSV path or a list of users" }),
    /** Provider settings that become this stack's `tenant-users:<key>` config. */
    settings: z
        .strictObject({
            maxAttempts: z.int().positive().optional(),
            requestTimeoutMs: z.int().positive().optional(),
            logEmails: z.enum(EMAIL_LOGGING, { error: `must be one of ${EMAIL_LOGGING.join(", ")}` }).optional(),
        })
        .optional(),
});

const fleetSchema = z.strictObject({
    tenants: z.array(tenant, { error: "must be a list" }).min(1, { error: "must list at least one tenant" }),
});
type RawTenant = z.infer<typeof tenant>;

/** A tenant with its references resolved: ready to become a stack. */
export interface FleetTenant {
    name: string;
    dialect: FleetDialect;
    baseUrl?: string;
    /** The credential values (secrets: never print them). */
    credentials: Partial<Record<CredentialKey, string>>;
    users: RosterUser[];
    settings: { maxAttempts?: number; requestTimeoutMs?: number; logEmails?: EmailLogging };
}

/** One thing wrong with the file, located by tenant and field. */
export interface FleetProblem {
    tenant?: string;
    field: string;
    message: string;
}

/** Raised when the fleet file is unusable; `problems` lists every fault found, not just the first. */
export class FleetFileError extends Error {
    override readonly name = "FleetFileError";
    constructor(
        readonly file: string,
        readonly problems: FleetProblem[],
    ) {
        super(problems.map((p) => formatProblem(file, p)).join("\n"));
    }
}

export function formatProblem(file: string, p: FleetProblem): string {
    return `${file}: ${p.tenant === undefined ? "" : `tenant "${p.tenant}": `}${p.field}: ${p.message}`;
}

function fieldPath(parts: readonly PropertyKey[]): string {
    return parts.reduce<string>((s, k) => (typeof k === "number" ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), "");
}

/** Names a tenant by its `name` when it has a usable one, else by its position. */
function tenantLabel(raw: unknown, index: number): string {
    const name = (raw as { name?: unknown } | undefined)?.name;
    return typeof name === "string" && name !== "" ? name : `tenants[${index}]`;
}

/** Reads `env:NAME` or `file:PATH` (relative to the fleet file); returns the value or a problem. */
function resolveReference(ref: string, baseDir: string): { value?: string; problem?: string } {
    if (ref.startsWith("env:")) {
        const name = ref.slice(4);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return { problem: `"${ref}" is not a valid environment variable name` };
        const value = process.env[name];
        return value ? { value } : { problem: `environment variable ${name} is not set` };
    }
    const file = path.resolve(baseDir, ref.slice(5));
    try {
        // Secret files usually end with a newline that is not part of the secret.
        const value = fs.readFileSync(file, "utf8").replace(/\r?\n$/, "");
        return value ? { value } : { problem: `file ${file} is empty` };
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        return { problem: `cannot read file ${file}: ${code === "ENOENT" ? "no such file" : (code ?? String(err))}` };
    }
}

function resolveTenant(raw: RawTenant, baseDir: string, problems: FleetProblem[]): FleetTenant | undefined {
    const before = problems.length;
    const add = (field: string, message: string) => problems.push({ tenant: raw.name, field, message });
    const needed = DIALECT_CREDENTIALS[raw.dialect];
    const credentials: FleetTenant["credentials"] = {};
    for (const key of ["apiKey", "apiSecret", "secretKey"] as const) {
        const ref = raw.credentials[key];
        if (!needed.includes(key)) {
            if (ref !== undefined) add(`credentials.${key}`, `is not used by the ${raw.dialect} dialect (it takes ${needed.join(", ")})`);
            continue;
        }
        if (ref === undefined) {
            add(`credentials.${key}`, `is required for the ${raw.dialect} dialect`);
            continue;
        }
        const r = resolveReference(ref, baseDir);
        if (r.problem) add(`credentials.${key}`, r.problem);
        else credentials[key] = r.value;
    }
    if (raw.dialect === "projects" && raw.baseUrl === undefined)
        add("baseUrl", "is required for the projects dialect (it has no public host)");
    let users: RosterUser[] = [];
    if (typeof raw.users === "string") {
        try {
            users = readUsersCsv(path.resolve(baseDir, raw.users));
        } catch (err) {
            add("users", (err as Error).message);
        }
    } else {
        users = raw.users;
    }
    if (problems.length > before) return undefined;
    return { name: raw.name, dialect: raw.dialect, baseUrl: raw.baseUrl, credentials, users, settings: raw.settings ?? {} };
}

/** Parses and resolves fleet file text; `file` locates relative paths and names the file in messages. */
export function parseFleet(text: string, file: string): FleetTenant[] {
    let doc: unknown;
    try {
        doc = parseYaml(text);
    } catch (err) {
        throw new FleetFileError(file, [{ field: "(file)", message: `not valid YAML or JSON: ${(err as Error).message.split("\n")[0]}` }]);
    }
    const parsed = fleetSchema.safeParse(doc);
    if (!parsed.success) {
        const rawTenants = Array.isArray((doc as { tenants?: unknown })?.tenants) ? (doc as { tenants: unknown[] }).tenants : [];
        throw new FleetFileError(
            file,
            parsed.error.issues.map((issue) => {
                const [top, index, ...rest] = issue.path;
                if (top === "tenants" && typeof index === "number") {
                    return { tenant: tenantLabel(rawTenants[index], index), field: fieldPath(rest) || "(tenant)", message: issue.message };
                }
                return { field: fieldPath(issue.path) || "(file)", message: issue.message };
            }),
        );
    }
    const problems: FleetProblem[] = [];
    const seen = new Map<string, number>();
    parsed.data.tenants.forEach((t, i) => {
        const first = seen.get(t.name);
        if (first !== undefined) {
            problems.push({
                tenant: t.name,
                field: "name",
                message: `tenants[${i}] repeats the name of tenants[${first}]; each tenant is its own stack, so names must be unique`,
            });
        } else {
            seen.set(t.name, i);
        }
    });
    const baseDir = path.dirname(path.resolve(file));
    const tenants = parsed.data.tenants.map((t) => resolveTenant(t, baseDir, problems));
    if (problems.length) throw new FleetFileError(file, problems);
    return tenants as FleetTenant[];
}

/** Reads, parses and resolves a fleet file (YAML, or JSON, which YAML includes). */
export function loadFleet(file: string): FleetTenant[] {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new FleetFileError(file, [
            {
                field: "(file)",
                message: `cannot read: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : ((err as NodeJS.ErrnoException).code ?? String(err))}`,
            },
        ]);
    }
    return parseFleet(text, file);
}
