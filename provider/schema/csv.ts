import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { ValidationError } from "../errors";
import type { UserField, UserInput } from "./user";

const FIELDS: readonly UserField[] = ["email", "name", "phone", "country"];

export interface CsvOptions {
  /**
   * Header of the column holding each field, matched case-insensitively;
   * `null` ignores a field (e.g. a CRM's phone column on Geldstuck).
   * @default auto-detected: "email", "Email Address", "Full Name", "Phone Number", "Country Code", …
   */
  columns?: Partial<Record<UserField, string | null>>;
  /** Which fields to auto-detect when `columns` does not name them. @default all four */
  fields?: readonly UserField[];
  /** File name used in error messages. @default "CSV" */
  source?: string;
}

export interface CsvRows {
  users: UserInput[];
  /** 1-based line where each user's row starts, for messages. */
  lines: number[];
}

// Headers compared with case, spaces and punctuation folded away, so
// "E-mail Address", "email_address" and "EmailAddress" are one name.
const ALIASES: Readonly<Record<UserField, readonly string[]>> = {
  email: ["email", "emailaddress", "mail", "workemail", "primaryemail", "businessemail", "contactemail"],
  name: ["name", "fullname", "displayname", "contactname", "username"],
  phone: ["phone", "phonenumber", "mobile", "mobilephone", "mobilenumber", "cellphone", "telephone", "tel", "cell"],
  country: ["country", "countrycode", "countryiso", "countryisocode", "countryregion"],
};
const FIRST_NAME = ["firstname", "givenname", "forename"];
const LAST_NAME = ["lastname", "surname", "familyname"];

const fold = (header: string) => header.toLowerCase().replace(/[^a-z0-9]/g, "");

function fail(message: string, row?: number): never {
  throw new ValidationError({ message, field: "csv", ...(row === undefined ? {} : { row }) });
}

interface Mapping {
  cells: Partial<Record<UserField, number>>;
  first?: number;
  last?: number;
}

function mapHeader(header: string[], opts: CsvOptions, source: string): Mapping {
  const folded = header.map(fold);
  const find = (names: readonly string[]) => {
    for (const n of names) {
      const i = folded.indexOf(n);
      if (i >= 0) return i;
    }
    return undefined;
  };
  const listed = header.map((h) => JSON.stringify(h)).join(", ");
  const mapping: Mapping = { cells: {} };
  const auto = opts.fields ?? FIELDS;
  for (const field of FIELDS) {
    const chosen = opts.columns?.[field];
    if (chosen === null) continue;
    if (chosen !== undefined) {
      const i = folded.indexOf(fold(chosen));
      if (i < 0) fail(`${source} line 1: no column ${JSON.stringify(chosen)} for ${field} (columns.${field}); the header has ${listed}`);
      mapping.cells[field] = i;
    } else if (auto.includes(field)) {
      const i = find(ALIASES[field]);
      if (i !== undefined) mapping.cells[field] = i;
    }
  }
  if (mapping.cells.email === undefined) {
    fail(`${source} line 1: no email column; the header has ${listed}. Name a column "email" or set columns.email to its header`);
  }
  // CRMs often split names; join them rather than drop them.
  if (mapping.cells.name === undefined && opts.columns?.name !== null && auto.includes("name")) {
    const first = find(FIRST_NAME);
    const last = find(LAST_NAME);
    if (first !== undefined) mapping.first = first;
    if (last !== undefined) mapping.last = last;
  }
  return mapping;
}

const NEWLINES = /\r\n|\r|\n/g;

/**
 * Parses a users CSV (a header row, then one user per row) into inputs for
 * the schema, with the line each row starts on. Empty cells are omitted;
 * columns that map to no field are ignored. Errors name the source and line.
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

  const users: UserInput[] = [];
  const lines: number[] = [];
  for (const { record, info } of body) {
    if (record.every((cell) => cell.trim() === "")) continue;
    const inner = record.reduce((n, cell) => n + (cell.match(NEWLINES)?.length ?? 0), 0);
    const user: Partial<UserInput> = {};
    for (const field of FIELDS) {
      const i = map.cells[field];
      const cell = i === undefined ? "" : (record[i] ?? "").trim();
      if (cell !== "") user[field] = cell;
    }
    if (user.name === undefined && (map.first !== undefined || map.last !== undefined)) {
      const parts = [map.first, map.last].map((i) => (i === undefined ? "" : (record[i] ?? "").trim())).filter((p) => p !== "");
      if (parts.length > 0) user.name = parts.join(" ");
    }
    // A row without an email stays in, so the roster reports it with its line.
    users.push(user as UserInput);
    lines.push(info.lines - inner);
  }
  return { users, lines };
}

/** {@link parseUsersCsvRows} without line numbers. */
export function parseUsersCsv(text: string, opts: CsvOptions = {}): UserInput[] {
  return parseUsersCsvRows(text, opts).users;
}

/** Reads and parses a users CSV file; errors name the path. */
export function readUsersCsv(path: string, opts: CsvOptions = {}): UserInput[] {
  return readUsersCsvRows(path, opts).users;
}

export function readUsersCsvRows(path: string, opts: CsvOptions = {}): CsvRows {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code ?? "unreadable";
    fail(`cannot read users CSV ${path}: ${why}`);
  }
  return parseUsersCsvRows(text, { ...opts, source: opts.source ?? path });
}
