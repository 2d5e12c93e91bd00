/**
 * Secrets and isolation, through one stack with four tenants: no credential in any output, state
 * or log (but the engine's own -v=9 Configure line), and each tenant holds only its own users.
 */
import { findSecret, makeUsers, newTenant, pulumi, VendorProxy } from "../tools";
import { attempt, bench, errorLines, newResult, type ScenarioResult, stackFor, teardown, timed, writeJson } from "./steps";

export const MULTI_TENANT_PROGRAM = `
import * as fs from "node:fs";
import { TenantUser, TenantUserRoster } from "pulumi-tenant-users";

const plan = JSON.parse(fs.readFileSync("plan.json", "utf8"));
const a = plan.a.map((u: any) => new TenantUser(u.email, { ...u, connection: "a" }));
const b = plan.b.map((u: any) => new TenantUser(\`b-\${u.email}\`, { ...u, connection: "b" }));
const g = plan.gs.map((u: any) => new TenantUser(\`g-\${u.email}\`, u));
const roster = new TenantUserRoster("projects-crm", { users: plan.proj, connection: "proj" });
export const statusesA = a.map((x: TenantUser) => x.status);
export const statusesB = b.map((x: TenantUser) => x.status);
export const statusesGs = g.map((x: TenantUser) => x.status);
export const rosterCount = roster.userCount;
export const createdEmails = roster.createdEmails;
export const dialects = [...a, ...b, ...g].map((x: TenantUser) => x.dialect);
`;

export interface SecretsReport {
    result: ScenarioResult;
    /** Every credential value of the four tenants (and the wrong one tried). */
    secrets: string[];
    /** Place → hits (the line around each, the secret masked). */
    hits: Record<string, string[]>;
    /** Bytes searched per place. */
    searched: Record<string, number>;
    /** Users each tenant holds after the good `up` (emails). */
    held: { a: string[]; b: string[]; gs: string[]; projTest: string[]; projLive: string[] };
    planned: { a: string[]; b: string[]; gs: string[]; proj: string[] };
    /** The error text of the `up` against a vendor that echoes credentials in its errors. */
    errorText: string;
}

/**
 * A line of the engine's verbose log: JSON (`{"time":"…","level":"INFO","msg":"…","v":9}`, Pulumi
 * 3.259) or glog (`I1201 20:48:00.123456   4242 file.go:12] …`, older CLIs).
 */
