import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parse } from "csv-parse/sync";
import { ValidationError } from "../errors";
import { toCountryCode } from "./countries";
import type { UserField, UserInput } from "./user";

const FIELDS: readonly UserField[] = ["email", "name", "phone", "country"];

export interface CsvOptions {
    /**
     * Header of the column holding each field, matched case-insensitively;
     * `null` ignores a field (e.g. a CRM's phone column on Geldstuck).
     * @default auto-detected: HubSpot, Salesforce and Pipedrive headers ("Email", "Person - Email - Work",
     *   "Phone Number", "Mobile", "Country/Region", "Mailing Country", …); in a row where the first
     *   recognised column is empty, the next one is used
     */
    columns?: Partial<Record<UserField, string | null>>;
    /**
     * Which fields the rows carry, when `columns` does not name them (e.g. `["email", "name", "phone"]`
     * for Zquence, which stores no country). A country column is still read for national phone numbers.
     * @default all four
     */
    fields?: readonly UserField[];
    /** File name used in error messages. @default "CSV" (readUsersCsv: the path) */
    source?: string;
    /**
     * Country of national phone numbers ("(415) 555-2671") in rows whose own country cell is empty
     * or unknown: an ISO 3166-1 code or an English name.
     * @default none: a national number in such a row stays as given, and the roster reports the row
     * @example defaultCountry: "US"
     */
    defaultCountry?: string;
}

/** A CSV row: the user's fields, and where the row is, e.g. "crm.csv line 4", for a roster's messages. */
export interface CsvUser extends UserInput {
    source: string;
}

export interface CsvRows {
    users: CsvUser[];
    /** 1-based line where each user's row starts, for messages. */
    lines: number[];
}

// Headers compared with case, spaces and punctuation folded away, so
// "E-mail Address", "email_address" and "EmailAddress" are one name.
// Within a field, earlier names are preferred.
const ALIASES: Readonly<Record<UserField, readonly string[]>> = {
    email: ["email", "emailaddress", "mail", "workemail", "primaryemail", "businessemail", "contactemail"],
    name: ["name", "fullname", "displayname", "contactname", "username"],
    phone: [
        "phone",
        "phonenumber",
        "mobile",
        "mobilephone",
        "mobilephonenumber",
        "mobilenumber",
        "cellphone",
        "telephone",
        "tel",
        "cell",
        "workphone",
        "businessphone",
        "homephone",
        "otherphone",
    ],
    country: [
        "country",
        "countrycode",
        "countryiso",
        "countryisocode",
        "countryregion",
        "mailingcountrycode",
        "mailingcountry",
        "othercountrycode",
        "othercountry",
    ],
};
const FIRST_NAME = ["firstname", "givenname", "forename"];
const LAST_NAME = ["lastname", "surname", "familyname"];

const fold = (header: string) => header.toLowerCase().replace(/[^a-z0-9]/g, "");

// Pipedrive writes "Person - Email - Work": the entity ("Person") goes first, the kind of
// address last. Other entities ("Organization - Name") are not the person, so they keep their prefix.
const KINDS = new Set(["work", "home", "mobile", "other", "main", "primary", "personal"]);
function headerKey(header: string): string {
    const parts = header.split(/\s+-\s+/);
    if (parts.length > 1 && fold(parts[0]!) === "person") parts.shift();
    if (parts.length > 1 && KINDS.has(fold(parts[parts.length - 1]!))) parts.pop();
    return fold(parts.join(""));
}

function fail(message: string, row?: number, field = "csv"): never {
    throw new ValidationError({ message, field, ...(row === undefined ? {} : { row }) });
}

interface Mapping {
    /** Columns per field, most preferred first. */
    cells: Partial<Record<UserField, number[]>>;
    /** Fields the rows carry (the country column may be read for phones only). */
    carried: Set<UserField>;
    first: number[];
    last: number[];
}

function mapHeader(header: string[], opts: CsvOptions, source: string): Mapping {
    const folded = header.map(fold);
    const keys = header.map(headerKey);
    const find = (names: readonly string[]) => names.flatMap((n) => keys.flatMap((k, i) => (k === n ? [i] : [])));
    const listed = header.map((h) => JSON.stringify(h)).join(", ");
    const auto = opts.fields ?? FIELDS;
    const mapping: Mapping = { cells: {}, carried: new Set(), first: [], last: [] };
    for (const field of FIELDS) {
        const chosen = opts.columns?.[field];
        if (chosen === null) continue;
        if (chosen !== undefined) {
            const i = folded.indexOf(fold(chosen));
            if (i < 0)
                fail(`${source} line 1: no column ${JSON.stringify(chosen)} for ${field} (columns.${field}); the header has ${listed}`);
            mapping.cells[field] = [i];
            mapping.carried.add(field);
        } else if (auto.includes(field) || field === "country") {
            const found = find(ALIASES[field]);
            if (found.length > 0) mapping.cells[field] = found;
            if (auto.includes(field)) mapping.carried.add(field);
        }
    }
    if (mapping.cells.email === undefined) {
        fail(`${source} line 1: no email column; the header has ${listed}. Name a column "email" or set columns.email to its header`);
    }
    // CRMs often split names; join them rather than drop them.
    if (opts.columns?.name === undefined && auto.includes("name")) {
        mapping.first = find(FIRST_NAME);
        mapping.last = find(LAST_NAME);
    }
    return mapping;
}

function phoneRegion(opts: CsvOptions, source: string): string | undefined {
    if (opts.defaultCountry === undefined) return undefined;
    const code = toCountryCode(opts.defaultCountry);
    if (code === undefined) {
        fail(
            `${source}: defaultCountry ${JSON.stringify(opts.defaultCountry)} is not a country (an ISO 3166-1 code such as "US", or an English name)`,
            undefined,
            "defaultCountry",
        );
    }
    return code;
}

