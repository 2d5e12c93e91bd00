/**
 * Idempotency-Key handling for single add-user requests: per tenant, kept
 * 24 h in the database (a restart keeps it). Only 2xx answers are stored, in
 * the same transaction as the user; a 4xx leaves the key free for a corrected
 * retry. "In flight" is memory-only, so a crash never leaves a key stuck.
 */
import { createHash } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { EmulatorContext } from "./context";
import { EmulatorError, Errors } from "./errors";
import { MAX_IDEMPOTENCY_KEY_LENGTH } from "./validation";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
export const REPLAYED_HEADER = "idempotent-replayed";

function canonical(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
    if (value !== null && typeof value === "object") {
        const entries = Object.keys(value)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
        return `{${entries.join(",")}}`;
    }
    return JSON.stringify(value) ?? "null";
}

/** Two bodies are "the same" when they hold the same JSON, whatever the key order or whitespace. */
export function fingerprint(body: unknown, rawBody: string | undefined): string {
    let text: string;
    try {
        text = canonical(body);
    } catch {
        text = rawBody ?? ""; // absurdly deep JSON: compare the bytes
    }
    return createHash("sha256").update(text).digest("hex");
}

export type IdempotencyStart =
    | { kind: "none" }
    | { kind: "replay"; status: number; body: string }
    | { kind: "fresh"; key: string; fingerprint: string; release: () => void };

/** Reads the header and decides: replay, refuse (throws 409/422/400), or go ahead holding the key. */
export function beginIdempotent(ctx: EmulatorContext, req: FastifyRequest): IdempotencyStart {
    const raw = req.headers["idempotency-key"];
    if (raw === undefined) return { kind: "none" };
    const key = Array.isArray(raw) ? raw[0]! : raw;
    if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw new EmulatorError(Errors.idempotencyKeyInvalid);
    const tenant = req.tenant!;
    const slot = `${tenant.seq}:${key}`;
    if (ctx.idempotencyInFlight.has(slot)) throw new EmulatorError(Errors.idempotencyKeyInUse);
    const fp = fingerprint(req.body, req.rawBody);
    const stored = ctx.store.getIdempotency(tenant.seq, key);
    if (stored !== undefined && stored.created_at > ctx.clock() - IDEMPOTENCY_TTL_MS) {
        if (stored.fingerprint !== fp) throw new EmulatorError(Errors.idempotencyKeyReuse);
        return { kind: "replay", status: stored.status, body: stored.body };
    }
    ctx.idempotencyInFlight.add(slot);
    return { kind: "fresh", key, fingerprint: fp, release: () => ctx.idempotencyInFlight.delete(slot) };
}