const VERBOSE_LINE = /^(?:\{"time":"[^"]+","level":"[A-Z]+","msg":|[IWE]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ [\w.-]+:\d+\] )/gm;

/**
 * A search of a -v=9 log proves something only if the log was captured: counts its engine lines
 * (in `details`) and reports a run whose stderr holds none, or none about a TenantUser.
 */
function noteVerboseLog(r: ScenarioResult, label: string, stderr: string): void {
    const lines = stderr.match(VERBOSE_LINE)?.length ?? 0;
    r.details[`${label} log lines`] = lines;
    if (lines === 0) r.problems.push(`${label}: stderr holds no verbose engine log (${stderr.length} bytes)`);
    else if (!stderr.includes("tenant-users:TenantUser")) r.problems.push(`${label}: the verbose log never names a TenantUser`);
}

/**
 * One stack, four tenants: Zquence A (behind an echoing proxy), Zquence B and projects (named
 * connections, credentials in a secret `connections` object), Geldstuck (the default connection,
 * credentials from GELDSTUCK_* environment variables, which serve the default connection only). Runs `up -v=9 --logtostderr`,
 * then an `up` against a vendor whose error pages echo the request headers, and searches every
 * credential value in the CLI output, exported state, stack outputs and serialized providers.
 */
export async function secretsAndIsolation(opts: { size?: number } = {}): Promise<SecretsReport> {
    const n = opts.size ?? 5;
    const r = newResult("secrets", 0);
    const b = await bench();
    const proxy = await VendorProxy.start(b.emu.url);
    const hits: Record<string, string[]> = {};
    const searched: Record<string, number> = {};
    const report: SecretsReport = {
        result: r,
        secrets: [],
        hits,
        searched,
        errorText: "",
        held: { a: [], b: [], gs: [], projTest: [], projLive: [] },
        planned: { a: [], b: [], gs: [], proj: [] },
    };
    const scan = (place: string, text: string) => {
        searched[place] = (searched[place] ?? 0) + text.length;
        for (const s of report.secrets) {
            const found = findSecret(text, s);
            if (found.length) hits[place] = [...(hits[place] ?? []), ...found];
        }
    };
    await timed(r, async () => {
        try {
            const a = await newTenant(b.emu, "zquence");
            const tb = await newTenant(b.emu, "zquence");
            const gs = await newTenant(b.emu, "geldstuck");
            const pj = await newTenant(b.emu, "projects");
            report.secrets = [...a.secrets, ...tb.secrets, ...gs.secrets, ...pj.secrets];
            const plan = {
                a: makeUsers("zquence", n, "a"),
                b: makeUsers("zquence", n, "b"),
                gs: makeUsers("geldstuck", n, "g"),
                proj: makeUsers("projects", n * 4, "p"),
            };
            report.planned = {
                a: plan.a.map((u) => u.email),
                b: plan.b.map((u) => u.email),
                gs: plan.gs.map((u) => u.email),
                proj: plan.proj.map((u) => u.email),
            };
            // The same email in A and B: each tenant must get its own user.
            plan.b[0] = { ...plan.b[0]!, email: plan.a[0]!.email };
            report.planned.b[0] = plan.a[0]!.email;
            const connections = {
                a: { dialect: "zquence", baseUrl: `${proxy.url}/zquence`, ...a.credentials },
                b: { dialect: "zquence", baseUrl: tb.baseUrl, ...tb.credentials },
                proj: { dialect: "projects", baseUrl: pj.baseUrl, ...pj.credentials },
            };
            const config = {
                "tenant-users:dialect": { value: "geldstuck" },
                "tenant-users:baseUrl": { value: gs.baseUrl },
                "tenant-users:maxAttempts": "2",
                "tenant-users:connections": { value: JSON.stringify(connections), secret: true },
            };
            const env = { GELDSTUCK_PUBLIC_KEY: gs.credentials.apiKey!, GELDSTUCK_SECRET_KEY: gs.credentials.apiSecret! };
            const stack = await stackFor(b, MULTI_TENANT_PROGRAM, "rel-secrets", config, { "plan.json": plan }, { env });

            r.ups++;
            const up = await attempt(() => stack.up({ debugLogs: true }));
            if (up.failed) r.problems.push(`the up failed: ${errorLines(up.text)}`);
            scan("up -v=9 output", up.text + JSON.stringify(up.result?.diagnostics ?? []));
            scan("up outputs (decrypted)", JSON.stringify(up.result?.outputs ?? {}));
            noteVerboseLog(r, "up -v=9", up.result?.stderr ?? "");
            const outPlain = await pulumi(stack, ["stack", "output", "--json"]);
            const outShown = await pulumi(stack, ["stack", "output", "--json", "--show-secrets"]);
            // A failed command's output holds no outputs to search: a clean search of it would prove nothing.
            for (const [label, out] of [
                ["stack output --json", outPlain],
                ["stack output --show-secrets", outShown],
            ] as const) {
                if (out.code !== 0) r.problems.push(`${label} exited ${out.code}: ${out.stderr.slice(0, 500)}`);
                else if (!/"rosterCount":\s*\d+/.test(out.stdout))
                    r.problems.push(`${label} printed no rosterCount output: ${out.stdout.slice(0, 500)}`);
            }
            scan("stack output --json", outPlain.text);
            scan("stack output --show-secrets", outShown.text);
            const state = await stack.exportState();
            scan("stack export", JSON.stringify(state));
            const providers = (state.deployment.resources ?? [])
                .map((x: any) => String(x.inputs?.__provider ?? x.outputs?.__provider ?? ""))
                .filter(Boolean);
            r.details.serializedProviders = providers.length;
            scan("serialized providers", providers.join("\n"));
            r.details.providerBytes = Math.max(0, ...providers.map((p: string) => p.length));

            report.held = {
                a: (await b.emu.control.users(a.tenantId)).map((u) => u.email),
                b: (await b.emu.control.users(tb.tenantId)).map((u) => u.email),
                gs: (await b.emu.control.users(gs.tenantId)).map((u) => u.email),
                projTest: (await b.emu.control.users(pj.tenantId, "test")).map((u) => u.email),
                projLive: (await b.emu.control.users(pj.tenantId, "live")).map((u) => u.email),
            };

            // A vendor whose error envelope echoes the request headers (the engine stops at the first
            // failed create, so one kind of answer is tried here; tests/reliability/secrets.test.ts tries the others in process).
            proxy.spoil = (req) => {
                const echoed = Object.entries(req.headers)
                    .map(([k, v]) => `${k}: ${v}`)
                    .join("; ");
                return { status: 401, body: JSON.stringify({ error: { code: "unauthorized", message: `invalid credentials ${echoed}` } }) };
            };
            plan.a.push(...makeUsers("zquence", 2, "late"));
            writeJson(stack.workDir, "plan.json", plan);
            r.ups++;
            const bad = await stack.up({ debugLogs: true, expectFailure: true, parallel: 1 });
            report.errorText = bad.diagnostics
                .filter((d) => d.severity === "error")
                .map((d) => d.message)
                .join("\n");
            if (!report.errorText) r.problems.push("the up against the echoing vendor did not fail");
            noteVerboseLog(r, "failing up -v=9", bad.stderr);
            scan("failing up -v=9 output", bad.stdout + bad.stderr + JSON.stringify(bad.diagnostics));
            scan("stack export after the failure", JSON.stringify(await stack.exportState()));
            r.details.proxySpoiled = proxy.spoiled;
            // The engine itself logs the decrypted config it hands the provider at -v=9 (its
            // "Configure().inputs" line): a documented limitation of Pulumi, counted apart.
            const engineLog = /Marshaling property for RPC\[Provider\[[^\]]*\]\.Configure\(\)\.inputs\]/;
            r.details.engineConfigureLogHits = Object.values(hits).reduce(
                (s, h) => s + h.filter((l: string) => engineLog.test(l)).length,
                0,
            );
            for (const k of Object.keys(hits)) hits[k] = hits[k].filter((l: string) => !engineLog.test(l));
            const total = Object.values(hits).reduce((s, h) => s + h.length, 0);
            r.details.secretsSearched = report.secrets.length;
            r.details.bytesSearched = Object.values(searched).reduce((s, x) => s + x, 0);
            r.details.hits = total;
            if (total)
                r.problems.push(
                    `credentials found: ${Object.entries(hits)
                        .map(([k, v]) => `${k} (${v.length}): ${v[0]}`)
                        .join(" | ")}`,
                );
            r.expectedUsers = n * 3 + n * 4;
            const want = (list: string[], held: string[]) => list.filter((e) => held.includes(e)).length;
            r.foundUsers =
                want(report.planned.a, report.held.a) +
                want(report.planned.b, report.held.b) +
                want(report.planned.gs, report.held.gs) +
                want(report.planned.proj, report.held.projTest);
            r.extraUsers =
                report.held.a.length +
                report.held.b.length +
                report.held.gs.length +
                report.held.projTest.length +
                report.held.projLive.length -
                r.foundUsers;
            r.createdUsers = 0;
            if (r.foundUsers !== r.expectedUsers || r.extraUsers)
                r.problems.push(`tenants hold ${r.foundUsers}/${r.expectedUsers} intended users and ${r.extraUsers} others`);
        } finally {
            await proxy.close();
            await teardown(b);
        }
    });
    return report;
}
