import { setTimeout as delay } from "node:timers/promises";
import type { Dispatcher } from "undici";
import { ConnectionError } from "../errors";
import { vendorOf } from "../dialects/registry";
import type { Dialect } from "../schema/user";
import { DEFAULT_RETRY, mayHaveReachedServer, parseRetryAfter, shouldRetry } from "./retry";
import type { AttemptOutcome, RetryOptions } from "./retry";

export interface HttpClientOptions {
    /** Origin plus optional path prefix, e.g. `http://127.0.0.1:4010/zquence`. */
    baseUrl: string;
    /** Per-attempt limit, headers and body included. @default 60000 */
    timeoutMs?: number;
    retry?: Partial<RetryOptions>;
    /** @default a real timer */
    sleep?: (ms: number) => Promise<void>;
    /** Keep-alive sockets in the pool. @default 16 */
    connections?: number;
    /** Replaces the pool, e.g. with undici's MockAgent in tests. */
    dispatcher?: Dispatcher;
    /** Shorthand for `retry.maxAttempts`. @default 10 */
    maxAttempts?: number;
}

export interface HttpRequest {
    method: "GET" | "POST" | "PUT" | "DELETE";
    /** Path below the base URL's prefix, starting with "/". */
    path: string;
    headers?: Record<string, string>;
    /** Serialized to JSON once, so every retry sends the same bytes. */
    body?: unknown;
    /** Label for errors. @default `${method} ${path}` */
    endpoint?: string;
    dialect?: Dialect;
}

export interface HttpResponse {
    status: number;
    headers: Record<string, string>;
    /** Parsed JSON, or the raw text when the body is not JSON (see `parseError`). */
    body: unknown;
    bodyIsJson: boolean;
    parseError?: string;
    requestId?: string;
    endpoint: string;
    attempts: number;
    /** An earlier attempt may have reached the server (dropped after sending, 5xx, timeout). */
    ambiguousRetry: boolean;
    /** From `Retry-After`, when the answer has one. */
    retryAfterMs?: number;
    /** Why the last retry decision stopped, when there was more than one attempt. */
    retryReason?: string;
}

type Attempt =
    | { kind: "response"; response: Omit<HttpResponse, "attempts" | "ambiguousRetry" | "endpoint">; outcome: AttemptOutcome }
    | { kind: "network"; error: unknown; outcome: AttemptOutcome };

const TIMEOUT = "TIMEOUT";

/** A keep-alive JSON client for one base URL, with retries. Reuse it: it owns a socket pool. */
export class HttpClient {
    readonly baseUrl: string;
    private readonly origin: string;
    private readonly prefix: string;
    private readonly host: string;
    private pool: Dispatcher | undefined;
    private readonly ownsDispatcher: boolean;
    private readonly connections: number;
    private readonly timeoutMs: number;
    private readonly retry: RetryOptions;
    private readonly sleep: (ms: number) => Promise<void>;

    constructor(opts: HttpClientOptions);
    constructor(baseUrl: string, opts?: Omit<HttpClientOptions, "baseUrl">);
    constructor(first: HttpClientOptions | string, rest: Omit<HttpClientOptions, "baseUrl"> = {}) {
        const opts: HttpClientOptions = typeof first === "string" ? { ...rest, baseUrl: first } : first;
        let url: URL;
        try {
            url = new URL(opts.baseUrl);
        } catch {
            // Not echoed: a malformed URL may still hold userinfo.
            throw new TypeError(
                `baseUrl is not a valid URL; expected e.g. ${vendorOf("zquence").defaultBaseUrl} or http://127.0.0.1:4010/zquence`,
            );
        }
        if (url.protocol !== "http:" && url.protocol !== "https:") {
            throw new TypeError(`baseUrl must be http:// or https://, not ${url.protocol}//`);
        }
        this.origin = url.origin;
        this.host = url.host;
        this.prefix = url.pathname.replace(/\/+$/, "");
        // Userinfo never leaves this constructor: not sent, not shown.
        this.baseUrl = this.origin + this.prefix;
        this.ownsDispatcher = opts.dispatcher === undefined;
        this.pool = opts.dispatcher;
        this.connections = opts.connections ?? 16;
        this.timeoutMs = opts.timeoutMs ?? 60_000;
        this.retry = { ...DEFAULT_RETRY, ...(opts.maxAttempts === undefined ? {} : { maxAttempts: opts.maxAttempts }), ...opts.retry };
        this.sleep = opts.sleep ?? ((ms) => delay(ms));
    }

    /**
     * The socket pool, made at the first request. undici is loaded only then: it costs a provider
     * process about 80 ms of CPU to load, and a preview, refresh, destroy or unchanged up sends nothing.
     */
    private get dispatcher(): Dispatcher {
        if (this.pool === undefined) {
            const { Pool } = require("undici") as typeof import("undici");
            this.pool = new Pool(this.origin, { connections: this.connections, pipelining: 1 });
        }
        return this.pool;
    }

