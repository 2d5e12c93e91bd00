/**
 * The machinery of the reliability scenarios: an emulator in a killable child process, a webhook
 * receiver that verifies every delivery, a proxy that can spoil the vendor's answers, process-tree
 * kills, the Pulumi CLI run directly (so it can be SIGKILLed), and a replay of the emulator's
 * seeded fault draws (so a scenario can say how many of its requests were retries).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import { EmulatorControl } from "../../emulator";
import { FaultRegistry } from "../../emulator/faults";
import type { FaultInfo, FaultOutcome, FaultSpec } from "../../emulator/types";
import { verifyInviteWebhook } from "../../provider";
import type { Dialect, RunningEmulator } from "../e2e/support";
import type { TestStack } from "../harness/pulumi";

export type { Dialect } from "../e2e/support";

// ---------------------------------------------------------------------------------------------
// Emulators

/** An emulator in this process (`runEmulator`) or in a child process (`ChildEmulator`). */
export type Emulator = RunningEmulator;

const EMULATOR_CLI = path.resolve(__dirname, "..", "..", "emulator", "cli.js");

/**
 * The emulator as `tenant-users-emulator --db <file>` in a child process: `kill9()` it mid-request,
 * `restart()` it on the same port and database.
 */
export class ChildEmulator implements Emulator {
    url = "";
    control!: EmulatorControl;
    stderr = "";
    private child?: ChildProcess;
    private port = 0;

    private constructor(
        readonly dbPath: string,
        private readonly ownDir?: string,
    ) {}

