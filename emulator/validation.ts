/**
 * The emulator's own reading of the seeds' field rules. Deliberately
 * independent of `provider/`: the two readings are compared by the tests.
 */
import { BulkRowErrors, Errors, ProjectsReasons } from "./errors";
import type { BulkRowError, ErrorDef, ProjectsInvalidReason } from "./errors";

export const MAX_EMAIL_LENGTH = 254;
export const MAX_NAME_LENGTH = 200;
export const MAX_ZQ_BULK = 10_000;
export const MAX_PROJECTS_BATCH = 1_000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
// Letters, or an IDN A-label such as `xn--p1ai` (.рф): IANA delegates those,
// and RFC 5321's domain grammar allows any LDH label; never all digits (RFC 3696 §2).
const TLD = /^(?:[A-Za-z]{2,63}|[Xx][Nn]--[A-Za-z0-9-]{0,58}[A-Za-z0-9])$/;
const E164 = /^\+[1-9][0-9]{6,14}$/;

/** ISO 3166-1 alpha-2, the 249 officially assigned codes. */
export const COUNTRY_CODES: ReadonlySet<string> = new Set(
    (
        "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
        "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
        "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT " +
        "JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY " +
        "MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM " +
        "PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
        "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
        "UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
    ).split(" "),
);

/** Emails are compared case-insensitively after trimming, and stored lower case. */
export function normalizeEmail(email: string): string {
    return email.trim().toLowerCase();
}

/** `local@domain.tld`: ASCII, dot-atom local part ≤ 64, at least two domain labels, alphabetic or `xn--` TLD. */
export function isValidEmail(normalized: string): boolean {
    if (normalized.length === 0 || normalized.length > MAX_EMAIL_LENGTH) return false;
    const at = normalized.lastIndexOf("@");
    if (at <= 0 || at > 64) return false;
    if (!LOCAL_PART.test(normalized.slice(0, at))) return false;
    const labels = normalized.slice(at + 1).split(".");
    if (labels.length < 2) return false;
    if (!TLD.test(labels[labels.length - 1]!)) return false;
    return labels.every((label) => DOMAIN_LABEL.test(label));
}

/** E.164: `+`, a non-zero digit, then 6 to 14 digits. */
export function isValidPhone(phone: string): boolean {
    return E164.test(phone);
}

/** A name is 1 to 200 characters and not only whitespace. */
export function isValidName(name: string): boolean {
    if (name.length === 0 || name.trim().length === 0) return false;
    // UTF-16 length bounds the code point count from above: only count when it might exceed.
    return name.length <= MAX_NAME_LENGTH || [...name].length <= MAX_NAME_LENGTH;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A validated Zquence/Geldstuck user. */
export interface TenantsApiUserInput {
    email: string;
    name: string | null;
    phone: string | null;
}

export type TenantsApiCheck = { ok: true; user: TenantsApiUserInput } | { ok: false; error: ErrorDef; rowError: BulkRowError };

/**
 * Checks one Zquence/Geldstuck user: email, then name, then phone (Zquence
 * only; Geldstuck ignores `phone` like any unknown field). `null` means absent.
 */
export function checkTenantsApiUser(input: unknown, allowPhone: boolean): TenantsApiCheck {
    if (!isPlainObject(input)) return { ok: false, error: Errors.bodyNotObject, rowError: BulkRowErrors.userInvalid };
    const rawEmail = input.email;
    if (rawEmail === undefined || rawEmail === null || rawEmail === "") {
        return { ok: false, error: Errors.emailMissing, rowError: BulkRowErrors.emailInvalid };
    }
    if (typeof rawEmail !== "string") return { ok: false, error: Errors.emailInvalid, rowError: BulkRowErrors.emailInvalid };
    const email = normalizeEmail(rawEmail);
    if (!isValidEmail(email)) return { ok: false, error: Errors.emailInvalid, rowError: BulkRowErrors.emailInvalid };
    const rawName = input.name;
    let name: string | null = null;
    if (rawName !== undefined && rawName !== null) {
        if (typeof rawName !== "string" || !isValidName(rawName)) {
            return { ok: false, error: Errors.nameInvalid, rowError: BulkRowErrors.nameInvalid };
        }
        name = rawName;
    }
    let phone: string | null = null;
    const rawPhone = input.phone;
    if (allowPhone && rawPhone !== undefined && rawPhone !== null) {
        if (typeof rawPhone !== "string" || !isValidPhone(rawPhone)) {
            return { ok: false, error: Errors.phoneInvalid, rowError: BulkRowErrors.phoneInvalid };
        }
        phone = rawPhone;
    }
    return { ok: true, user: { email, name, phone } };
}

/** A validated projects user. */
export interface ProjectsUserInput {
    email: string;
    name: string | null;
    country: string | null;
}

export type ProjectsCheck = { ok: true; user: ProjectsUserInput } | { ok: false; reason: ProjectsInvalidReason };

/** Email presence and format only; the duplicate check sits between email and the other fields. */
export function checkProjectsEmail(input: unknown): { ok: true; email: string } | { ok: false; reason: ProjectsInvalidReason } {
    if (!isPlainObject(input)) return { ok: false, reason: ProjectsReasons.missingEmail };
    const raw = input.email;
    if (raw === undefined || raw === null || (typeof raw === "string" && raw.trim() === "")) {
        return { ok: false, reason: ProjectsReasons.missingEmail };
    }
    if (typeof raw !== "string") return { ok: false, reason: ProjectsReasons.invalidEmail };
    const email = normalizeEmail(raw);
    return isValidEmail(email) ? { ok: true, email } : { ok: false, reason: ProjectsReasons.invalidEmail };
}

/** Name, then country (upper-cased before it is checked). `null` means absent. */
export function checkProjectsRest(input: Record<string, unknown>, email: string): ProjectsCheck {
    const rawName = input.name;
    let name: string | null = null;
    if (rawName !== undefined && rawName !== null) {
        if (typeof rawName !== "string" || !isValidName(rawName)) return { ok: false, reason: ProjectsReasons.invalidName };
        name = rawName;
    }
    const rawCountry = input.country;
    let country: string | null = null;
    if (rawCountry !== undefined && rawCountry !== null) {
        if (typeof rawCountry !== "string") return { ok: false, reason: ProjectsReasons.invalidCountry };
        const upper = rawCountry.toUpperCase();
        if (!COUNTRY_CODES.has(upper)) return { ok: false, reason: ProjectsReasons.invalidCountry };
        country = upper;
    }
    return { ok: true, user: { email, name, country } };
}

/** The email as the caller sent it, for echoing in per-row results; `null` when it was not a string. */
export function emailAsSent(input: unknown): string | null {
    if (!isPlainObject(input)) return null;
    const raw = input.email;
    return typeof raw === "string" ? raw : null;
}
