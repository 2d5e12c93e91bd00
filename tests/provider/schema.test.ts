import { expect } from "chai";
import fc from "fast-check";
import { DIALECTS, ISO_COUNTRY_CODES, validateRoster, validateUser } from "../../provider/schema";
import type { Dialect } from "../../provider/schema";

const reasons = (r: { failures: { reason: string }[] }) => r.failures.map((f) => f.reason);

describe("validateUser", () => {
    it("normalizes email to trimmed lower case, name trimmed, country upper case", () => {
        const r = validateUser({ email: "  Ada@Example.COM ", name: "  Ada Lovelace ", country: " gb" }, "projects");
        expect(r).to.deep.equal({ user: { email: "ada@example.com", name: "Ada Lovelace", country: "GB" }, failures: [] });
    });

    it("omits absent fields rather than setting them to undefined", () => {
        const r = validateUser({ email: "a@b.co", name: undefined, phone: null }, "zquence");
        expect(r.user).to.deep.equal({ email: "a@b.co" });
        expect(Object.keys(r.user!)).to.deep.equal(["email"]);
        expect(Object.keys(r)).to.deep.equal(["user", "failures"]);
    });

    it("keeps an E.164 phone on zquence", () => {
        expect(validateUser({ email: "a@b.co", phone: "+14155552671" }, "zquence").user).to.deep.equal({
            email: "a@b.co",
            phone: "+14155552671",
        });
    });

    it("requires an email", () => {
        expect(validateUser({ name: "Ada" }, "zquence").failures).to.deep.equal([{ property: "email", reason: "email is required" }]);
    });

    it("names the value and what is wrong with an invalid email", () => {
        expect(reasons(validateUser({ email: "ada@" }, "geldstuck"))).to.deep.equal([
            'email "ada@" is not a valid email address (nothing comes after "@")',
        ]);
        expect(reasons(validateUser({ email: "ada.example.com" }, "geldstuck"))[0]).to.contain('has no "@"');
        expect(reasons(validateUser({ email: "ada@localhost" }, "geldstuck"))[0]).to.contain("has no dot");
    });

    it("refuses an email longer than 254 characters", () => {
        const email = `${"a".repeat(60)}@${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.${"e".repeat(60)}.com`;
        expect(email.length).to.be.greaterThan(254);
        expect(reasons(validateUser({ email }, "zquence"))[0]).to.contain("the limit is 254");
    });

    it("refuses a blank or over-long name", () => {
        expect(reasons(validateUser({ email: "a@b.co", name: "   " }, "zquence"))[0]).to.contain("name is blank");
        expect(reasons(validateUser({ email: "a@b.co", name: "x".repeat(201) }, "zquence"))[0]).to.contain("the limit is 200");
        expect(validateUser({ email: "a@b.co", name: "x".repeat(200) }, "zquence").failures).to.deep.equal([]);
    });

    it("refuses a phone that is not E.164", () => {
        for (const phone of ["4155552671", "+0155552671", "+1 415 555 2671", "+123456", "+1234567890123456"]) {
            expect(reasons(validateUser({ email: "a@b.co", phone }, "zquence"))[0], phone).to.contain("E.164");
        }
    });

    it("refuses a phone on geldstuck and projects instead of dropping it", () => {
        for (const dialect of ["geldstuck", "projects"] as const) {
            const r = validateUser({ email: "a@b.co", phone: "+14155552671" }, dialect);
            expect(r.user).to.equal(undefined);
            expect(r.failures).to.deep.equal([
                { property: "phone", reason: `${dialect} has no phone field; remove phone (only zquence stores it)` },
            ]);
        }
    });

    it("refuses a country outside projects", () => {
        expect(reasons(validateUser({ email: "a@b.co", country: "GB" }, "zquence"))[0]).to.contain("zquence has no country field");
    });

    it("refuses a country that is not an assigned ISO 3166-1 alpha-2 code, with a hint for UK", () => {
        expect(reasons(validateUser({ email: "a@b.co", country: "UK" }, "projects"))[0]).to.equal(
            'country "UK" is not an ISO 3166-1 alpha-2 code; did you mean "GB"?',
        );
        expect(validateUser({ email: "a@b.co", country: "XX" }, "projects").failures).to.have.length(1);
        expect(validateUser({ email: "a@b.co", country: "GBR" }, "projects").failures).to.have.length(1);
    });

    it("knows the 249 assigned country codes", () => {
        expect(ISO_COUNTRY_CODES.size).to.equal(249);
        for (const c of ["US", "GB", "FR", "DE", "SS", "CW", "AX"]) expect(ISO_COUNTRY_CODES.has(c), c).to.equal(true);
        for (const c of ["UK", "EU", "XK", "AN", "YU"]) expect(ISO_COUNTRY_CODES.has(c), c).to.equal(false);
    });

    it("refuses unknown properties, suggesting the field meant", () => {
        const r = validateUser({ email: "a@b.co", Email: "x", fullName: "Ada", tags: ["x"] }, "zquence");
        expect(r.failures.map((f) => f.property)).to.deep.equal(["Email", "fullName", "tags"]);
        expect(r.failures[0]!.reason).to.contain('did you mean "email"?');
        expect(r.failures[1]!.reason).to.contain('did you mean "name"?');
    });

    it("refuses values of the wrong type, naming the type but not the value", () => {
        expect(reasons(validateUser({ email: 42 }, "zquence"))).to.deep.equal(["email must be a string, got a number"]);
        expect(reasons(validateUser("ada@example.com", "zquence"))[0]).to.contain("expected a user object");
    });

    it("reports every failure of a user at once", () => {
        expect(validateUser({ email: "x", name: "", phone: "1" }, "zquence").failures).to.have.length(3);
    });

    it("uses a 0-based index in the property and a 1-based row in the reason", () => {
        const r = validateUser({ email: "ada@" }, "zquence", { row: 3 });
        expect(r.failures).to.deep.equal([
            { property: "users[3].email", reason: 'row 4: email "ada@" is not a valid email address (nothing comes after "@")' },
        ]);
    });

    it("never throws, whatever the input", () => {
        fc.assert(
            fc.property(
                fc.anything({ withNullPrototype: true, withObjectString: true, withBigInt: true, withMap: true }),
                fc.constantFrom(...DIALECTS),
                (input, dialect) => {
                    const r = validateUser(input, dialect);
                    expect(r.user !== undefined || r.failures.length > 0).to.equal(true);
                },
            ),
            { numRuns: 2000 },
        );
    });

    it("never throws on user-shaped input, and what it accepts is normalized", () => {
        const field = fc.oneof(fc.string(), fc.emailAddress(), fc.constant(undefined), fc.integer());
        fc.assert(
            fc.property(
                fc.record({ email: field, name: field, phone: field, country: field }, { requiredKeys: [] }),
                fc.constantFrom(...DIALECTS),
                (input, dialect) => {
                    const { user } = validateUser(input, dialect);
                    if (user) {
                        expect(user.email).to.equal(user.email.trim().toLowerCase());
                        expect(Object.values(user)).to.not.include(undefined);
                    }
                },
            ),
            { numRuns: 2000 },
        );
    });
});

