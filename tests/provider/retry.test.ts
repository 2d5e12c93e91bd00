import { expect } from "chai";
import { backoffDelay, DEFAULT_RETRY, mayHaveReachedServer, parseRetryAfter, shouldRetry } from "../../provider/http/retry";
import type { AttemptOutcome } from "../../provider/http/retry";

const NOW = Date.parse("2025-01-01T00:00:00Z");
const fixed = { now: () => NOW, random: () => 0.5 };
const status = (s: number, extra: Partial<AttemptOutcome & { kind: "response" }> = {}): AttemptOutcome => ({
    kind: "response",
    status: s,
    ...extra,
});

describe("shouldRetry", () => {
    it("has the documented defaults: 10 attempts, 250 ms base, 15 s cap, 60 s Retry-After limit", () => {
        expect(DEFAULT_RETRY).to.include({ maxAttempts: 10, baseDelayMs: 250, maxDelayMs: 15_000, maxRetryAfterMs: 60_000 });
    });

    it("retries a dropped connection", () => {
        const d = shouldRetry({ kind: "network", code: "UND_ERR_SOCKET", message: "other side closed" }, 1, fixed);
        expect(d.retry).to.equal(true);
        expect(d.reason).to.contain("UND_ERR_SOCKET");
    });

    it("retries a refused connection and a timeout", () => {
        expect(shouldRetry({ kind: "network", code: "ECONNREFUSED", message: "x" }, 1, fixed).retry).to.equal(true);
        expect(shouldRetry({ kind: "network", code: "TIMEOUT", message: "x" }, 1, fixed).retry).to.equal(true);
    });

    it("does not retry an unknown host", () => {
        expect(shouldRetry({ kind: "network", code: "ENOTFOUND", message: "x" }, 1, fixed).retry).to.equal(false);
    });

    for (const s of [500, 502, 503, 504]) {
        it(`retries a ${s}`, () => {
            expect(shouldRetry(status(s), 1, fixed).retry).to.equal(true);
        });
    }

    it("retries a 429 after the Retry-After seconds", () => {
        const d = shouldRetry(status(429, { retryAfter: "3" }), 1, fixed);
        expect(d).to.deep.include({ retry: true, delayMs: 3000 });
        expect(d.reason).to.contain("Retry-After 3 s");
    });

    it("retries a 429 after a Retry-After HTTP date, measured from the injected clock", () => {
        const date = new Date(NOW + 7000).toUTCString();
        expect(shouldRetry(status(429, { retryAfter: date }), 1, fixed)).to.deep.include({ retry: true, delayMs: 7000 });
    });

    it("honours a Retry-After above maxDelayMs as long as it is within maxRetryAfterMs", () => {
        expect(shouldRetry(status(429, { retryAfter: "40" }), 1, fixed)).to.deep.include({ retry: true, delayMs: 40_000 });
    });

    it("gives up when Retry-After is longer than maxRetryAfterMs", () => {
        const d = shouldRetry(status(429, { retryAfter: "120" }), 1, fixed);
        expect(d.retry).to.equal(false);
        expect(d.reason).to.contain("120 s");
    });

    it("backs off exponentially when a 429 has no Retry-After", () => {
        expect(shouldRetry(status(429), 3, { ...fixed, random: () => 0.999999 }).delayMs).to.equal(999);
    });

    it("retries a 409 idempotency_key_in_use", () => {
        expect(shouldRetry(status(409, { vendorCode: "idempotency_key_in_use" }), 1, fixed).retry).to.equal(true);
    });

    it("never retries other 4xx", () => {
        for (const s of [400, 401, 403, 404, 409, 413, 415, 422]) {
            const d = shouldRetry(status(s, { vendorCode: s === 422 ? "idempotency_key_reuse" : "x" }), 1, fixed);
            expect(d.retry, String(s)).to.equal(false);
            expect(d.reason).to.contain("not retryable");
        }
    });

    it("does not retry a success", () => {
        expect(shouldRetry(status(201), 1, fixed).retry).to.equal(false);
    });

    it("stops at maxAttempts and says how many attempts were made", () => {
        const d = shouldRetry(status(503), 10, fixed);
        expect(d.retry).to.equal(false);
        expect(d.reason).to.equal("503: gave up after 10 attempts");
    });

    it("draws the backoff uniformly below a doubling, capped ceiling (full jitter)", () => {
        const top = { baseDelayMs: 250, maxDelayMs: 15_000, random: () => 0.999999 };
        expect([1, 2, 3, 4, 7, 8, 20].map((a) => backoffDelay(a, top))).to.deep.equal([249, 499, 999, 1999, 14999, 14999, 14999]);
        expect(backoffDelay(5, { ...top, random: () => 0 })).to.equal(0);
    });
});

describe("parseRetryAfter", () => {
    it("reads delay seconds", () => {
        expect(parseRetryAfter("2", NOW)).to.equal(2000);
    });
    it("reads an HTTP date relative to now and never goes negative", () => {
        expect(parseRetryAfter(new Date(NOW + 1000).toUTCString(), NOW)).to.equal(1000);
        expect(parseRetryAfter(new Date(NOW - 5000).toUTCString(), NOW)).to.equal(0);
    });
    it("ignores an absent or garbled value", () => {
        expect(parseRetryAfter(undefined, NOW)).to.equal(undefined);
        expect(parseRetryAfter("soon", NOW)).to.equal(undefined);
    });
});

describe("mayHaveReachedServer", () => {
    it("treats refused connections and 429s as not processed", () => {
        expect(mayHaveReachedServer({ kind: "network", code: "ECONNREFUSED", message: "" })).to.equal(false);
        expect(mayHaveReachedServer(status(429))).to.equal(false);
    });
    it("treats drops, timeouts and 5xx as possibly processed", () => {
        expect(mayHaveReachedServer({ kind: "network", code: "UND_ERR_SOCKET", message: "" })).to.equal(true);
        expect(mayHaveReachedServer({ kind: "network", code: "TIMEOUT", message: "" })).to.equal(true);
        expect(mayHaveReachedServer(status(503))).to.equal(true);
    });
});
