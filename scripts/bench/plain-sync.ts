#!/usr/bin/env node
/**
 * The vendor's recommended nightly sync, as a plain script (Zquence seed, "Nightly CRM sync
 * pattern"): de-duplicate by email, chunk to 1,000, POST each chunk to add-user-bulk, retry 429
 * (and 5xx) after Retry-After, log `failed[]`. Written with undici, no Pulumi. The benchmark runs it
 * as its own process, the way a cron job would:
 *
 *   BENCH_BASE_URL=… BENCH_API_KEY=… BENCH_API_SECRET=… node plain-sync.js users.json
 *
 * Prints one JSON line: `{ requests, created, skipped, failed, ms }`.
 */
import * as fs from "node:fs";
import { request } from "undici";

const CHUNK = 1000;
const MAX_ATTEMPTS = 10;

interface User {
    email: string;
    name?: string;
    phone?: string;
}

function dedupe(users: User[]): User[] {
    const seen = new Set<string>();
    const out: User[] = [];
    for (const u of users) {
        const key = u.email.trim().toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(u);
    }
    return out;
}

function retryAfterMs(header: string | string[] | undefined, attempt: number): number {
    const v = Array.isArray(header) ? header[0] : header;
    if (v) {
        const s = Number(v);
        if (Number.isFinite(s)) return s * 1000;
        const at = Date.parse(v);
        if (Number.isFinite(at)) return Math.max(0, at - Date.now());
    }
    return Math.min(10_000, 100 * 2 ** attempt);
}

async function main(): Promise<void> {
    const started = performance.now();
    const file = process.argv[2];
    const { BENCH_BASE_URL: base, BENCH_API_KEY: key, BENCH_API_SECRET: secret } = process.env;
    if (!file || !base || !key || !secret)
        throw new Error("usage: BENCH_BASE_URL=… BENCH_API_KEY=… BENCH_API_SECRET=… node plain-sync.js users.json");
    const users = dedupe(JSON.parse(fs.readFileSync(file, "utf8")) as User[]);
    let requests = 0,
        created = 0,
        skipped = 0;
    const failed: unknown[] = [];
    for (let i = 0; i < users.length; i += CHUNK) {
        const chunk = users.slice(i, i + CHUNK);
        for (let attempt = 1; ; attempt++) {
            requests++;
            const res = await request(`${base}/v1/tenants/add-user-bulk`, {
                method: "POST",
                headers: { "content-type": "application/json", "x-api-key": key, "x-api-secret": secret },
                body: JSON.stringify(chunk),
            });
            const text = await res.body.text();
            if (res.statusCode === 200) {
                const body = JSON.parse(text) as { created: number; skipped: number; failed: unknown[] };
                created += body.created;
                skipped += body.skipped;
                failed.push(...body.failed);
                break;
            }
            if ((res.statusCode === 429 || res.statusCode >= 500) && attempt < MAX_ATTEMPTS) {
                await new Promise((r) => setTimeout(r, retryAfterMs(res.headers["retry-after"], attempt)));
                continue;
            }
            throw new Error(`add-user-bulk: ${res.statusCode} ${text.slice(0, 300)}`);
        }
    }
    if (failed.length > 0) console.error(`failed rows: ${JSON.stringify(failed.slice(0, 20))}`);
    console.log(JSON.stringify({ requests, created, skipped, failed: failed.length, ms: performance.now() - started }));
}

main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
});
