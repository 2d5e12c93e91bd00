/**
 * Malformed requests at the emulator: every one earns a JSON 4xx, none creates a user, and the
 * process stays up.
 */
import * as net from "node:net";
import { Pool } from "undici";
import { prng } from "../../../emulator/faults";
import { ChildEmulator } from "../tools";
import { newResult, type ScenarioResult, timed } from "./steps";

export interface MalformedRequest {
    kind: string;
    method: string;
    path: string;
    headers: Record<string, string>;
    body?: string | Buffer;
    /** Sent as these bytes on a raw socket instead. */
    raw?: string;
    /** Leave the socket open after `raw` (the request is incomplete) and read the answer. */
    keepOpen?: boolean;
}

interface Creds {
    zquence: Record<string, string>;
    geldstuck: Record<string, string>;
    projects: Record<string, string>;
}

/**
 * A malformed request: each has at least one fault that must earn a 4xx (missing or wrong
 * credentials, wrong media type, truncated or invalid JSON, a body of the wrong shape, an empty or
 * over-long list, an invalid Idempotency-Key, an unknown route or method, a body over 16 MiB,
 * tenant keys on the control API, bytes that are not HTTP).
 */
export function malformedRequest(random: () => number, creds: Creds): MalformedRequest {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    const str = (n: number) => Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(random() * 95))).join("");
    const routes = [
        { dialect: "zquence", path: "/zquence/v1/tenants/add-user", shape: "single" },
        { dialect: "zquence", path: "/zquence/v1/tenants/add-user-bulk", shape: "bulk" },
        { dialect: "geldstuck", path: "/geldstuck/v1/tenants/add-user", shape: "single" },
        { dialect: "geldstuck", path: "/geldstuck/v1/tenants/add-user-bulk", shape: "bulk" },
        { dialect: "projects", path: "/projects/v1/users", shape: "projects" },
    ] as const;
    const route = pick(routes);
    const auth = creds[route.dialect];
    const json = { "content-type": "application/json" };
    const validBody =
        route.shape === "single"
            ? { email: `m${Math.floor(random() * 1e9)}@example.com`, name: "M" }
            : route.shape === "bulk"
              ? [{ email: `m${Math.floor(random() * 1e9)}@example.com` }]
              : { users: [{ email: `m${Math.floor(random() * 1e9)}@example.com` }] };
    const text = JSON.stringify(validBody);
    switch (Math.floor(random() * 14)) {
        case 0: // no credentials
            return { kind: "no-credentials", method: "POST", path: route.path, headers: json, body: text };
        case 1: {
            // wrong credentials: garbage, another dialect's, a key with the wrong secret
            const other = pick([
                { "x-api-key": str(20), "x-api-secret": str(30) },
                { authorization: `Bearer ${str(40)}` },
                route.dialect === "projects" ? creds.zquence : creds.projects,
                route.dialect === "zquence"
                    ? creds.geldstuck
                    : { "x-api-key": creds.zquence["x-api-key"]!, "x-api-secret": creds.geldstuck["x-api-secret"]! },
                route.dialect === "projects"
                    ? { authorization: `${creds.projects.authorization}x` }
                    : { ...auth, "x-api-secret": `${auth["x-api-secret"]}x` },
            ]);
            return { kind: "wrong-credentials", method: "POST", path: route.path, headers: { ...json, ...other }, body: text };
        }
        case 2: // wrong media type
            return {
                kind: "media-type",
                method: "POST",
                path: route.path,
                headers: {
                    ...auth,
                    "content-type": pick([
                        "text/plain",
                        "application/x-www-form-urlencoded",
                        "application/xml",
                        "multipart/form-data; boundary=x",
                        "image/png",
                    ]),
                },
                body: text,
            };
        case 3: {
            // truncated JSON: a proper prefix of an object or array is never JSON
            const cut = 1 + Math.floor(random() * (text.length - 1));
            return { kind: "truncated-json", method: "POST", path: route.path, headers: { ...auth, ...json }, body: text.slice(0, cut) };
        }
        case 4: // invalid JSON text
            return {
                kind: "invalid-json",
                method: "POST",
                path: route.path,
                headers: { ...auth, ...json },
                body: pick([
                    "{'email': 'a@b.co'}",
                    '[{email: "a@b.co"}]',
                    '{"email": "a@b.co",}',
                    "NaN",
                    "undefined",
                    '{"email": "a@b.co"}}',
                    `[${"[".repeat(5000)}`,
                    `{"email": "${str(5)}\\x"}`,
                    "\u0000\u0001",
                    `${text} trailing`,
                    '{"users": [}',
                ]),
            };
        case 5: // bytes that are not UTF-8 JSON
            return {
                kind: "binary",
                method: "POST",
                path: route.path,
                headers: { ...auth, ...json },
                body: Buffer.from(Array.from({ length: 1 + Math.floor(random() * 64) }, () => 0x80 + Math.floor(random() * 0x7f))),
            };
        case 6: {
            // JSON of the wrong shape
            const wrong =
                route.shape === "single"
                    ? pick([
                          [],
                          [validBody],
                          42,
                          "a@b.co",
                          null,
                          true,
                          {},
                          { email: 42 },
                          { email: "no-at-sign" },
                          { email: "" },
                          { name: "x" },
                      ])
                    : route.shape === "bulk"
                      ? pick([{}, { email: "a@example.com" }, 42, "x", null, [], { users: [] }])
                      : pick([{}, [], 42, "x", null, { users: "x" }, { users: {} }, { users: [] }, { users: null }, [validBody]]);
            return { kind: "wrong-shape", method: "POST", path: route.path, headers: { ...auth, ...json }, body: JSON.stringify(wrong) };
        }
        case 7: // too many users for one request
            return {
                kind: "too-many",
                method: "POST",
                path: route.path,
                headers: { ...auth, ...json },
                body: tooMany(route.shape === "projects"),
            };
        case 8: // invalid Idempotency-Key on a valid single add
            if (route.shape !== "single")
                return {
                    kind: "unknown-route",
                    method: "POST",
                    path: `${route.path}/${str(3).replace(/[^a-z]/gi, "x")}`,
                    headers: { ...auth, ...json },
                    body: text,
                };
            return {
                kind: "idempotency-key",
                method: "POST",
                path: route.path,
                headers: { ...auth, ...json, "idempotency-key": "k".repeat(256 + Math.floor(random() * 300)) },
                body: text,
            };
        case 9: // unknown route or method
            if (random() < 0.5) {
                return {
                    kind: "unknown-route",
                    method: "POST",
                    path: pick([
                        "/zquence/v2/tenants/add-user",
                        "/nope",
                        "/projects/v1/user",
                        "/geldstuck/v1/tenants",
                        "/v1/users",
                        "/zquence/v1/tenants/add-user/../add-user-bulk%00",
                    ]),
                    headers: { ...auth, ...json },
                    body: text,
                };
            } else {
                const method = pick(["GET", "PUT", "DELETE", "PATCH"]);
                return {
                    kind: "wrong-method",
                    method,
                    path: route.path,
                    headers: { ...auth, ...json },
                    ...(method === "GET" ? {} : { body: text }),
                };
            }
        case 10: {
            // tenant keys, no token or a wrong token on the control API
            const method = pick(["GET", "POST", "PUT", "DELETE"]);
            return {
                kind: "control",
                method,
                path: pick([
                    "/_emulator/tenants",
                    "/_emulator/faults",
                    "/_emulator/reset",
                    "/_emulator/webhooks",
                    "/_emulator/tenants/ten_x/users",
                ]),
                headers: { ...json, ...pick([auth, {}, { "x-emulator-control": str(10) }]) },
                ...(method === "GET" ? {} : { body: "{}" }),
            };
        }
        case 11: // not HTTP, or broken HTTP
            return {
                kind: "raw",
                method: "",
                path: "",
                headers: {},
                raw: pick([
                    `${str(20)}\r\n\r\n`,
                    `POST ${route.path} HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n`,
                    `POST ${route.path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
                    `POST ${route.path} HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n`,
                    `POST ${route.path} HTTP/7.0\r\nHost: x\r\n\r\n`,
                    `POST ${route.path} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
                ]),
            };
        case 12: // empty body
            return { kind: "empty-body", method: "POST", path: route.path, headers: { ...auth, ...json }, body: "" };
        default: // a body over 16 MiB (rarely: they are expensive)
            if (random() < 0.02) {
                // Declares 16 MiB + 10 bytes and sends the first 64 KiB: the answer must come from the header alone.
                const head = Object.entries({ ...auth, ...json })
                    .map(([k, v]) => `${k}: ${v}\r\n`)
                    .join("");
                return {
                    kind: "too-large",
                    method: "POST",
                    path: route.path,
                    headers: {},
                    raw: `POST ${route.path} HTTP/1.1\r\nHost: x\r\n${head}content-length: ${16 * 1024 * 1024 + 10}\r\n\r\n[${" ".repeat(64 * 1024)}`,
                    keepOpen: true,
                };
            }
            return {
                kind: "truncated-json",
                method: "POST",
                path: route.path,
                headers: { ...auth, ...json },
                body: text.slice(0, text.length - 1),
            };
    }
}

