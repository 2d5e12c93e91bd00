/**
 * `tenant-users fleet` through the real CLI, with the state of every stack in a throwaway
 * PostgreSQL cluster (Pulumi's DIY `postgres://` backend, which locks each stack) and the vendors
 * played by the emulator: the shape of a team's CI, on one machine.
 */
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { EmulatorControl, startEmulator } from "../../emulator";
import { checkpoint, fleetLocks, fleetStacks, type PostgresCluster, startPostgres } from "./postgres";
import { createFleet, type FleetFixture, heldEmails, requestTotals, runCli } from "./support";

describe("tenant-users fleet on a shared PostgreSQL state store", function () {
    this.timeout(600_000);
    let pg: PostgresCluster;
    let emulator: Awaited<ReturnType<typeof startEmulator>>;
    let control: EmulatorControl;
    let dir: string;
    /** The environment of every runner: the shared store and its passphrase. */
    let storeEnv: Record<string, string>;

    before(async () => {
        pg = await startPostgres();
        emulator = await startEmulator({ port: 0, seed: false });
        control = new EmulatorControl(emulator.url, emulator.controlToken);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tu-fleet-"));
        storeEnv = { PULUMI_BACKEND_URL: pg.url, PULUMI_CONFIG_PASSPHRASE: "fleet-test-passphrase" };
    });
    after(async () => {
        await emulator?.close();
        pg?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    describe("6 tenants of 500 users over two runners", () => {
        let fleet: FleetFixture;
        let requestsAfterApply: Record<string, number>;

        before(async () => {
            fleet = await createFleet({ control, emulatorUrl: emulator.url, dir, prefix: "crm", count: 6, usersPerTenant: 500 });
        });

        it("applies every tenant exactly once across shards 1/2 and 2/2 run at the same time", async () => {
            const env = { ...storeEnv, ...fleet.env };
            const common = ["fleet", "up", "--file", fleet.file, "--concurrency", "2", "--json"];
            const runs = await Promise.all([runCli([...common, "--shard", "1/2"], env), runCli([...common, "--shard", "2/2"], env)]);
            for (const run of runs) expect(run.code, run.stderr).to.equal(0);
            const results = runs.flatMap((r) => r.results);
            expect(results.map((r) => r.tenant).sort()).to.deep.equal(fleet.tenants.map((t) => t.name).sort());
            expect(runs[0].results.length - runs[1].results.length).to.be.within(-1, 1);
            for (const r of results) {
                expect(r, r.error).to.include({
                    result: "succeeded",
                    created: 500,
                    adopted: 0,
                    failed: 0,
                    stack: `tenant-users-fleet/${r.tenant}`,
                });
            }
            expect(fleetStacks(pg)).to.have.members(fleet.tenants.map((t) => t.name));
            requestsAfterApply = await requestTotals(control, fleet.tenants);
        });

        it("puts every user at its own tenant and nowhere else", async () => {
            const all = new Set(fleet.tenants.flatMap((t) => t.emails));
            expect(all.size).to.equal(6 * 500);
            for (const t of fleet.tenants) {
                expect(await heldEmails(control, t), t.name).to.deep.equal([...t.emails].sort());
            }
        });

        it("finds every stack unchanged on a third run over all tenants, without a vendor request", async () => {
            const run = await runCli(["fleet", "up", "--file", fleet.file, "--concurrency", "2", "--json"], { ...storeEnv, ...fleet.env });
            expect(run.code, run.stderr).to.equal(0);
            expect(run.results).to.have.length(6);
            for (const r of run.results) {
                expect(r, r.error).to.include({ result: "succeeded", created: 0, adopted: 0, failed: 0 });
                expect(Object.keys(r.changes), r.tenant).to.deep.equal(["same"]);
            }
            expect(await requestTotals(control, fleet.tenants)).to.deep.equal(requestsAfterApply);
        });
    });

    describe("two runners on the same tenant", () => {
        let fleet: FleetFixture;
        let runs: Awaited<ReturnType<typeof runCli>>[];

        before(async () => {
            fleet = await createFleet({ control, emulatorUrl: emulator.url, dir, prefix: "shared", count: 1, usersPerTenant: 500 });
            // A slow vendor keeps the first update, and so its lock, open while the second runner arrives.
            await control.addFault({ tenantId: fleet.tenants[0].tenantId, latencyMs: 5000 });
            const env = { ...storeEnv, ...fleet.env };
            const args = ["fleet", "up", "--file", fleet.file, "--json"];
            runs = await Promise.all([runCli(args, env), runCli(args, env)]);
            await control.clearFaults();
        });

        it("lets one runner apply while the other waits for the lock, and both succeed", () => {
            for (const run of runs) expect(run.code, run.stderr).to.equal(0);
            expect(runs.map((r) => r.results[0].created).sort((a, b) => a - b)).to.deep.equal([0, 500]);
            const waiter = runs.find((r) => r.results[0].created === 0)!;
            expect(waiter.stderr).to.include("the stack is locked by another update; retrying");
            expect(Object.keys(waiter.results[0].changes)).to.deep.equal(["same"]);
        });

        it("creates no duplicate user: the vendor got one bulk request and holds 500 users", async () => {
            const t = fleet.tenants[0];
            expect(await heldEmails(control, t)).to.deep.equal([...t.emails].sort());
            expect((await control.requests(t.tenantId)).total).to.equal(1);
        });

        it("leaves one consistent stack: one roster of 500 users, no pending operation, no lock", () => {
            const latest = checkpoint(pg, fleet.tenants[0].name).checkpoint.latest;
            const rosters = (latest.resources ?? []).filter((r) => r.type.endsWith("TenantUserRoster"));
            expect(rosters).to.have.length(1);
            expect(rosters[0].outputs?.userCount).to.equal(500);
            expect(latest.pending_operations ?? []).to.deep.equal([]);
            expect(fleetLocks(pg)).to.deep.equal([]);
        });
    });

    describe("a tenant whose vendor fails", () => {
        let fleet: FleetFixture;
        let broken: FleetFixture["tenants"][number];

        before(async () => {
            // Two attempts per request, so the failing tenant gives up in about a second.
            fleet = await createFleet({
                control,
                emulatorUrl: emulator.url,
                dir,
                prefix: "flaky",
                count: 3,
                usersPerTenant: 50,
                extra: () => ({ settings: { maxAttempts: 2 } }),
            });
            broken = fleet.tenants[1];
            await control.addFault({ tenantId: broken.tenantId, probabilities: { "500": 1 } });
        });
        after(() => control.clearFaults());

        it("fails only that tenant, applies the others, and exits 1", async () => {
            const run = await runCli(["fleet", "up", "--file", fleet.file, "--json"], { ...storeEnv, ...fleet.env });
            expect(run.code, run.stderr).to.equal(1);
            const byName = Object.fromEntries(run.results.map((r) => [r.tenant, r]));
            expect(byName[broken.name].result).to.equal("failed");
            // maxAttempts from the file's settings reached the provider.
            expect(byName[broken.name].error).to.match(/HTTP 500.*2 attempts/);
            for (const t of fleet.tenants.filter((x) => x !== broken)) {
                expect(byName[t.name], byName[t.name].error).to.include({ result: "succeeded", created: 50 });
            }
            expect(await heldEmails(control, broken)).to.deep.equal([]);
        });

        it("converges on the next run once the vendor answers again", async () => {
            await control.clearFaults();
            const run = await runCli(["fleet", "up", "--file", fleet.file, "--json"], { ...storeEnv, ...fleet.env });
            expect(run.code, run.stderr).to.equal(0);
            const byName = Object.fromEntries(run.results.map((r) => [r.tenant, r]));
            expect(byName[broken.name]).to.include({ result: "succeeded", created: 50 });
            for (const t of fleet.tenants.filter((x) => x !== broken)) expect(byName[t.name]).to.include({ created: 0 });
            expect(await heldEmails(control, broken)).to.deep.equal([...broken.emails].sort());
        });
    });

    describe("a tenant whose run fails partway", () => {
        let fleet: FleetFixture;
        let held: { afterFailure: number; afterRetry: number };
        let runs: Awaited<ReturnType<typeof runCli>>[];

        before(async () => {
            // 1,500 users are two projects bulks (1,000 and 500): one lands, the other fails for good.
            fleet = await createFleet({
                control,
                emulatorUrl: emulator.url,
                dir,
                prefix: "partway",
                count: 1,
                usersPerTenant: 1500,
                dialects: ["projects"],
                extra: () => ({ settings: { maxAttempts: 1 } }),
            });
            const t = fleet.tenants[0];
            await control.addFault({ tenantId: t.tenantId, route: "POST /v1/users", sequence: ["ok", "500"] });
            const args = ["fleet", "up", "--file", fleet.file, "--json"];
            const env = { ...storeEnv, ...fleet.env };
            runs = [await runCli(args, env)];
            const afterFailure = (await heldEmails(control, t)).length;
            await control.clearFaults();
            runs.push(await runCli(args, env));
            held = { afterFailure, afterRetry: (await heldEmails(control, t)).length };
        });

        it("counts the users of the chunk that landed, though the run failed", () => {
            expect(runs[0].code, runs[0].stderr).to.equal(1);
            expect(runs[0].results[0].result).to.equal("failed");
            expect([500, 1000]).to.include(held.afterFailure);
            expect(runs[0].results[0]).to.include({ created: held.afterFailure, adopted: 0 });
        });

        it("counts on the next run only the users that run created", () => {
            expect(runs[1].code, runs[1].stderr).to.equal(0);
            expect(held.afterRetry).to.equal(1500);
            expect(runs[1].results[0]).to.include({ result: "succeeded", created: 1500 - held.afterFailure, adopted: 0 });
        });
    });

    describe("a runner stopped by SIGTERM, as when a CI job is cancelled", () => {
        let fleet: FleetFixture;
        let stopped: Awaited<ReturnType<typeof runCli>>;

        before(async () => {
            fleet = await createFleet({ control, emulatorUrl: emulator.url, dir, prefix: "stopped", count: 1, usersPerTenant: 50 });
            const t = fleet.tenants[0];
            // A slow vendor, so the signal arrives while the roster's request is in flight.
            await control.addFault({ tenantId: t.tenantId, latencyMs: 4000 });
            let child: ChildProcess | undefined;
            const run = runCli(["fleet", "up", "--file", fleet.file, "--json"], { ...storeEnv, ...fleet.env }, (c) => (child = c));
            while ((await control.requests(t.tenantId)).total === 0) await new Promise((r) => setTimeout(r, 100));
            child!.kill("SIGTERM");
            stopped = await run;
            await control.clearFaults();
        });

        it("lets the update finish its step, records it, releases the lock and exits 1", async () => {
            expect(stopped.code, stopped.stderr).to.equal(1);
            expect(stopped.results[0]).to.include({ result: "failed", created: 50, error: "update canceled" });
            expect(fleetLocks(pg)).to.deep.equal([]);
            expect(await heldEmails(control, fleet.tenants[0])).to.have.length(50);
        });

        it("leaves the next run nothing to do", async () => {
            const run = await runCli(["fleet", "up", "--file", fleet.file, "--json"], { ...storeEnv, ...fleet.env });
            expect(run.code, run.stderr).to.equal(0);
            expect(run.results[0]).to.include({ result: "succeeded", created: 0 });
            expect(Object.keys(run.results[0].changes)).to.deep.equal(["same"]);
        });
    });

    it("rejects a bad fleet file with exit 2, naming the tenant and field, and creates no stack", async () => {
        const file = path.join(dir, "bad.yaml");
        fs.writeFileSync(
            file,
            stringify({
                tenants: [
                    {
                        name: "bad-good",
                        dialect: "zquence",
                        baseUrl: `${emulator.url}/zquence`,
                        credentials: { apiKey: "env:HOME", apiSecret: "env:HOME" },
                        users: [],
                    },
                    {
                        name: "bad-key",
                        dialect: "geldstuck",
                        baseUrl: `${emulator.url}/geldstuck`,
                        credentials: { apiKey: "env:FLEET_NOT_SET", apiSecret: "env:HOME" },
                        users: [],
                    },
                ],
            }),
        );
        const before = fleetStacks(pg);
        const run = await runCli(["fleet", "up", "--file", file, "--json"], { ...storeEnv, FLEET_NOT_SET: "" });
        expect(run.code).to.equal(2);
        expect(run.stdout).to.equal("");
        expect(run.stderr).to.include(`tenant "bad-key": credentials.apiKey: environment variable FLEET_NOT_SET is not set`);
        expect(fleetStacks(pg)).to.deep.equal(before);
    });
});
