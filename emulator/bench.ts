/**
 * Ingest benchmark of the emulator itself: 10,000-user Zquence bulks and
 * 1,000-user projects requests against a WAL database file, timed from the
 * client (request sent → answer read), median of several runs. The CPU time
 * is reported too: client and server run in this one process, so it is what
 * the work costs on an idle core even when the machine is busy.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { EmulatorControl, startEmulator } from "./index";

export interface IngestSample {
    dialect: "zquence" | "projects";
    users: number;
    /** Wall-clock milliseconds, request sent → answer read. */
    ms: number;
    /** CPU milliseconds (user + system) this process spent meanwhile: client and server share it. */
    cpuMs: number;
}

export interface EmulatorIngestResult {
    /** Median over the Zquence runs of 10,000 / seconds per bulk. */
    zquenceUsersPerSecond: number;
    /** Median over the projects runs of 1,000 / seconds per request. */
    projectsUsersPerSecond: number;
    /** Median wall-clock milliseconds of one 10,000-user Zquence bulk. */
    zquenceBulkMedianMs: number;
    /**
     * Median CPU milliseconds of one 10,000-user Zquence bulk: what it costs on
     * an otherwise idle core, whatever else the machine is running.
     */
    zquenceBulkMedianCpuMs: number;
    samples: IngestSample[];
    database: "file (WAL)";
}

const ZQ_BULK = 10_000;
const PROJECTS_BATCH = 1_000;

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function timedPost(
    dispatcher: Agent,
    url: string,
    headers: Record<string, string>,
    body: string,
): Promise<{ ms: number; cpuMs: number }> {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const res = await request(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body, dispatcher });
    const text = await res.body.text();
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    if (res.statusCode !== 200 && res.statusCode !== 201)
        throw new Error(`benchmark request failed: ${res.statusCode} ${text.slice(0, 200)}`);
    return { ms, cpuMs: (used.user + used.system) / 1000 };
}

export async function benchEmulatorIngest(opts: { quick: boolean }): Promise<EmulatorIngestResult> {
    const runs = opts.quick ? 3 : 7;
    const dir = mkdtempSync(join(tmpdir(), "tenant-users-bench-"));
    const emulator = await startEmulator({ port: 0, dbPath: join(dir, "bench.db"), seed: false });
    const dispatcher = new Agent({ connections: 1 });
    const samples: IngestSample[] = [];
    try {
        const control = new EmulatorControl(emulator.url, emulator.controlToken);
        const zq = await control.createTenant("zquence");
        const pj = await control.createTenant("projects");
        const zqHeaders = { "x-api-key": zq.apiKey, "x-api-secret": zq.apiSecret };
        const pjHeaders = { authorization: pj.testSecretKey };

        // one warm-up of each, not recorded
        const warm = JSON.stringify([{ email: "warm@example.com", name: "Warm", phone: "+14155550100" }]);
        await timedPost(dispatcher, `${zq.baseUrl}/v1/tenants/add-user-bulk`, zqHeaders, warm);
        await timedPost(dispatcher, `${pj.baseUrl}/v1/users`, pjHeaders, JSON.stringify({ users: [{ email: "warm@example.com" }] }));

        for (let run = 0; run < runs; run++) {
            const users = Array.from({ length: ZQ_BULK }, (_, i) => ({
                name: `User ${run}-${i}`,
                email: `user-${run}-${i}@example.com`,
                phone: `+1415${String(run * ZQ_BULK + i).padStart(7, "0")}`,
            }));
            const t = await timedPost(dispatcher, `${zq.baseUrl}/v1/tenants/add-user-bulk`, zqHeaders, JSON.stringify(users));
            samples.push({ dialect: "zquence", users: ZQ_BULK, ...t });
        }
        for (let run = 0; run < runs * 3; run++) {
            const users = Array.from({ length: PROJECTS_BATCH }, (_, i) => ({
                email: `user-${run}-${i}@example.com`,
                name: `User ${run}-${i}`,
                country: "GB",
            }));
            const t = await timedPost(dispatcher, `${pj.baseUrl}/v1/users`, pjHeaders, JSON.stringify({ users }));
            samples.push({ dialect: "projects", users: PROJECTS_BATCH, ...t });
        }
    } finally {
        await dispatcher.close();
        await emulator.close();
        rmSync(dir, { recursive: true, force: true });
    }
    const zqMs = median(samples.filter((s) => s.dialect === "zquence").map((s) => s.ms));
    const pjMs = median(samples.filter((s) => s.dialect === "projects").map((s) => s.ms));
    return {
        zquenceUsersPerSecond: Math.round(ZQ_BULK / (zqMs / 1000)),
        projectsUsersPerSecond: Math.round(PROJECTS_BATCH / (pjMs / 1000)),
        zquenceBulkMedianMs: Math.round(zqMs * 10) / 10,
        zquenceBulkMedianCpuMs: Math.round(median(samples.filter((s) => s.dialect === "zquence").map((s) => s.cpuMs)) * 10) / 10,
        samples,
        database: "file (WAL)",
    };
}
