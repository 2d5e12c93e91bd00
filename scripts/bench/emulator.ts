/**
 * The emulator every scenario runs against: in this process, on a WAL database file (as a real
 * server would keep it), one fresh tenant per sample so request counts and users belong to it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EmulatorControl, startEmulator } from "../../emulator";

export interface BenchEmulator {
    url: string;
    control: EmulatorControl;
    close(): Promise<void>;
}

export interface BenchTenant {
    tenantId: string;
    baseUrl: string;
    apiKey: string;
    apiSecret: string;
    /** Stack config of the default connection (plain part). */
    config: Record<string, string>;
    /** Stack config secrets (credentials). */
    secrets: Record<string, string>;
    /** The same connection as environment variables, for the plain script, the unbatched provider and curl. */
    env: Record<string, string>;
}

export async function startBenchEmulator(): Promise<BenchEmulator> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tu-bench-emulator-"));
    const emu = await startEmulator({ port: 0, dbPath: path.join(dir, "emulator.db"), seed: false });
    return {
        url: emu.url,
        control: new EmulatorControl(emu.url, emu.controlToken),
        close: async () => {
            await emu.close();
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

/**
 * A fresh Zquence tenant (no rate limit, as Zquence's default), optionally with latency on every
 * request; or a Geldstuck tenant, which has Geldstuck's default rate limit (20 requests/s, burst 40).
 */
export async function newBenchTenant(
    emu: BenchEmulator,
    opts: { latencyMs?: number; viaUrl?: string; dialect?: "zquence" | "geldstuck" } = {},
): Promise<BenchTenant> {
    const dialect = opts.dialect ?? "zquence";
    const t = await emu.control.createTenant(dialect);
    if (opts.latencyMs) await emu.control.addFault({ tenantId: t.tenantId, latencyMs: opts.latencyMs });
    // `viaUrl`: a recording pass-through in front of the emulator (profiled runs).
    const baseUrl = `${opts.viaUrl ?? emu.url}/${dialect}`;
    return {
        tenantId: t.tenantId,
        baseUrl,
        apiKey: t.apiKey,
        apiSecret: t.apiSecret,
        config: { "tenant-users:dialect": dialect, "tenant-users:baseUrl": baseUrl },
        secrets: { "tenant-users:apiKey": t.apiKey, "tenant-users:apiSecret": t.apiSecret },
        env: { BENCH_BASE_URL: baseUrl, BENCH_API_KEY: t.apiKey, BENCH_API_SECRET: t.apiSecret },
    };
}

export async function requestCount(emu: BenchEmulator, tenant: BenchTenant): Promise<{ total: number; byRoute: Record<string, number> }> {
    return emu.control.requests(tenant.tenantId);
}

export interface BenchUser {
    email: string;
    name: string;
    phone?: string;
}

/** Zquence users with distinct emails and phones (Geldstuck's have no phone); `prefix` keeps sets apart. */
export function makeUsers(count: number, prefix = "user", offset = 0, withPhone = true): BenchUser[] {
    return Array.from({ length: count }, (_, j) => {
        const i = j + offset;
        const user = { email: `${prefix}${i}@example.com`, name: `${prefix} ${i}` };
        return withPhone ? { ...user, phone: `+1415${String(i).padStart(7, "0")}` } : user;
    });
}
