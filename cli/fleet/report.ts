/** What a fleet run prints: a line per tenant as it finishes, then a table (or one JSON array). */
import type { Operation, TenantResult } from "./stack";

/** `create 2, update 1`, or `no changes` when every resource stayed the same. */
export function changesText(changes: TenantResult["changes"]): string {
    const parts = Object.entries(changes)
        .filter(([op, n]) => op !== "same" && n)
        .map(([op, n]) => `${op} ${n}`);
    return parts.length ? parts.join(", ") : "no changes";
}

/** `[3/10] acme: succeeded in 12.3s (created 500, adopted 0, failed 0; create 2)`. */
export function progressLine(r: TenantResult, done: number, total: number, operation: Operation): string {
    const head = `[${done}/${total}] ${r.tenant}: ${r.result} in ${r.seconds.toFixed(1)}s`;
    if (r.result === "failed") return `${head}: ${r.error}`;
    // A preview sends nothing: only its plan is news.
    if (operation === "preview") return `${head} (plan: ${changesText(r.changes)})`;
    return `${head} (created ${r.created}, adopted ${r.adopted}, failed ${r.failed}; ${changesText(r.changes)})`;
}

/** The final table, aligned, with a summary line and each failure's message. */
export function resultTable(results: readonly TenantResult[]): string {
    const head = ["tenant", "result", "created", "adopted", "failed", "seconds", "changes"];
    const rows = results.map((r) => [
        r.tenant,
        r.result,
        String(r.created),
        String(r.adopted),
        String(r.failed),
        r.seconds.toFixed(1),
        changesText(r.changes),
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    // Numbers right-aligned, text left-aligned.
    const numeric = (i: number) => i >= 2 && i <= 5;
    const line = (cells: string[]) =>
        cells
            .map((c, i) => (numeric(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
            .join("  ")
            .trimEnd();
    const failed = results.filter((r) => r.result === "failed");
    const out = [line(head), ...rows.map(line)];
    out.push("", `${results.length - failed.length} of ${results.length} tenant${results.length === 1 ? "" : "s"} succeeded`);
    for (const r of failed) out.push(`  ${r.tenant}: ${r.error}`);
    return out.join("\n");
}

/** The `--json` document: the results as specified, nothing else on stdout. */
export function resultJson(results: readonly TenantResult[]): string {
    return JSON.stringify(
        results.map((r) => ({
            tenant: r.tenant,
            stack: r.stack,
            result: r.result,
            created: r.created,
            adopted: r.adopted,
            failed: r.failed,
            seconds: r.seconds,
            changes: r.changes,
            ...(r.error === undefined ? {} : { error: r.error }),
        })),
        null,
        2,
    );
}
