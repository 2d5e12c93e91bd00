import { z } from "zod";
import { DIALECT_FIELDS, DIALECTS } from "../dialects/registry";
import type { Dialect, UserField } from "../dialects/registry";
import { countryHint, isCountryCode } from "./countries";

// Which fields each vendor stores comes from its descriptor: anything else is refused, not dropped.
export { DIALECT_FIELDS, DIALECTS };
export type { Dialect, UserField };

/** A user as declared: what a program or a CSV row gives. */
export interface UserInput {
    email: string;
    name?: string;
    phone?: string;
    country?: string;
}

/**
 * A user as sent and stored: email trimmed and lower-cased, name trimmed,
 * country upper-cased. Absent fields are absent keys, never `undefined`,
 * because Pulumi outputs cannot hold `undefined`.
 */
export interface NormalizedUser {
    email: string;
    name?: string;
    phone?: string;
    country?: string;
}

/** One thing wrong with an input: the property path and what to fix. */
export interface FieldFailure {
    property: string;
    reason: string;
}

export const EMAIL_MAX = 254;
export const LOCAL_PART_MAX = 64;
export const NAME_MAX = 200;

// Conservative on purpose: an address the vendor would refuse should fail at
// preview. RFC 5321 limits: local part ≤ 64 octets, path ≤ 254. Local part a
// dot-atom (no leading, trailing or doubled dots); the domain at least two LDH
// labels of 1 to 63 characters; the top-level label letters, or an IDN A-label
// (`xn--…`, e.g. `.xn--p1ai` for .рф), never all digits (RFC 3696 §2). The
// emulator reads the seeds the same way; tests/validity-table.ts keeps the two
// in step.
const LOCAL_RE = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TLD_RE = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{0,58}[a-z0-9])$/;
const PHONE_RE = /^\+[1-9]\d{6,14}$/;

/** Whether a trimmed, lower-cased address passes the rules above. */
export function isEmailAddress(email: string): boolean {
    if (email.length > EMAIL_MAX) return false;
    const at = email.lastIndexOf("@");
    const local = email.slice(0, at);
    if (at < 1 || local.length > LOCAL_PART_MAX || !LOCAL_RE.test(local)) return false;
    const labels = email.slice(at + 1).split(".");
    return labels.length >= 2 && labels.every((l) => LABEL_RE.test(l)) && TLD_RE.test(labels[labels.length - 1]!);
}

// Names are counted in code points, as the vendors count characters: a name
// of 200 emoji is 400 UTF-16 units but 200 characters.
const codePoints = (s: string) => [...s].length;

export const emailSchema = z.string().refine(isEmailAddress);
export const nameSchema = z.string().refine((s) => s.length > 0 && codePoints(s) <= NAME_MAX);
export const phoneSchema = z.string().regex(PHONE_RE);
export const countrySchema = z.string().length(2).refine(isCountryCode);

