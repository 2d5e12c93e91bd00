// A tiny scripted HTTP server for provider tests: each request gets the
// answer the test scripts for it (by attempt number), so retries, drops and
// malformed bodies can be produced on demand without the emulator.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
    n: number;
    method: string;
    url: string;
    headers: Record<string, string | string[] | undefined>;
    body: string;
    json: unknown;
    socket: number;
}

export interface Answer {
    status?: number;
    headers?: Record<string, string>;
    /** An object is sent as JSON; a string is sent as is. */
    body?: unknown;
    /** Destroy the connection instead of answering (after reading the request). */
    drop?: boolean;
    /** Wait before answering. */
    delayMs?: number;
}

export interface ScriptServer {
    url: string;
    requests: Recorded[];
    sockets: () => number;
    close: () => Promise<void>;
}

export async function startScriptServer(answer: (req: Recorded) => Answer | Promise<Answer>): Promise<ScriptServer> {
    const requests: Recorded[] = [];
    let socketCount = 0;
    const ids = new WeakMap<object, number>();
    const server = createServer(async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const body = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
            json = JSON.parse(body);
        } catch {
            json = undefined;
        }
        if (!ids.has(req.socket)) ids.set(req.socket, ++socketCount);
        const rec: Recorded = {
            n: requests.length + 1,
            method: req.method ?? "",
            url: req.url ?? "",
            headers: req.headers,
            body,
            json,
            socket: ids.get(req.socket)!,
        };
        requests.push(rec);
        const a = await answer(rec);
        if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
        if (a.drop) {
            req.socket.destroy();
            return;
        }
        const text = typeof a.body === "string" ? a.body : a.body === undefined ? "" : JSON.stringify(a.body);
        res.writeHead(a.status ?? 200, {
            "content-type": "application/json",
            "x-request-id": `req_${String(rec.n).padStart(24, "0")}`,
            ...a.headers,
        });
        res.end(text);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        requests,
        sockets: () => socketCount,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

/** A sleep that records the waits and does not wait. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
    const waits: number[] = [];
    return { waits, sleep: async (ms) => void waits.push(ms) };
}
