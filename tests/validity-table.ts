/**
 * One table of field values, valid and invalid, that both readings of the
 * seeds must agree on: the provider's schema (what `pulumi preview` refuses)
 * and the emulator's validation (what the vendor stand-in refuses at `up`).
 * tests/provider/validity-table.test.ts checks every row against both, so a
 * rule changed on one side only fails a test instead of an `up`.
 *
 * `sent` is what the provider sends once it accepts the value (trimmed,
 * lower-cased, upper-cased); the emulator is judged on that, since it never
 * sees the raw input. A refused row is judged on the value as written.
 */
export interface ValidityRow {
    value: string;
    valid: boolean;
    /** The normalized value the provider sends; defaults to `value`. */
    sent?: string;
    /** What the row is about, for the test name. */
    about: string;
}

const ok = (value: string, about: string, sent?: string): ValidityRow => ({
    value,
    valid: true,
    about,
    ...(sent === undefined ? {} : { sent }),
});
const bad = (value: string, about: string): ValidityRow => ({ value, valid: false, about });

const local64 = "a".repeat(64);
// 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254 characters: at the RFC 5321 limit.
const longest = `${local64}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`;

export const EMAILS: readonly ValidityRow[] = [
    ok("ada@example.com", "a plain address"),
    ok("  Ada@Example.COM ", "an address trimmed and lower-cased", "ada@example.com"),
    ok("a.b+tag@sub.example.co.uk", "dots, a plus tag and sub-domains"),
    ok("o'hara@example.ie", "an apostrophe in the local part"),
    ok("x@a-b.io", "an inner hyphen in a label"),
    ok(`${local64}@example.com`, "a local part of exactly 64 characters"),
    ok(longest, "an address of exactly 254 characters"),
    ok("ivan@example.xn--p1ai", "an IDN top-level domain as an A-label (.рф)"),
    ok("ivan@xn--e1afmkfd.xn--p1ai", "IDN labels everywhere"),
    ok(`x@${"b".repeat(63)}.com`, "a domain label of exactly 63 characters"),
    bad(`${"a".repeat(65)}@example.com`, "a local part of 65 characters"),
    bad(`${longest}d`, "an address of 255 characters"),
    bad(`x@${"b".repeat(64)}.com`, "a domain label of 64 characters"),
    bad("", "an empty string"),
    bad("invalid", "no @"),
    bad("@example.com", "nothing before @"),
    bad("ada@", "nothing after @"),
    bad("ada@@example.com", "two @"),
    bad("ada@localhost", "a single domain label"),
    bad("ada@example", "no top-level domain"),
    bad("a..b@example.com", "a doubled dot"),
    bad(".a@example.com", "a leading dot"),
    bad("a.@example.com", "a trailing dot in the local part"),
    bad("ada@example.com.", "a trailing dot in the domain"),
    bad("a b@example.com", "a space"),
    bad("ada@-example.com", "a label starting with a hyphen"),
    bad("ada@example-.com", "a label ending with a hyphen"),
    bad("ada@example.c0m", "a digit in a letters-only top-level domain"),
    bad("ada@example.123", "an all-digit top-level domain"),
    bad("ada@example.c", "a one-letter top-level domain"),
    bad("ada@example.xn--", "an empty A-label"),
    bad("ada@ex_ample.com", "an underscore in the domain"),
    bad("ädä@example.com", "non-ASCII in the local part"),
    bad("ada@exämple.com", "non-ASCII in the domain (U-label)"),
    bad('"ada"@example.com', "a quoted local part"),
    bad("ada@[127.0.0.1]", "an address literal"),
];

export const PHONES: readonly ValidityRow[] = [
    ok("+14155552671", "a US number"),
    ok("+4420794609", "a short UK number"),
    ok("+1234567", "the shortest E.164 form (7 digits)"),
    ok("+123456789012345", "the longest E.164 form (15 digits)"),
    ok(" +14155552671 ", "a number with spaces around it, trimmed", "+14155552671"),
    bad("14155552671", "no plus sign"),
    bad("+04155552671", "a country code starting with 0"),
    bad("+1 415 555 2671", "spaces inside"),
    bad("+1-415-555-2671", "hyphens inside"),
    bad("+123456", "6 digits"),
    bad("+1234567890123456", "16 digits"),
    bad("+١٤١٥٥٥٥٢٦٧١", "non-ASCII digits"),
];

export const COUNTRIES: readonly ValidityRow[] = [
    ok("US", "the United States"),
    ok("GB", "the United Kingdom"),
    ok("gb", "lower case, upper-cased", "GB"),
    ok("FR", "France"),
    bad("UK", "UK (reserved, not assigned)"),
    bad("XX", "an unassigned code"),
    bad("USA", "an alpha-3 code"),
    bad("", "an empty string"),
];

export const NAMES: readonly ValidityRow[] = [
    ok("Ada Lovelace", "a plain name"),
    ok("x".repeat(200), "200 characters"),
    ok("😀".repeat(200), "200 emoji (400 UTF-16 units)"),
    ok("  Ada  ", "a name with spaces around it, trimmed", "Ada"),
    bad("x".repeat(201), "201 characters"),
    bad("   ", "only whitespace"),
];