    /** Starts on a fresh database in a temporary folder (removed by `close`), or on `dbPath`. */
    static async start(dbPath?: string): Promise<ChildEmulator> {
        const dir = dbPath ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), "tu-rel-db-"));
        const emu = new ChildEmulator(dbPath ?? path.join(dir!, "emulator.db"), dir);
        await emu.launch();
        return emu;
    }

    get pid(): number | undefined {
        return this.child?.pid;
    }

    /** Still running (not exited, not killed). */
    get alive(): boolean {
        return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
    }

    private async launch(): Promise<void> {
        const child = spawn(process.execPath, [EMULATOR_CLI, "--port", String(this.port), "--db", this.dbPath, "--no-seed"], {
            stdio: ["ignore", "pipe", "pipe"],
        });
        this.child = child;
        child.stderr!.on("data", (d) => {
            this.stderr += String(d);
        });
        const url = await new Promise<string>((resolve, reject) => {
            let out = "";
            const onData = (d: Buffer) => {
                out += String(d);
                const m = /listening on (http:\/\/\S+)/.exec(out);
                if (m) {
                    child.stdout!.off("data", onData);
                    resolve(m[1]);
                }
            };
            child.stdout!.on("data", onData);
            child.once("exit", (code) => reject(new Error(`the emulator exited (${code}) before listening: ${this.stderr}${out}`)));
        });
        child.stdout!.resume();
        this.url = url;
        this.port = Number(new URL(url).port);
        this.control = new EmulatorControl(url);
    }

    /**
     * Users and outbox events committed in the database file, read from a copy (so the WAL
     * recovery a crash calls for happens on the copy). Meant for a stopped emulator.
     */
    committedCounts(): { users: number; events: number } {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tu-rel-snap-"));
        try {
            for (const suffix of ["", "-wal", "-shm"]) {
                if (fs.existsSync(this.dbPath + suffix)) fs.copyFileSync(this.dbPath + suffix, path.join(dir, `copy.db${suffix}`));
            }
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const { DatabaseSync } = require("node:sqlite") as typeof import("node:sqlite");
            const db = new DatabaseSync(path.join(dir, "copy.db"));
            try {
                const count = (table: string) => Number((db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n);
                return { users: count("users"), events: count("outbox") };
            } finally {
                db.close();
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }

    /** `kill -9`: no shutdown, no flush beyond what SQLite committed. */
    async kill9(): Promise<void> {
        const child = this.child;
        if (!child || !this.alive) return;
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGKILL");
        await exited;
    }

    /** Starts again on the same port and database file. */
    async restart(): Promise<void> {
        await this.kill9();
        for (let attempt = 1; ; attempt++) {
            try {
                await this.launch();
                return;
            } catch (err) {
                if (attempt >= 20) throw err;
                await sleep(250); // the port may take a moment to be free again
            }
        }
    }

    async close(): Promise<void> {
        const child = this.child;
        if (child && this.alive) {
            const exited = new Promise((r) => child.once("exit", r));
            child.kill("SIGTERM");
            await Promise.race([exited, sleep(5000).then(() => child.kill("SIGKILL"))]);
        }
        if (this.ownDir) fs.rmSync(this.ownDir, { recursive: true, force: true });
    }
}

// ---------------------------------------------------------------------------------------------
// Tenants

export interface Tenant {
    dialect: Dialect;
    tenantId: string;
    baseUrl: string;
    /** The provider's credentials for this tenant (TEST key for projects). */
    credentials: Record<string, string>;
    /** Every credential value the emulator issued for the tenant, for leak searches. */
    secrets: string[];
    webhookSecret?: string;
    liveSecretKey?: string;
    /** Stack config of the default connection, credentials as secrets. */
    config: Record<string, { value: string; secret?: boolean }>;
}

export async function newTenant(emu: Emulator, dialect: Dialect, options: { webhookUrl?: string; rateLimit?: null } = {}): Promise<Tenant> {
    const created: any = await emu.control.createTenant(dialect, {
        rateLimit: options.rateLimit ?? null,
        ...(options.webhookUrl && dialect !== "projects" ? { webhookUrl: options.webhookUrl } : {}),
    });
    const baseUrl = `${emu.url}/${dialect}`;
    const credentials: Record<string, string> =
        dialect === "projects" ? { secretKey: created.testSecretKey } : { apiKey: created.apiKey, apiSecret: created.apiSecret };
    const config: Tenant["config"] = {
        "tenant-users:dialect": { value: dialect },
        "tenant-users:baseUrl": { value: baseUrl },
    };
    for (const [k, v] of Object.entries(credentials)) config[`tenant-users:${k}`] = { value: v, secret: true };
    return {
        dialect,
        tenantId: created.tenantId,
        baseUrl,
        credentials,
        secrets: [created.apiKey, created.apiSecret, created.testSecretKey, created.liveSecretKey, created.webhookSecret].filter(Boolean),
        ...(created.webhookSecret ? { webhookSecret: created.webhookSecret } : {}),
        ...(created.liveSecretKey ? { liveSecretKey: created.liveSecretKey } : {}),
        config,
    };
}

/** Test users for a dialect: phone only on Zquence, country only on projects. Emails are unique per prefix. */
export function makeUsers(
    dialect: Dialect,
    count: number,
    prefix = "user",
): { email: string; name: string; phone?: string; country?: string }[] {
    return Array.from({ length: count }, (_, i) => ({
        email: `${prefix}${i}@example.com`,
        name: `${prefix} ${i}`,
        ...(dialect === "zquence" ? { phone: `+1415${String(i).padStart(7, "0")}` } : {}),
        ...(dialect === "projects" ? { country: ["GB", "FR", "US"][i % 3] } : {}),
    }));
}

// ---------------------------------------------------------------------------------------------
// Webhooks

export interface ReceivedWebhook {
    id: string;
    tenantId: string;
    userId: string;
    email: string;
}

/**
 * Receives `tenant.users.invite` deliveries and checks each with `verifyInviteWebhook` against its
 * tenant's secret. Counts every POST (redeliveries included) and the distinct webhook ids.
 */
export class WebhookReceiver {
    url = "";
    deliveries = 0;
    rejected: string[] = [];
    readonly byId = new Map<string, ReceivedWebhook>();
    /** Answer this status to the next N deliveries (to make the emulator redeliver). */
    failNext = 0;
    private readonly secrets = new Map<string, string>();
    private server?: Server;

    static async start(): Promise<WebhookReceiver> {
        const r = new WebhookReceiver();
        r.server = createServer((req, res) => void r.handle(req, res));
        await new Promise<void>((resolve) => r.server!.listen(0, "127.0.0.1", resolve));
        r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}/hooks`;
        return r;
    }

    trust(tenant: Tenant): void {
        if (tenant.webhookSecret) this.secrets.set(tenant.tenantId, tenant.webhookSecret);
    }

    /** Distinct ids received for one tenant. */
    idsFor(tenantId: string): ReceivedWebhook[] {
        return [...this.byId.values()].filter((w) => w.tenantId === tenantId);
    }

    private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const body = Buffer.concat(chunks).toString("utf8");
        this.deliveries++;
        if (this.failNext > 0) {
            this.failNext--;
            res.writeHead(500).end();
            return;
        }
        let tenantId = "";
        try {
            tenantId = JSON.parse(body)?.data?.tenant_id ?? "";
        } catch {
            /* verified below */
        }
        const secret = this.secrets.get(tenantId);
        try {
            if (!secret) throw new Error(`no secret for tenant ${JSON.stringify(tenantId)}`);
            const event = verifyInviteWebhook(secret, req.headers, body);
            this.byId.set(event.id, { id: event.id, tenantId, userId: event.data.user.id, email: event.data.user.email });
            res.writeHead(204).end();
        } catch (err) {
            this.rejected.push((err as Error).message);
            res.writeHead(400).end();
        }
    }

    async close(): Promise<void> {
        if (this.server) await new Promise<void>((r) => this.server!.close(() => r()));
    }
}

// ---------------------------------------------------------------------------------------------
// A proxy in front of the emulator that can replace its answers

export type Spoiler = (req: {
    method: string;
    url: string;
    headers: IncomingMessage["headers"];
    body: string;
}) => { status: number; headers?: Record<string, string>; body: string } | undefined;

/** Forwards to `target`; while `spoil` returns an answer, that answer is sent instead (the request is not forwarded). */
export class VendorProxy {
    url = "";
    spoil: Spoiler | undefined;
    spoiled = 0;
    forwarded = 0;
    private server?: Server;

    private constructor(private readonly target: string) {}

    static async start(target: string): Promise<VendorProxy> {
        const p = new VendorProxy(target);
        p.server = createServer((req, res) => void p.handle(req, res).catch(() => res.destroy()));
        await new Promise<void>((resolve) => p.server!.listen(0, "127.0.0.1", resolve));
        p.url = `http://127.0.0.1:${(p.server.address() as AddressInfo).port}`;
        return p;
    }

    private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const body = Buffer.concat(chunks).toString("utf8");
        const fake = this.spoil?.({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
        if (fake) {
            this.spoiled++;
            res.writeHead(fake.status, { "content-type": "application/json", ...fake.headers }).end(fake.body);
            return;
        }
        this.forwarded++;
        const headers = { ...req.headers };
        delete headers.host;
        delete headers.connection;
        const upstream = await request(`${this.target}${req.url}`, {
            method: req.method as "POST",
            headers,
            body: body === "" ? undefined : body,
        });
        const text = await upstream.body.text();
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(upstream.headers)) {
            if (v !== undefined && !["connection", "keep-alive", "transfer-encoding", "content-length"].includes(k))
                out[k] = Array.isArray(v) ? v.join(", ") : v;
        }
        res.writeHead(upstream.statusCode, out).end(text);
    }

    async close(): Promise<void> {
        if (this.server) {
            this.server.closeAllConnections();
            await new Promise<void>((r) => this.server!.close(() => r()));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Processes

/** A process and all its descendants, read from /proc (Pulumi starts its plugins in their own process groups). */
export function processTree(root: number): number[] {
    const children = new Map<number, number[]>();
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
            const list = children.get(ppid) ?? [];
            list.push(Number(entry));
            children.set(ppid, list);
        } catch {
            /* exited meanwhile */
        }
    }
    const out: number[] = [];
    const walk = (pid: number) => {
        out.push(pid);
        for (const c of children.get(pid) ?? []) walk(c);
    };
    walk(root);
    return out;
}

export function isAlive(pid: number): boolean {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
    } catch {
        return false;
    }
}

export function killPids(pids: number[]): void {
    for (const pid of pids) {
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            /* gone */
        }
    }
}