/** What a value is, without the value: for personal fields, whose values a message must not carry. */
function kindOf(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "a list";
    return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** Renders a value for a message: quoted and cut short, never throwing. */
export function show(value: unknown, max = 60): string {
    try {
        if (typeof value === "string") {
            const cut = value.length > max ? `${value.slice(0, max)}…` : value;
            return JSON.stringify(cut);
        }
        if (value === null) return "null";
        if (Array.isArray(value)) return "a list";
        switch (typeof value) {
            case "number":
            case "boolean":
            case "bigint":
                return `${typeof value} ${String(value)}`;
            case "object":
                return "an object";
            default:
                return `a ${typeof value}`;
        }
    } catch {
        return "an unreadable value";
    }
}

function whyNotEmail(email: string): string {
    if (/\s/.test(email)) return "it contains whitespace";
    const at = email.split("@").length - 1;
    if (at === 0) return 'it has no "@"';
    if (at > 1) return 'it has more than one "@"';
    const [local, domain] = email.split("@") as [string, string];
    if (local === "") return 'nothing comes before "@"';
    if (domain === "") return 'nothing comes after "@"';
    if (local.length > LOCAL_PART_MAX) return `the part before "@" is ${local.length} characters long; the limit is ${LOCAL_PART_MAX}`;
    if (!domain.includes(".")) return `the domain ${show(domain)} has no dot`;
    if (/\.\./.test(email) || local.startsWith(".") || local.endsWith(".") || domain.startsWith(".") || domain.endsWith("."))
        return "it has a misplaced dot";
    if (!LOCAL_RE.test(local)) return 'the part before "@" has characters an address cannot hold';
    const labels = domain.split(".");
    const bad = labels.find((l) => !LABEL_RE.test(l));
    if (bad !== undefined) {
        return bad.length > 63
            ? `the domain label ${show(bad, 20)} is ${bad.length} characters long; the limit is 63`
            : `the domain label ${show(bad)} must be letters, digits and inner hyphens`;
    }
    return `the top-level domain ${show(labels[labels.length - 1])} must be letters, or an IDN A-label starting "xn--"`;
}

const FIELD_HINTS: Readonly<Record<string, UserField>> = {
    mail: "email",
    emailaddress: "email",
    fullname: "name",
    displayname: "name",
    phonenumber: "phone",
    mobile: "phone",
    tel: "phone",
    telephone: "phone",
    countrycode: "country",
};

function unknownKeyReason(key: string, dialect: Dialect): string {
    const folded = key.toLowerCase().replace(/[^a-z]/g, "");
    const allowed = DIALECT_FIELDS[dialect];
    const guess = (allowed as readonly string[]).includes(folded) ? (folded as UserField) : FIELD_HINTS[folded];
    const hint = guess && allowed.includes(guess) ? `; did you mean "${guess}"?` : "";
    return `unknown property ${show(key)}: ${dialect} users have ${allowed.join(", ")}${hint}`;
}

function foreignFieldReason(field: UserField, dialect: Dialect): string {
    const holders = (Object.keys(DIALECT_FIELDS) as Dialect[]).filter((d) => DIALECT_FIELDS[d].includes(field));
    return `${dialect} has no ${field} field; remove ${field} (only ${holders.join(" and ")} stores it)`;
}

interface Check {
    field: string;
    reason: string;
}

/** Field-level validation without property paths; shared with rosters. */
export function checkUser(input: unknown, dialect: Dialect): { user?: NormalizedUser; problems: Check[] } {
    const problems: Check[] = [];
    try {
        if (!Object.hasOwn(DIALECT_FIELDS, dialect)) {
            return { problems: [{ field: "", reason: `unknown dialect ${show(dialect)}; use ${DIALECTS.join(", ")}` }] };
        }
        if (typeof input !== "object" || input === null || Array.isArray(input)) {
            return { problems: [{ field: "", reason: `expected a user object with an email, got ${show(input)}` }] };
        }
        const record = input as Record<string, unknown>;
        const own = (key: string): unknown => (Object.hasOwn(record, key) ? record[key] : undefined);
        const allowed = DIALECT_FIELDS[dialect] as readonly string[];
        for (const key of Object.keys(record)) {
            const value = record[key];
            // null/undefined mean "not set", the way Pulumi and YAML pass them.
            if (value === undefined || value === null) continue;
            if (key === "phone" || key === "country") {
                if (!allowed.includes(key)) problems.push({ field: key, reason: foreignFieldReason(key, dialect) });
            } else if (!allowed.includes(key)) {
                problems.push({ field: key, reason: unknownKeyReason(key, dialect) });
            }
        }
        const user: Partial<NormalizedUser> = {};

        const rawEmail = own("email");
        if (rawEmail === undefined || rawEmail === null) {
            problems.push({ field: "email", reason: "email is required" });
        } else if (typeof rawEmail !== "string") {
            problems.push({ field: "email", reason: `email must be a string, got ${kindOf(rawEmail)}` });
        } else {
            const email = rawEmail.trim().toLowerCase();
            const parsed = emailSchema.safeParse(email);
            if (email === "") problems.push({ field: "email", reason: "email is empty" });
            else if (parsed.success) user.email = email;
            else if (email.length > EMAIL_MAX)
                problems.push({
                    field: "email",
                    reason: `email ${show(rawEmail)} is ${email.length} characters long; the limit is ${EMAIL_MAX}`,
                });
            else problems.push({ field: "email", reason: `email ${show(rawEmail)} is not a valid email address (${whyNotEmail(email)})` });
        }

        const rawName = own("name");
        if (rawName !== undefined && rawName !== null) {
            if (typeof rawName !== "string") problems.push({ field: "name", reason: `name must be a string, got ${kindOf(rawName)}` });
            else {
                const name = rawName.trim();
                if (nameSchema.safeParse(name).success) user.name = name;
                else if (name === "")
                    problems.push({ field: "name", reason: `name is blank; omit it or give 1 to ${NAME_MAX} characters` });
                else
                    problems.push({
                        field: "name",
                        reason: `name ${show(rawName, 40)} is ${codePoints(name)} characters long; the limit is ${NAME_MAX}`,
                    });
            }
        }

        const rawPhone = own("phone");
        if (rawPhone !== undefined && rawPhone !== null && allowed.includes("phone")) {
            if (typeof rawPhone !== "string") problems.push({ field: "phone", reason: `phone must be a string, got ${kindOf(rawPhone)}` });
            else {
                // Trimmed only: rewriting "(415) 555-2671" would guess a country code.
                const phone = rawPhone.trim();
                if (phoneSchema.safeParse(phone).success) user.phone = phone;
                else
                    problems.push({
                        field: "phone",
                        reason: `phone ${show(rawPhone)} is not in E.164 format ("+", country code and number, digits only, 8 to 16 characters, e.g. "+14155552671")`,
                    });
            }
        }

        const rawCountry = own("country");
        if (rawCountry !== undefined && rawCountry !== null && allowed.includes("country")) {
            if (typeof rawCountry !== "string")
                problems.push({ field: "country", reason: `country must be a string, got ${show(rawCountry)}` });
            else {
                const country = rawCountry.trim().toUpperCase();
                if (countrySchema.safeParse(country).success) user.country = country;
                else {
                    const hint = countryHint(country);
                    problems.push({
                        field: "country",
                        reason: `country ${show(rawCountry)} is not an ISO 3166-1 alpha-2 code${hint ? `; did you mean "${hint}"?` : ' (two letters, e.g. "US", "GB", "FR")'}`,
                    });
                }
            }
        }

        if (problems.length > 0) return { problems };
        return { user: user as NormalizedUser, problems };
    } catch (err) {
        // Exotic inputs (throwing getters, revoked proxies) become a failure, not a crash.
        return {
            problems: [
                ...problems,
                { field: "", reason: `could not read the user: ${err instanceof Error ? err.message : "unknown error"}` },
            ],
        };
    }
}

/*
 * Row convention, shared with rosters and errors: a numeric `row` is the
 * 0-based index into the list (it matches the property path `users[3]`);
 * every human-readable reason names the 1-based row instead ("row 4: …"),
 * the way a spreadsheet counts. Numbers are for code, prose is for people.
 */
export function rowPrefix(row: number | undefined, label?: string): string {
    if (row === undefined) return "";
    return `${label ?? `row ${row + 1}`}: `;
}

export function propertyPath(base: string, row: number | undefined, field: string): string {
    const root = row === undefined ? base : `${base}[${row}]`;
    if (field === "") return root === "" ? "user" : root;
    return root === "" ? field : `${root}.${field}`;
}

/**
 * Validates and normalizes one user for a dialect. Never throws: every
 * problem is a {@link FieldFailure}, all of them at once.
 * @param opts.row 0-based index when the user is an element of a list
 *   (property `users[3].email`, reason `row 4: …`).
 */
export function validateUser(
    input: unknown,
    dialect: Dialect,
    opts: { row?: number; property?: string } = {},
): { user?: NormalizedUser; failures: FieldFailure[] } {
    const { user, problems } = checkUser(input, dialect);
    const base = opts.property ?? (opts.row === undefined ? "" : "users");
    const prefix = rowPrefix(opts.row);
    const failures = problems.map((p) => ({ property: propertyPath(base, opts.row, p.field), reason: prefix + p.reason }));
    return user ? { user, failures } : { failures };
}
