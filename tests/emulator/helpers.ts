/** Shared helpers of the emulator tests: start an emulator on port 0 and talk to it. */
import { request } from "undici";
import { EmulatorControl, startEmulator, type RunningEmulator, type StartEmulatorOptions } from "../../emulator/index";

export interface Answer {
    status: number;
    headers: Record<string, string>;
    text: string;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    body: any;
}

export interface Harness {
    emulator: RunningEmulator;
    control: EmulatorControl;
    url: string;
    close(): Promise<void>;
}

export async function startHarness(opts: StartEmulatorOptions = {}): Promise<Harness> {
    const emulator = await startEmulator({ port: 0, ...opts });
    const control = new EmulatorControl(emulator.url, emulator.controlToken);
    return { emulator, control, url: emulator.url, close: () => emulator.close() };
}

/** Sends a request; `body` objects are JSON-encoded, strings are sent as they are. */
export async function send(
    url: string,
    opts: { method?: string; headers?: Record<string, string>; body?: unknown; json?: boolean } = {},
): Promise<Answer> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    let body: string | undefined;
    if (opts.body !== undefined) {
        body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
        if (opts.json !== false && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
            headers["content-type"] = "application/json";
        }
    }
    const res = await request(url, { method: (opts.method ?? "POST") as "POST", headers, body });
    const text = await res.body.text();
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(", ") : v;
    let parsed: unknown;
    try {
        parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
        parsed = undefined;
    }
    return { status: res.statusCode, headers: flat, text, body: parsed };
}

export interface TenantsApiCreds {
    baseUrl: string;
    apiKey: string;
    apiSecret: string;
}

export const tenantsApiHeaders = (c: { apiKey: string; apiSecret: string }): Record<string, string> => ({
    "x-api-key": c.apiKey,
    "x-api-secret": c.apiSecret,
});

export function addUser(c: TenantsApiCreds, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    return send(`${c.baseUrl}/v1/tenants/add-user`, { body, headers: { ...tenantsApiHeaders(c), ...headers } });
}

export function addUserBulk(c: TenantsApiCreds, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    return send(`${c.baseUrl}/v1/tenants/add-user-bulk`, { body, headers: { ...tenantsApiHeaders(c), ...headers } });
}

export function projectsUsers(c: { baseUrl: string }, key: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    return send(`${c.baseUrl}/v1/users`, { body, headers: { authorization: key, ...headers } });
}

/** `n` distinct users named after `prefix`. */
export function makeUsers(n: number, prefix: string, extra: Record<string, unknown> = {}): Record<string, unknown>[] {
    return Array.from({ length: n }, (_, i) => ({ name: `${prefix} ${i}`, email: `${prefix}-${i}@example.com`, ...extra }));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5_000, everyMs = 25): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (await check()) return;
        if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
        await sleep(everyMs);
    }
}

/** Expects the connection to be closed without an HTTP answer. */
export async function expectDropped(p: Promise<unknown>): Promise<Error> {
    try {
        await p;
    } catch (error) {
        return error as Error;
    }
    throw new Error("expected the connection to be dropped, but an answer arrived");
}

export interface ReceivedHook {
    headers: Record<string, string>;
    body: string;
}

export interface Receiver {
    url: string;
    received: ReceivedHook[];
    close(): Promise<void>;
}

/**
 * A webhook receiver on port 0. `answer` picks the status of each delivery
 * (by arrival number, from 0); 204 by default.
 */
export async function startReceiver(answer: (n: number, hook: ReceivedHook) => number = () => 204): Promise<Receiver> {
    const { createServer } = await import("node:http");
    const received: ReceivedHook[] = [];
    const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
            const hook = { headers, body: Buffer.concat(chunks).toString("utf8") };
            const status = answer(received.length, hook);
            received.push(hook);
            res.writeHead(status).end();
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    return {
        url: `http://127.0.0.1:${port}/hooks`,
        received,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
