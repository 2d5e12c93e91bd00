import { checkUser, propertyPath, rowPrefix, show } from "./user";
import type { Dialect, FieldFailure, NormalizedUser } from "./user";

/** A row left out of a roster in `"report"` mode. `row` is the 0-based index. */
export interface InvalidRow {
    row: number;
    email?: string;
    field: string;
    reason: string;
}

export interface RosterOptions {
    /** `"fail"`: invalid rows are failures; `"report"`: they are skipped and listed in `invalid`. */
    onInvalid: "fail" | "report";
    /** How many invalid rows to list before summing up the rest. @default 20 */
    maxListed?: number;
    /** Property path of the list. @default "users" */
    property?: string;
    /**
     * Names a row in reasons. A row's own `source` string (readUsersCsv sets "crm.csv line 4") is
     * added in parentheses: "row 3 (crm.csv line 4): email is required".
     * @default (i) => `row ${i + 1}`
     */
    rowLabel?: (row: number) => string;
}

export interface RosterResult {
    /** Valid users, de-duplicated by normalized email, in first-seen order. */
    users: NormalizedUser[];
    invalid: InvalidRow[];
    failures: FieldFailure[];
}

const DEFAULT_MAX_LISTED = 20;

function sameUser(a: NormalizedUser, b: NormalizedUser): boolean {
    return a.name === b.name && a.phone === b.phone && a.country === b.country;
}

function differences(a: NormalizedUser, b: NormalizedUser): string {
    const fields = (["name", "phone", "country"] as const).filter((f) => a[f] !== b[f]);
    return fields
        .map((f) => `${f} ${a[f] === undefined ? "(none)" : show(a[f])} vs ${b[f] === undefined ? "(none)" : show(b[f])}`)
        .join(", ");
}

/**
 * Validates a list of users for a dialect. Never throws.
 *
 * Duplicate emails (after normalization): identical rows merge silently;
 * rows that disagree are a failure in both modes, naming both rows, because
 * choosing which version of a user you meant is not ours to guess.
 */
export function validateRoster(rows: unknown, dialect: Dialect, opts: RosterOptions): RosterResult {
    const property = opts.property ?? "users";
    const maxListed = Math.max(0, opts.maxListed ?? DEFAULT_MAX_LISTED);
    const users: NormalizedUser[] = [];
    const invalid: InvalidRow[] = [];
    // Failures grouped by row, so the cap counts rows rather than fields.
    const problemRows: FieldFailure[][] = [];

    if (!Array.isArray(rows)) {
        return { users, invalid, failures: [{ property, reason: `${property} must be a list of users, got ${show(rows)}` }] };
    }

    const seen = new Map<string, { row: number; user: NormalizedUser; name: string }>();
    const label = (row: number, source: string | undefined) => {
        const base = (opts.rowLabel ? safeLabel(opts.rowLabel, row) : undefined) ?? `row ${row + 1}`;
        return source === undefined ? base : `${base} (${source})`;
    };

    for (let row = 0; row < rows.length; row++) {
        const { input, source } = withoutSource(rows[row]);
        const { user, problems } = checkUser(input, dialect);
        if (!user) {
            const prefix = rowPrefix(row, label(row, source));
            if (opts.onInvalid === "report") {
                const email = rawEmail(input);
                for (const p of problems) {
                    const entry: InvalidRow = { row, field: p.field, reason: prefix + p.reason };
                    if (email !== undefined) entry.email = email;
                    invalid.push(entry);
                }
            } else {
                problemRows.push(problems.map((p) => ({ property: propertyPath(property, row, p.field), reason: prefix + p.reason })));
            }
            continue;
        }
        const first = seen.get(user.email);
        if (!first) {
            seen.set(user.email, { row, user, name: label(row, source) });
            users.push(user);
        } else if (!sameUser(first.user, user)) {
            problemRows.push([
                {
                    property: propertyPath(property, row, "email"),
                    reason: `${label(row, source)}: email ${show(user.email)} also appears in ${first.name} with a different ${differences(first.user, user)}; keep one row per email`,
                },
            ]);
        }
    }

    const failures = problemRows.slice(0, maxListed).flat();
    const more = problemRows.length - Math.min(maxListed, problemRows.length);
    if (more > 0) failures.push({ property, reason: `…and ${more} more invalid row${more === 1 ? "" : "s"}` });
    return { users, invalid, failures };
}

/**
 * A row's `source` (where it came from, e.g. "crm.csv line 4", as readUsersCsv sets it) names the
 * row in reasons and is not a user field. It travels in the row itself because rows reach the
 * provider as JSON, where nothing but enumerable fields survives.
 */
function withoutSource(row: unknown): { input: unknown; source?: string } {
    try {
        if (typeof row !== "object" || row === null || Array.isArray(row)) return { input: row };
        const { source, ...input } = row as Record<string, unknown>;
        return typeof source === "string" ? { input, source: source.slice(0, 200) } : { input: row };
    } catch {
        return { input: row };
    }
}

function rawEmail(row: unknown): string | undefined {
    try {
        if (typeof row !== "object" || row === null) return undefined;
        if (!Object.hasOwn(row, "email")) return undefined;
        const email = (row as Record<string, unknown>).email;
        return typeof email === "string" ? email.trim().slice(0, 320) : undefined;
    } catch {
        return undefined;
    }
}

function safeLabel(fn: (row: number) => string, row: number): string | undefined {
    try {
        return fn(row);
    } catch {
        return undefined;
    }
}