export interface CliResult {
    code: number | null;
    stdout: string;
    stderr: string;
    text: string;
}

/** Runs `pulumi <args> --stack <stack>` in the stack's directory with its environment. */
export function pulumi(stack: TestStack, args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
    return new Promise((resolve) => {
        execFile(
            "pulumi",
            [...args, "--stack", stack.stack.name],
            { cwd: stack.workDir, env: { ...process.env, ...stack.env, ...extraEnv }, maxBuffer: 1 << 30 },
            (err, stdout, stderr) => {
                const code = err ? (typeof (err as any).code === "number" ? (err as any).code : 1) : 0;
                resolve({ code, stdout, stderr, text: stdout + stderr });
            },
        );
    });
}

/** `pulumi up` as a child process, so that it can be SIGKILLed mid-flight. */
export class PulumiChild {
    output = "";
    readonly exited: Promise<number | null>;
    private readonly child: ChildProcess;

    constructor(stack: TestStack, args: string[]) {
        this.child = spawn("pulumi", [...args, "--stack", stack.stack.name], {
            cwd: stack.workDir,
            env: { ...process.env, ...stack.env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        this.child.stdout!.on("data", (d) => {
            this.output += String(d);
        });
        this.child.stderr!.on("data", (d) => {
            this.output += String(d);
        });
        this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
    }

    get pid(): number {
        return this.child.pid!;
    }
    get running(): boolean {
        return this.child.exitCode === null && this.child.signalCode === null;
    }
    /** The CLI and everything it started (language host, dynamic-provider process). */
    tree(): number[] {
        return processTree(this.pid);
    }
}

/** Polls `probe` until it returns true or `timeoutMs` passes; returns whether it did. */
export async function waitFor(probe: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    for (;;) {
        if (await probe()) return true;
        if (Date.now() > end) return false;
        await sleep(everyMs);
    }
}

// ---------------------------------------------------------------------------------------------
// Faults

export type OutcomeCounts = Record<FaultOutcome, number>;

export function emptyCounts(): OutcomeCounts {
    return { ok: 0, "429": 0, "500": 0, "503": 0, "drop-before": 0, "drop-after-commit": 0 };
}

/**
 * What the emulator's faults decided, recomputed: each fault's outcomes are a function of its spec
 * (sequence, then draws from its seeded PRNG), so replaying `matched` decisions on a fresh
 * registry gives the exact outcomes the requests met.
 */
export function replayFaults(faults: FaultInfo[]): OutcomeCounts {
    const counts = emptyCounts();
    for (const f of faults) {
        const registry = new FaultRegistry();
        const spec: FaultSpec = { ...f };
        delete (spec as any).faultId;
        delete (spec as any).remaining;
        delete (spec as any).matched;
        delete spec.tenantId;
        delete spec.route;
        delete spec.dialect;
        registry.add(spec);
        for (let i = 0; i < f.matched; i++) {
            const d = registry.decide({ route: "POST /v1/users", dialect: "projects", tenantId: "t" });
            if (d) counts[d.outcome]++;
        }
    }
    return counts;
}

/**
 * The requests a run must make when its faults are `specs` (added in this order, matching every
 * request) and it needs `successes` requests to succeed: each request takes the next scripted or
 * seeded outcome whatever the order of arrival, so the total is where the last needed `ok` falls.
 */
export function attemptsFor(specs: FaultSpec[], successes: number): { total: number; counts: OutcomeCounts } {
    const registry = new FaultRegistry();
    for (const spec of specs) registry.add({ ...spec, tenantId: undefined, route: undefined, dialect: undefined });
    const counts = emptyCounts();
    let total = 0;
    while (counts.ok < successes) {
        const d = registry.decide({ route: "POST /v1/users", dialect: "projects", tenantId: "t" });
        counts[d?.outcome ?? "ok"]++;
        if (++total > 1_000_000) throw new Error(`the faults never let ${successes} requests succeed`);
    }
    return { total, counts };
}

/** The storm of the issue: a burst of 429s with an HTTP-date Retry-After, then 429s (seconds), 20 % 500/503, drops both sides of the commit, 200 ms latency. */
export function stormFaults(tenantId: string, seed: number, latencyMs = 200): FaultSpec[] {
    return [
        { tenantId, sequence: ["429", "429", "429"], retryAfter: "date", retryAfterSeconds: 1, latencyMs },
        {
            tenantId,
            seed,
            latencyMs,
            retryAfter: "seconds",
            retryAfterSeconds: 1,
            probabilities: { "429": 0.08, "500": 0.1, "503": 0.1, "drop-before": 0.05, "drop-after-commit": 0.05 },
        },
    ];
}

/** Distinct values and how many entries repeat one. */
export function duplicatesOf(values: string[]): number {
    return values.length - new Set(values).size;
}

/** Every place `needle` (or its base64 or URL-encoded form) occurs in `haystack`: the line around it, the needle masked. */
export function findSecret(haystack: string, needle: string): string[] {
    const forms = [needle, Buffer.from(needle).toString("base64"), encodeURIComponent(needle)];
    const hits: string[] = [];
    for (const form of new Set(forms)) {
        let at = haystack.indexOf(form);
        while (at >= 0 && hits.length < 20) {
            const start = Math.max(haystack.lastIndexOf("\n", at) + 1, at - 2000);
            const end = haystack.indexOf("\n", at);
            const line = haystack.slice(start, end < 0 ? undefined : Math.min(end, at + form.length + 100));
            hits.push(line.split(form).join("«SECRET»"));
            at = haystack.indexOf(form, at + 1);
        }
    }
    return hits;
}