describe("validateRoster", () => {
    const ok = (n: number) => Array.from({ length: n }, (_, i) => ({ email: `user${i}@example.com`, name: `User ${i}` }));

    it("de-duplicates by normalized email, keeping first-seen order", () => {
        const r = validateRoster([{ email: "b@x.co" }, { email: "A@x.co" }, { email: " b@X.co " }], "zquence", { onInvalid: "fail" });
        expect(r.users).to.deep.equal([{ email: "b@x.co" }, { email: "a@x.co" }]);
        expect(r.failures).to.deep.equal([]);
    });

    it("fails on two rows with one email and different data, naming both rows", () => {
        const r = validateRoster([{ email: "a@x.co", name: "Ada" }, { email: "z@x.co" }, { email: "A@x.co", name: "Ada L." }], "zquence", {
            onInvalid: "report",
        });
        expect(r.failures).to.have.length(1);
        expect(r.failures[0]!.property).to.equal("users[2].email");
        expect(r.failures[0]!.reason).to.contain("row 3").and.contain("row 1").and.contain('name "Ada" vs "Ada L."');
    });

    it("turns each invalid row into a failure in fail mode", () => {
        const r = validateRoster([{ email: "ok@x.co" }, { email: "bad" }, { email: "c@x.co", phone: "1" }], "zquence", {
            onInvalid: "fail",
        });
        expect(r.failures.map((f) => f.property)).to.deep.equal(["users[1].email", "users[2].phone"]);
        expect(r.failures[0]!.reason).to.match(/^row 2: email "bad"/);
        expect(r.invalid).to.deep.equal([]);
    });

    it("lists up to maxListed invalid rows, then sums up the rest", () => {
        const rows = Array.from({ length: 30 }, (_, i) => ({ email: `bad${i}` }));
        const r = validateRoster(rows, "geldstuck", { onInvalid: "fail", maxListed: 5 });
        expect(r.failures).to.have.length(6);
        expect(r.failures[5]).to.deep.equal({ property: "users", reason: "…and 25 more invalid rows" });
        expect(validateRoster(rows, "geldstuck", { onInvalid: "fail" }).failures).to.have.length(21);
    });

    it("skips invalid rows into `invalid` without failing in report mode", () => {
        const r = validateRoster([{ email: "ok@x.co" }, { email: "Bad " }], "zquence", { onInvalid: "report" });
        expect(r.failures).to.deep.equal([]);
        expect(r.users).to.deep.equal([{ email: "ok@x.co" }]);
        expect(r.invalid).to.deep.equal([
            { row: 1, field: "email", email: "Bad", reason: 'row 2: email "Bad " is not a valid email address (it has no "@")' },
        ]);
    });

    it("names rows with a caller's label, such as a CSV line", () => {
        const r = validateRoster([{ email: "bad" }], "zquence", { onInvalid: "fail", rowLabel: (i) => `users.csv line ${i + 2}` });
        expect(r.failures[0]!.reason).to.match(/^users.csv line 2: /);
    });

    it("refuses a roster that is not a list", () => {
        expect(validateRoster({ email: "a@b.co" }, "zquence", { onInvalid: "fail" }).failures[0]!.reason).to.contain("must be a list");
    });

    it("never throws, whatever the rows", () => {
        fc.assert(
            fc.property(
                fc.anything(),
                fc.array(fc.anything(), { maxLength: 20 }),
                fc.constantFrom<Dialect>(...DIALECTS),
                fc.boolean(),
                (one, many, dialect, fail) => {
                    validateRoster(one, dialect, { onInvalid: fail ? "fail" : "report" });
                    validateRoster(many, dialect, { onInvalid: fail ? "fail" : "report" });
                },
            ),
            { numRuns: 500 },
        );
    });

    // Its speed is the benchmark's business (the growth scenario goes to 100,000 users).
    it("keeps all 100,000 rows of a valid roster, with no failure", function () {
        this.timeout(20_000);
        const r = validateRoster(ok(100_000), "zquence", { onInvalid: "fail" });
        expect(r.users).to.have.length(100_000);
        expect(r.failures).to.deep.equal([]);
    });
});