const tooManyBodies = new Map<boolean, string>();
/** 10,001 users (1,001 for projects): one over the limit of a request. Built once. */
function tooMany(projects: boolean): string {
    let body = tooManyBodies.get(projects);
    if (!body) {
        const rows = Array.from({ length: projects ? 1001 : 10_001 }, (_, i) => ({ email: `over${i}@example.com` }));
        body = JSON.stringify(projects ? { users: rows } : rows);
        tooManyBodies.set(projects, body);
    }
    return body;
}

function rawExchange(url: string, bytes: string, keepOpen = false): Promise<{ status: number; headers: string; body: string }> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
        let data = "";
        const done = () => {
            const at = data.indexOf("\r\n\r\n");
            const head = at < 0 ? data : data.slice(0, at);
            resolve({
                status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0),
                headers: head,
                body: at < 0 ? "" : data.slice(at + 4),
            });
        };
        const socket = net.connect(Number(u.port), u.hostname, () => (keepOpen ? socket.write(bytes) : socket.end(bytes)));
        socket.setTimeout(10_000, () => socket.destroy(new Error("raw request timed out")));
        socket.on("data", (d) => {
            data += String(d);
            const at = data.indexOf("\r\n\r\n");
            const length = Number(/content-length:\s*(\d+)/i.exec(data.slice(0, Math.max(0, at)))?.[1] ?? NaN);
            if (at >= 0 && data.length - at - 4 >= length) {
                socket.destroy();
                done();
            }
        });
        socket.on("error", reject);
        socket.on("close", done);
    });
}