type PhoneLib = typeof import("libphonenumber-js");
let phoneLib: PhoneLib | undefined;
// Loaded on the first phone cell: it takes ~100 ms, and this module is also loaded by every
// provider process, which never reads a CSV.
const phones = (): PhoneLib => (phoneLib ??= require("libphonenumber-js") as PhoneLib);

/**
 * "+44 20 7946 0958", or "(415) 555-2671" with region "US", in E.164. A number that cannot be
 * parsed, has an impossible length, or has an extension (E.164 has none) stays as given, so
 * the roster reports the row rather than storing a guess.
 */
function toE164(cell: string, region: string | undefined): string {
    const lib = phones();
    const defaultCountry = region !== undefined && lib.isSupportedCountry(region) ? region : undefined;
    const parsed = lib.parsePhoneNumberFromString(cell, { extract: false, ...(defaultCountry ? { defaultCountry } : {}) });
    if (!parsed?.isPossible() || parsed.ext) return cell;
    return parsed.number;
}

const NEWLINES = /\r\n|\r|\n/g;

/**
 * Parses a users CSV (a header row, then one user per row) into inputs for
 * the schema, with the line each row starts on. Empty cells are omitted;
 * columns that map to no field are ignored. Errors name the source and line.
 *
 * CRM exports come as they are: phones become E.164 with libphonenumber-js
 * (national numbers placed by the row's own country, else `defaultCountry`),
 * countries become ISO 3166-1 alpha-2 with i18n-iso-countries (English names
 * and aliases, alpha-3 and alpha-2 codes in any case). A value neither
 * recognises stays as given, and so does a row without an email: each row
 * carries `source` ("crm.csv line 4"), so a roster names the line of every
 * invalid row. (`source` is not a TenantUser argument: pick the fields
 * before passing a row to one.)
 */
export function parseUsersCsvRows(text: string, opts: CsvOptions = {}): CsvRows {
    const source = opts.source ?? "CSV";
    let records: { record: string[]; info: { lines: number } }[];
    try {
        records = parse(text, {
            bom: true,
            info: true,
            skip_empty_lines: true,
            record_delimiter: ["\r\n", "\n", "\r"],
        }) as unknown as { record: string[]; info: { lines: number } }[];
    } catch (err) {
        const e = err as { code?: string; lines?: number; message?: string };
        const line = e.lines ?? 0;
        if (e.code === "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH") {
            const m = /expect (\d+), got (\d+)/.exec(e.message ?? "");
            const counts = m ? `${m[2]} cells but the header has ${m[1]}` : "a different number of cells than the header";
            fail(`${source} line ${line}: the row has ${counts} (quote values that contain commas)`);
        }
        if (e.code === "CSV_QUOTE_NOT_CLOSED") fail(`${source} line ${line}: a quoted value is never closed`);
        fail(`${source} line ${line}: not valid CSV (${e.message ?? "unknown error"})`);
    }
    const [head, ...body] = records;
    if (!head) fail(`${source} is empty: expected a header row naming at least an email column`);
    const map = mapHeader(head.record, opts, source);
    const region = phoneRegion(opts, source);
    const file = basename(source);

    const users: CsvUser[] = [];
    const lines: number[] = [];
    for (const { record, info } of body) {
        if (record.every((cell) => cell.trim() === "")) continue;
        const inner = record.reduce((n, cell) => n + (cell.match(NEWLINES)?.length ?? 0), 0);
        const line = info.lines - inner;
        const cell = (i: number) => (record[i] ?? "").trim();
        const firstOf = (columns: number[] | undefined) => (columns ?? []).map(cell).find((c) => c !== "");
        const user: Partial<UserInput> = {};
        for (const field of FIELDS) {
            const value = firstOf(map.cells[field]);
            if (value !== undefined && map.carried.has(field)) user[field] = value;
        }
        if (user.name === undefined) {
            const parts = [firstOf(map.first), firstOf(map.last)].filter((p) => p !== undefined);
            if (parts.length > 0) user.name = parts.join(" ");
        }
        // Unknown values stay as given: the roster then reports the row with its line.
        const country = firstOf(map.cells.country);
        const code = country === undefined ? undefined : toCountryCode(country);
        if (user.country !== undefined && code !== undefined) user.country = code;
        // The row's own country places a national number best; then the option.
        if (user.phone !== undefined) user.phone = toE164(user.phone, code ?? region);
        // A row without an email stays in, so the roster reports it with its line.
        users.push({ ...(user as UserInput), source: `${file} line ${line}` });
        lines.push(line);
    }
    return { users, lines };
}

/** {@link parseUsersCsvRows} without line numbers. */
export function parseUsersCsv(text: string, opts: CsvOptions = {}): CsvUser[] {
    return parseUsersCsvRows(text, opts).users;
}

/**
 * Reads and parses a users CSV file (see {@link parseUsersCsvRows}); errors name the path.
 * @example readUsersCsv("hubspot-export.csv", { defaultCountry: "US", fields: ["email", "name", "phone"] })
 */
export function readUsersCsv(path: string, opts: CsvOptions = {}): CsvUser[] {
    return readUsersCsvRows(path, opts).users;
}

export function readUsersCsvRows(path: string, opts: CsvOptions = {}): CsvRows {
    let text: string;
    try {
        text = readFileSync(path, "utf8");
    } catch (err) {
        const code = (err as { code?: string }).code;
        const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (code ?? "unreadable");
        fail(`cannot read users CSV ${path}: ${why}`);
    }
    return parseUsersCsvRows(text, { ...opts, source: opts.source ?? path });
}
