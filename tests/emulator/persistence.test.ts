/** The database file survives restarts, and a bulk is all-or-nothing even under kill -9. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { EmulatorControl, type TenantsApiTenant } from "../../emulator/index";
import { addUser, addUserBulk, eventually, makeUsers, startHarness, startReceiver } from "./helpers";

const CLI = join(__dirname, "..", "..", "emulator", "cli.js");

describe("persistence", function () {
    this.timeout(30_000);
    let dir: string;
    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), "emulator-persistence-"));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("keeps its database, which holds every tenant's keys, readable by its owner only", async () => {
        const dbPath = join(dir, "state", "emulator.db");
        const h = await startHarness({ dbPath });
        try {
            await h.control.createTenant("projects");
            expect(statSync(dbPath).mode & 0o777).to.equal(0o600);
            expect(statSync(join(dir, "state")).mode & 0o777).to.equal(0o700);
        } finally {
            await h.close();
        }
    });

    it("keeps users and idempotency records across a restart on the same database file", async () => {
        const dbPath = join(dir, "emulator.db");
        const first = await startHarness({ dbPath });
        const t = await first.control.createTenant("zquence");
        const created = await addUser(t, { email: "ada@example.com", name: "Ada" }, { "Idempotency-Key": "restart-1" });
        await addUserBulk(t, makeUsers(1_000, "kept"));
        await first.close();

        const second = await startHarness({ dbPath, port: 0 });
        try {
            const moved = { ...t, baseUrl: `${second.url}/zquence` };
            expect(await second.control.users(t.tenantId)).to.have.length(1_001);
            const replay = await addUser(moved, { email: "ada@example.com", name: "Ada" }, { "Idempotency-Key": "restart-1" });
            expect(replay.headers["idempotent-replayed"]).to.equal("true");
            expect(replay.text).to.equal(created.text);
            expect((await addUser(moved, { email: "other@example.com" }, { "Idempotency-Key": "restart-1" })).status).to.equal(422);
            expect((await addUser({ ...t, baseUrl: `${second.url}/zquence` }, { email: "kept-0@example.com" })).status).to.equal(200);
        } finally {
            await second.close();
        }
    });

    it("delivers after a restart the webhook events a previous run left undelivered", async () => {
        const dbPath = join(dir, "emulator.db");
        const down = await startReceiver(() => 503);
        const first = await startHarness({ dbPath });
        const t = await first.control.createTenant("geldstuck", { webhookUrl: down.url });
        await addUser(t, { email: "late@example.com" });
        await eventually(() => down.received.length >= 1);
        await first.close();
        await down.close();

        const up = await startReceiver();
        const second = await startHarness({ dbPath });
        try {
            await second.control.setWebhook(t.tenantId, up.url);
            await eventually(() => up.received.length === 1);
            expect(JSON.parse(up.received[0]!.body).data.user.email).to.equal("late@example.com");
            expect(up.received[0]!.headers["webhook-id"]).to.equal(down.received[0]!.headers["webhook-id"]);
        } finally {
            await second.close();
            await up.close();
        }
    });

    describe("kill -9 in the middle of a 10,000-user bulk", () => {
        /** Starts the CLI on `dbPath` and resolves with its URL once it listens. */
        function startCli(dbPath: string): Promise<{ child: ChildProcess; url: string }> {
            return new Promise((resolve, reject) => {
                const child = spawn(process.execPath, [CLI, "--port", "0", "--db", dbPath, "--no-seed"], {
                    stdio: ["ignore", "pipe", "pipe"],
                });
                let out = "";
                child.stdout!.on("data", (chunk: Buffer) => {
                    out += chunk.toString();
                    const m = /listening on (http:\/\/[^\s]+)/.exec(out);
                    if (m) resolve({ child, url: m[1]! });
                });
                child.on("exit", (code) => reject(new Error(`emulator exited with ${code}: ${out}`)));
            });
        }

        function killed(child: ChildProcess): Promise<void> {
            return new Promise((resolve) => {
                if (child.exitCode !== null || child.signalCode !== null) return resolve();
                child.once("exit", () => resolve());
            });
        }

        /** Writes the whole bulk; once its last byte has left, waits `delayMs` then SIGKILLs, or (no delay) times the answer. */
        function sendBulk(child: ChildProcess, url: string, t: TenantsApiTenant, body: string, delayMs: number | null): Promise<number> {
            return new Promise((resolve) => {
                const req = httpRequest(`${url}/zquence/v1/tenants/add-user-bulk`, {
                    method: "POST",
                    headers: {
                        "content-type": "application/json",
                        "content-length": Buffer.byteLength(body),
                        "x-api-key": t.apiKey,
                        "x-api-secret": t.apiSecret,
                    },
                });
                let sentAt = 0;
                req.on("error", () => undefined); // the connection dies with the process
                req.on("response", (res) => {
                    res.resume();
                    res.on("end", () => delayMs === null && resolve(performance.now() - sentAt));
                });
                req.end(body, () => {
                    sentAt = performance.now();
                    if (delayMs === null) return;
                    setTimeout(() => {
                        child.kill("SIGKILL");
                        void killed(child).then(() => resolve(delayMs));
                    }, delayMs);
                });
            });
        }

        it("leaves all of the bulk or none of it, whatever the moment of the kill", async () => {
            const dbPath = join(dir, "kill.db");
            let { child, url } = await startCli(dbPath);
            const tenant = await new EmulatorControl(url).createTenant("zquence");
            const bulk = (prefix: string) => JSON.stringify(makeUsers(10_000, prefix, { phone: "+14155550100" }));
            // Kill at fractions of the time a bulk takes here and now: before, during and after the commit.
            const took = await sendBulk(child, url, tenant, bulk("warm"), null);
            const delays = [0.3, 0.6, 0.9, 2].map((f) => Math.round(f * took));
            const outcomes: number[] = [];
            try {
                for (const [attempt, delay] of delays.entries()) {
                    await sendBulk(child, url, tenant, bulk(`kill${attempt}`), delay);
                    ({ child, url } = await startCli(dbPath));
                    const users = await new EmulatorControl(url).users(tenant.tenantId);
                    const count = users.filter((u) => u.email.startsWith(`kill${attempt}-`)).length;
                    outcomes.push(count);
                    expect(count, `attempt ${attempt}, killed ${delay} ms after sending`).to.be.oneOf([0, 10_000]);
                    expect(users.filter((u) => u.email.startsWith("warm-"))).to.have.length(10_000);
                }
            } finally {
                child.kill("SIGKILL");
                await killed(child);
            }
            expect(outcomes).to.have.length(delays.length);
            if (process.env.EMULATOR_TEST_VERBOSE)
                console.log(`bulk took ${Math.round(took)} ms; kills at ${delays.join(", ")} ms kept`, outcomes);
        });
    });
});