/**
 * `count` malformed requests at an emulator in its own process: every answer must be a 4xx with a
 * JSON error envelope, and the process must still be up and hold no user afterwards.
 */
export async function malformedRequests(opts: { count: number; seed?: number; concurrency?: number }): Promise<ScenarioResult> {
    const r = newResult("malformed-requests", 0);
    r.createdUsers = 0;
    const emu = await ChildEmulator.start();
    return timed(r, async () => {
        const pool = new Pool(emu.url, { connections: 8, pipelining: 1 });
        try {
            const zq: any = await emu.control.createTenant("zquence", { rateLimit: null });
            const gs: any = await emu.control.createTenant("geldstuck", { rateLimit: null });
            const pj: any = await emu.control.createTenant("projects", { rateLimit: null });
            const creds: Creds = {
                zquence: { "x-api-key": zq.apiKey, "x-api-secret": zq.apiSecret },
                geldstuck: { "x-api-key": gs.apiKey, "x-api-secret": gs.apiSecret },
                projects: { authorization: pj.testSecretKey },
            };
            const random = prng(opts.seed ?? 2024);
            const requests = Array.from({ length: opts.count }, () => malformedRequest(random, creds));
            const byKind: Record<string, number> = {};
            const byStatus: Record<string, number> = {};
            const bad: string[] = [];
            let next = 0;
            const worker = async () => {
                while (next < requests.length) {
                    const req = requests[next++]!;
                    byKind[req.kind] = (byKind[req.kind] ?? 0) + 1;
                    let status = 0;
                    let body = "";
                    let type = "";
                    try {
                        if (req.raw !== undefined) {
                            const res = await rawExchange(emu.url, req.raw, req.keepOpen);
                            status = res.status;
                            body = res.body;
                            type = /content-type:\s*([^\r\n]+)/i.exec(res.headers)?.[1] ?? "";
                        } else {
                            const res = await pool.request({
                                path: req.path,
                                method: req.method as "POST",
                                headers: req.headers,
                                body: req.body,
                            });
                            status = res.statusCode;
                            body = await res.body.text();
                            type = String(res.headers["content-type"] ?? "");
                        }
                    } catch (err) {
                        bad.push(`${req.kind} ${req.method} ${req.path}: no answer (${(err as Error).message})`);
                        continue;
                    }
                    byStatus[status] = (byStatus[status] ?? 0) + 1;
                    let code: unknown;
                    try {
                        code = JSON.parse(body)?.error?.code;
                    } catch {
                        code = undefined;
                    }
                    if (status < 400 || status > 499 || !/^application\/json/.test(type) || typeof code !== "string") {
                        bad.push(`${req.kind} ${req.method} ${req.path} → ${status} ${type} ${body.slice(0, 120)}`);
                    }
                }
            };
            await Promise.all(Array.from({ length: opts.concurrency ?? 32 }, worker));
            r.requests = opts.count;
            r.details.non4xxOrNotJson = bad.length;
            r.details.byStatus = byStatus;
            r.details.byKind = byKind;
            r.details.examples = bad.slice(0, 10);
            if (bad.length) r.problems.push(`${bad.length} answers were not JSON 4xx, e.g. ${bad.slice(0, 3).join(" | ")}`);
            const alive = emu.alive && (await emu.control.health().catch(() => false));
            r.details.crashes = alive ? 0 : 1;
            if (!alive) r.problems.push(`the emulator died: ${emu.stderr.slice(0, 300)}`);
            if (emu.stderr.trim()) r.problems.push(`the emulator wrote to stderr: ${emu.stderr.slice(0, 300)}`);
            let held = 0;
            for (const t of [zq, gs, pj]) held += (await emu.control.users(t.tenantId)).length;
            r.extraUsers = held;
            if (held) r.problems.push(`${held} users were created by malformed requests`);
        } finally {
            await pool.close().catch(() => undefined);
            await emu.close();
        }
    });
}
