/**
 * A recording pass-through in front of the emulator, for profiled runs: when each vendor request
 * arrived and ended, on which route, with how many users. It shows how the provider's creates were
 * grouped into requests over time (the emulator's counters give only totals).
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";

export interface LoggedRequest {
    /** ms on the monotonic clock (process.hrtime, the clock of CliResult.spawnedUs and V8 profiles). */
    start: number;
    end: number;
    route: string;
    status: number;
    /** Users in the body: array length (bulk), `users` length (projects), else 1. */
    users: number;
}

export interface RequestLog {
    url: string;
    requests: LoggedRequest[];
    close(): Promise<void>;
}

const hrMs = () => Number(process.hrtime.bigint() / 1000n) / 1000;

const HOP = new Set(["host", "connection", "keep-alive", "transfer-encoding", "content-length", "upgrade", "proxy-connection"]);

export async function startRequestLog(target: string): Promise<RequestLog> {
    const requests: LoggedRequest[] = [];
    const server = http.createServer(async (req, res) => {
        const start = hrMs();
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const body = Buffer.concat(chunks);
        let users = 1;
        try {
            const parsed = JSON.parse(body.toString("utf8"));
            users = Array.isArray(parsed) ? parsed.length : Array.isArray(parsed?.users) ? parsed.users.length : 1;
        } catch {
            // not JSON: count as one
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && typeof v === "string") headers[k] = v;
        try {
            const r = await request(`${target}${req.url}`, { method: req.method as "POST", headers, body: body.length ? body : undefined });
            const out = Buffer.from(await r.body.arrayBuffer());
            const resHeaders: Record<string, string | string[]> = {};
            for (const [k, v] of Object.entries(r.headers)) if (!HOP.has(k) && v !== undefined) resHeaders[k] = v;
            res.writeHead(r.statusCode, resHeaders);
            res.end(out);
            requests.push({ start, end: hrMs(), route: `${req.method} ${(req.url ?? "").split("?")[0]}`, status: r.statusCode, users });
        } catch (err) {
            res.writeHead(502, { "content-type": "application/json" });
            res.end(JSON.stringify({ error: { code: "proxy_error", message: String(err) } }));
        }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
