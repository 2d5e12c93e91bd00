/** The emulator's own field rules (emulator/validation.ts), unit by unit. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { BulkRowErrors, Errors, ProjectsReasons } from "../../emulator/errors";
import { backoffMs } from "../../emulator/webhooks";
import { RateLimiter, retryAfterValue } from "../../emulator/rate-limit";
import { fingerprint } from "../../emulator/idempotency";
import { checkTenantsApiUser, COUNTRY_CODES, isValidEmail, isValidName, isValidPhone, normalizeEmail } from "../../emulator/validation";

describe("validation", () => {
    describe("isValidEmail", () => {
        for (const ok of [
            "ada@example.com",
            "a.b+tag@sub.example.co.uk",
            "o'hara@example.ie",
            "x@a-b.io",
            `${"a".repeat(64)}@example.com`,
        ]) {
            it(`accepts ${ok}`, () => expect(isValidEmail(normalizeEmail(ok))).to.equal(true));
        }
        for (const bad of [
            "",
            "invalid",
            "@example.com",
            "ada@",
            "ada@localhost",
            "ada@example",
            "a..b@example.com",
            ".a@example.com",
            "a b@example.com",
            "ada@-example.com",
            "ada@example.c0m",
            "ada@@example.com",
            `${"a".repeat(65)}@example.com`,
            `a@${"b".repeat(250)}.com`,
            "ädä@example.com",
        ]) {
            it(`refuses ${JSON.stringify(bad)}`, () => expect(isValidEmail(normalizeEmail(bad))).to.equal(false));
        }
    });

    it("normalizes emails by trimming and lower-casing", () => {
        expect(normalizeEmail("  Ada@Example.COM\t")).to.equal("ada@example.com");
    });

    it("accepts E.164 phones only", () => {
        expect(["+14155552671", "+4420794609", "+861012345678901"].every(isValidPhone)).to.equal(true);
        expect(["14155552671", "+04155552671", "+1 415 555 2671", "+123456", "+1234567890123456"].some(isValidPhone)).to.equal(false);
    });

    it("accepts names of 1 to 200 characters, counting code points, and refuses blank ones", () => {
        expect(isValidName("A")).to.equal(true);
        expect(isValidName("x".repeat(200))).to.equal(true);
        expect(isValidName("😀".repeat(200))).to.equal(true);
        expect(isValidName("x".repeat(201))).to.equal(false);
        expect(isValidName("   ")).to.equal(false);
    });

    it("knows the 249 ISO 3166-1 alpha-2 codes", () => {
        expect(COUNTRY_CODES.size).to.equal(249);
        expect(["US", "GB", "FR", "DE", "JP", "ZW"].every((c) => COUNTRY_CODES.has(c))).to.equal(true);
        expect(["UK", "EU", "XX", "gb"].some((c) => COUNTRY_CODES.has(c))).to.equal(false);
    });

    it("checks a Zquence user's email, then name, then phone", () => {
        expect(checkTenantsApiUser({ email: "bad", name: "", phone: "x" }, true)).to.deep.include({ ok: false, rowError: "email_invalid" });
        expect(checkTenantsApiUser({ email: "a@example.com", name: "", phone: "x" }, true)).to.deep.include({
            ok: false,
            rowError: "name_invalid",
        });
        expect(checkTenantsApiUser({ email: "a@example.com", phone: "x" }, true)).to.deep.include({ ok: false, rowError: "phone_invalid" });
        expect(checkTenantsApiUser({ email: "a@example.com", phone: "x" }, false)).to.deep.equal({
            ok: true,
            user: { email: "a@example.com", name: null, phone: null },
        });
    });
});

describe("rate limiter", () => {
    it("formats Retry-After as delta-seconds or an IMF-fixdate", () => {
        expect(retryAfterValue(2, "seconds", 0)).to.equal("2");
        expect(retryAfterValue(2, "date", Date.UTC(2025, 0, 1, 0, 0, 0, 500))).to.equal("Wed, 01 Jan 2025 00:00:03 GMT");
    });

    it("refuses once the burst is spent and refills at the configured rate", () => {
        const limiter = new RateLimiter();
        const settings = { requestsPerSecond: 10, burst: 2, retryAfter: "seconds" as const };
        expect([0, 0, 0].map((t) => limiter.take("k", settings, t).allowed)).to.deep.equal([true, true, false]);
        expect(limiter.take("k", settings, 100).allowed).to.equal(true);
        expect(limiter.take("other", settings, 100).allowed).to.equal(true);
    });
});

describe("webhook backoff", () => {
    it("doubles from 100 ms and caps at 10 s", () => {
        expect([1, 2, 3, 4].map(backoffMs)).to.deep.equal([100, 200, 400, 800]);
        expect(backoffMs(30)).to.equal(10_000);
    });
});

describe("idempotency fingerprint", () => {
    it("ignores key order and whitespace but not values", () => {
        expect(fingerprint({ a: 1, b: [1, { c: 2, d: 3 }] }, undefined)).to.equal(fingerprint({ b: [1, { d: 3, c: 2 }], a: 1 }, undefined));
        expect(fingerprint({ a: 1 }, undefined)).to.not.equal(fingerprint({ a: 2 }, undefined));
    });
});

describe("the README", () => {
    it("lists every error code, bulk row error and projects reason that errors.ts defines", () => {
        const readme = readFileSync(join(__dirname, "..", "..", "..", "emulator", "README.md"), "utf8");
        const codes = new Set([
            ...Object.values(Errors).map((e) => e.code),
            ...Object.values(BulkRowErrors),
            ...Object.values(ProjectsReasons),
        ]);
        for (const code of codes) expect(readme, code).to.include(`\`${code}\``);
    });
});
