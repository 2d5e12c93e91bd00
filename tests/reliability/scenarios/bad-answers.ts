/**
 * Malformed error answers from the vendor, through the CLI: each `up` fails naming the endpoint and
 * records no user as settled; once the vendor answers properly, one `up` converges. (A success
 * status with a body we cannot read is not an error: the vendor has committed, so its users are
 * recorded `present` with a warning; tests/provider/answer-variants.test.ts covers that.)
 */
import { VendorProxy } from "../tools";
import {
    attempt,
    bench,
    errorLines,
    newResult,
    openTenant,
    ROSTER_PROGRAM,
    type ScenarioResult,
    settle,
    stackFor,
    teardown,
    timed,
} from "./steps";

export const HTML_PAGE =
    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>upstream connect error</p></body></html>";

/**
 * A roster behind a proxy that answers its bulks (without forwarding them) with a gateway's HTML
 * page (HTTP 502), then truncated JSON (503), then JSON of the wrong types (500): each `up` fails
 * with an error naming the endpoint and records no user as settled (the users of a call whose
 * answer may have been lost are unsettled, sent again next time); once the vendor answers
 * properly, one `up` converges.
 */
export async function malformedAnswers(opts: { size: number; kinds?: ("html" | "truncated" | "wrong-types")[] }): Promise<ScenarioResult> {
    const r = newResult("malformed-answers", opts.size);
    const b = await bench();
    const proxy = await VendorProxy.start(b.emu.url);
    return timed(r, async () => {
        try {
            const { tenant, users } = await openTenant(b, "zquence", opts.size, "answer");
            const config = { ...tenant.config, "tenant-users:baseUrl": { value: `${proxy.url}/zquence` }, "tenant-users:maxAttempts": "2" };
            const stack = await stackFor(
                b,
                ROSTER_PROGRAM,
                "rel-bad-answers",
                config,
                { "users.json": users, "options.json": { chunkSize: opts.size } },
                { inline: true },
            );
            const all: Record<string, { status: number; body: string }> = {
                html: { status: 502, body: HTML_PAGE },
                truncated: { status: 503, body: '{"error": {"code": "unavailable", "mess' },
                "wrong-types": { status: 500, body: '{"error": ["internal", 42]}' },
            };
            const answers = Object.fromEntries(Object.entries(all).filter(([k]) => !opts.kinds || opts.kinds.includes(k as "html")));
            const errors: Record<string, string> = {};
            for (const [kind, { status, body }] of Object.entries(answers)) {
                proxy.spoil = () => ({
                    status,
                    body,
                    headers: { "content-type": kind === "html" ? "text/html" : "application/json" },
                });
                r.ups++;
                const up = await stack.up({ expectFailure: true });
                const text =
                    up.diagnostics
                        .filter((d) => d.severity === "error")
                        .map((d) => d.message)
                        .join("\n") || up.stderr;
                errors[kind] = text;
                if (!text.includes("POST /v1/tenants/add-user-bulk"))
                    r.problems.push(`${kind}: the error does not name the endpoint: ${text.slice(0, 300)}`);
                if (!/MalformedResponse|cannot use|not JSON|non-JSON|unexpected shape|HTTP 50\d/i.test(text))
                    r.problems.push(`${kind}: the error does not say the answer was malformed: ${text.slice(0, 300)}`);
                if (/TypeError|ReferenceError|Unexpected struct|at .*\.js:\d+/.test(text))
                    r.problems.push(`${kind}: looks like a crash: ${text.slice(0, 300)}`);
                const state = await stack.exportState();
                const roster = (state.deployment.resources ?? []).find((x: any) => String(x.type).endsWith("TenantUserRoster"));
                const recorded = Number(roster?.outputs?.userCount ?? 0);
                if (recorded !== 0) r.problems.push(`${kind}: state records ${recorded} users the vendor never confirmed`);
            }
            r.details.spoiledAnswers = proxy.spoiled;
            r.messages.push(
                ...Object.entries(errors).map(
                    ([k, v]) => `${k}: ${v.split("\n").find((l) => l.includes("add-user-bulk")) ?? v.slice(0, 200)}`,
                ),
            );
            proxy.spoil = undefined;
            r.ups++;
            const up = await attempt(() => stack.up());
            if (up.failed) r.problems.push(`the up after the vendor recovered failed: ${errorLines(up.text)}`);
            r.requests = (await b.emu.control.requests(tenant.tenantId)).total;
            await settle(b, tenant, users, stack, r);
        } finally {
            await proxy.close();
            await teardown(b);
        }
    });
}