    /**
     * Sends a request, retrying what {@link shouldRetry} allows. Resolves with
     * the final answer whatever its status (dialects map statuses); rejects
     * with a ConnectionError when no answer came after the last attempt.
     */
    async request(req: HttpRequest): Promise<HttpResponse> {
        const endpoint = req.endpoint ?? `${req.method} ${req.path}`;
        const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
        const headers: Record<string, string> = {
            accept: "application/json",
            "user-agent": "pulumi-tenant-users",
            ...(payload === undefined ? {} : { "content-type": "application/json" }),
            ...req.headers,
        };
        let ambiguous = false;
        for (let attempts = 1; ; attempts++) {
            const result = await this.attempt(req.method, req.path, headers, payload);
            const decision = shouldRetry(result.outcome, attempts, this.retry);
            if (!decision.retry) {
                if (result.kind === "network") {
                    throw new ConnectionError({
                        message: `could not get an answer from ${this.host}: ${decision.reason}${result.outcome.kind === "network" && result.outcome.code === "ENOTFOUND" ? "; check the base URL's host name" : ""}`,
                        endpoint,
                        attempts,
                        ...(req.dialect ? { dialect: req.dialect } : {}),
                        cause: result.error,
                    });
                }
                const out: HttpResponse = { ...result.response, endpoint, attempts, ambiguousRetry: ambiguous };
                if (attempts > 1) out.retryReason = decision.reason;
                return out;
            }
            if (mayHaveReachedServer(result.outcome)) ambiguous = true;
            await this.sleep(decision.delayMs);
        }
    }

    private async attempt(method: string, path: string, headers: Record<string, string>, payload?: string): Promise<Attempt> {
        const controller = new AbortController();
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            controller.abort();
        }, this.timeoutMs);
        try {
            const res = await this.dispatcher.request({
                origin: this.origin,
                path: this.prefix + path,
                method: method as Dispatcher.HttpMethod,
                headers,
                body: payload ?? null,
                signal: controller.signal,
            });
            const text = await res.body.text();
            const flat = flattenHeaders(res.headers);
            const response: Attempt & { kind: "response" } = {
                kind: "response",
                response: { status: res.statusCode, headers: flat, ...parseBody(text) },
                outcome: { kind: "response", status: res.statusCode },
            };
            const r = response.response;
            if (flat["x-request-id"]) r.requestId = flat["x-request-id"];
            const retryAfterMs = parseRetryAfter(flat["retry-after"], this.retry.now());
            if (retryAfterMs !== undefined) r.retryAfterMs = retryAfterMs;
            const vendorCode = errorCode(r.body);
            response.outcome = {
                kind: "response",
                status: res.statusCode,
                ...(flat["retry-after"] !== undefined ? { retryAfter: flat["retry-after"] } : {}),
                ...(vendorCode !== undefined ? { vendorCode } : {}),
            };
            return response;
        } catch (error) {
            const e = error as { code?: unknown; message?: unknown };
            const code = timedOut ? TIMEOUT : typeof e?.code === "string" ? e.code : undefined;
            const message = timedOut ? `no complete answer within ${this.timeoutMs} ms` : String(e?.message ?? error);
            return { kind: "network", error, outcome: { kind: "network", message, ...(code ? { code } : {}) } };
        } finally {
            clearTimeout(timer);
        }
    }

    /** Closes the pool (when this client created it). */
    async close(): Promise<void> {
        if (this.ownsDispatcher) await this.pool?.close();
    }
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(headers)) {
        if (value !== undefined) out[key.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
    }
    return out;
}

function parseBody(text: string): { body: unknown; bodyIsJson: boolean; parseError?: string } {
    if (text.trim() === "") return { body: text, bodyIsJson: false, parseError: "the body is empty" };
    try {
        return { body: JSON.parse(text), bodyIsJson: true };
    } catch (err) {
        return { body: text, bodyIsJson: false, parseError: err instanceof Error ? err.message : "not JSON" };
    }
}

/** The `error.code` of the common error envelope, if the body has one. */
export function errorCode(body: unknown): string | undefined {
    if (typeof body !== "object" || body === null) return undefined;
    const error = (body as { error?: unknown }).error;
    if (typeof error !== "object" || error === null) return undefined;
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? code : undefined;
}

const shared = new Map<string, HttpClient>();

/** One client (one socket pool) per base URL for the whole process. */
export function sharedHttpClient(baseUrl: string): HttpClient {
    const url = new URL(baseUrl);
    const key = url.origin + url.pathname.replace(/\/+$/, "");
    let client = shared.get(key);
    if (!client) {
        client = new HttpClient({ baseUrl });
        shared.set(key, client);
    }
    return client;
}

export async function closeSharedHttpClients(): Promise<void> {
    const clients = [...shared.values()];
    shared.clear();
    await Promise.all(clients.map((c) => c.close()));
}
