/**
 * What the end-to-end tests share: one in-process emulator per test file, a fresh tenant per
 * stack (so request counts and users belong to one test), and the config that points a stack at it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EmulatorControl, startEmulator } from "../../emulator";
import type { ConfigEntry } from "../harness/pulumi";

export type Dialect = "zquence" | "geldstuck" | "projects";
export const DIALECTS: Dialect[] = ["zquence", "geldstuck", "projects"];

export interface RunningEmulator {
    url: string;
    control: EmulatorControl;
    close(): Promise<void>;
}

export async function runEmulator(): Promise<RunningEmulator> {
    const emu = await startEmulator({ port: 0, seed: false });
    return { url: emu.url, control: new EmulatorControl(emu.url, emu.controlToken), close: () => emu.close() };
}

export interface Tenant {
    dialect: Dialect;
    tenantId: string;
    baseUrl: string;
    /** Every credential value of the tenant, for leak searches. */
    secrets: string[];
    /** Stack config for the default connection, credentials as secrets. */
    config: Record<string, ConfigEntry>;
}

export async function newTenant(emu: RunningEmulator, dialect: Dialect, options: { rateLimit?: unknown } = {}): Promise<Tenant> {
    const created: any = await emu.control.createTenant(dialect, options as any);
    const baseUrl = `${emu.url}/${dialect}`;
    const credentials: Record<string, string> =
        dialect === "projects" ? { secretKey: created.testSecretKey } : { apiKey: created.apiKey, apiSecret: created.apiSecret };
    const config: Record<string, ConfigEntry> = {
        "tenant-users:dialect": { value: dialect },
        "tenant-users:baseUrl": { value: baseUrl },
    };
    for (const [k, v] of Object.entries(credentials)) config[`tenant-users:${k}`] = { value: v, secret: true };
    const secrets = [created.apiKey, created.apiSecret, created.testSecretKey, created.liveSecretKey, created.webhookSecret].filter(
        Boolean,
    );
    return { dialect, tenantId: created.tenantId, baseUrl, secrets, config };
}

/** Test users for a dialect: phone only on Zquence, country only on projects. */
export function makeUsers(
    dialect: Dialect,
    count: number,
    prefix = "user",
): { email: string; name: string; phone?: string; country?: string }[] {
    return Array.from({ length: count }, (_, i) => ({
        email: `${prefix}${i}@example.com`,
        name: `${prefix} ${i}`,
        ...(dialect === "zquence" ? { phone: `+1415555${String(i).padStart(4, "0")}` } : {}),
        ...(dialect === "projects" ? { country: ["GB", "FR", "US"][i % 3] } : {}),
    }));
}

/** A program of one TenantUser per row of `users.json` beside it; tests rewrite the file between runs. */
export const TENANT_USERS_PROGRAM = `
import * as fs from "node:fs";
import { TenantUser } from "pulumi-tenant-users";

const users: { email: string; name?: string; phone?: string; country?: string }[] =
    JSON.parse(fs.readFileSync("users.json", "utf8"));
const created = users.map((u) => new TenantUser(u.email, u));
export const statuses = Object.fromEntries(users.map((u, i) => [u.email, created[i].status]));
export const userIds = Object.fromEntries(users.map((u, i) => [u.email, created[i].userId]));
`;

/** A program of one roster from `users.json`, with options from `options.json`. */
export const ROSTER_PROGRAM = `
import * as fs from "node:fs";
import { TenantUserRoster } from "pulumi-tenant-users";

const users = JSON.parse(fs.readFileSync("users.json", "utf8"));
const options = fs.existsSync("options.json") ? JSON.parse(fs.readFileSync("options.json", "utf8")) : {};
const roster = new TenantUserRoster("crm", { users, ...options });
export const userCount = roster.userCount;
export const createdCount = roster.createdCount;
export const adoptedCount = roster.adoptedCount;
export const presentCount = roster.presentCount;
export const createdEmails = roster.createdEmails;
export const failed = roster.failed;
export const invalid = roster.invalid;
export const summary = roster.summary;
`;

export function writeJson(dir: string, file: string, value: unknown): void {
    fs.writeFileSync(path.join(dir, file), JSON.stringify(value));
}

/** Bulk requests a tenant received (both the bulk route and, for projects, its only route). */
export function bulkRequests(requests: { byRoute: Record<string, number> }): number {
    return Object.entries(requests.byRoute)
        .filter(([route]) => route.includes("add-user-bulk") || route.endsWith("/v1/users"))
        .reduce((n, [, c]) => n + c, 0);
}
