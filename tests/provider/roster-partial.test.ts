/**
 * A roster whose second chunk fails for good: the provider must hand the engine, with the error,
 * the state of what did land (`properties`), so the next `up` sends only the rest. Run in process
 * against an emulator whose faults script the answers.
 */
import { expect } from "chai";
import { pack, unpack } from "../../provider/roster-codec";
import { tenantUserRoster } from "../../provider/runtime";
import { configureFrom } from "../../provider/runtime/connections";
import type { RosterOutputs } from "../../provider/runtime/roster-controller";
import { newTenant, runEmulator } from "../e2e/support";
import type { RunningEmulator } from "../e2e/support";

type PartialFailure = Error & { properties?: RosterOutputs; reasons?: string[] };

describe("a roster whose second chunk fails for good", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;
    let failure: PartialFailure;
    let heldAfterFailure: string[];
    const emails = ["a@example.com", "b@example.com", "c@example.com", "d@example.com"];

    before(async () => {
        emu = await runEmulator();
        const tenant = await newTenant(emu, "zquence", { rateLimit: null });
        const config = tenant.config;
        // A connection name of its own: the provider keeps one client per name for the process's life.
        const connection = `partial-${Date.now().toString(36)}`;
        configureFrom({
            get: (k: string) =>
                (
                    ({
                        "tenant-users:maxAttempts": "1",
                        "tenant-users:connections": JSON.stringify({
                            [connection]: {
                                dialect: "zquence",
                                baseUrl: tenant.baseUrl,
                                apiKey: config["tenant-users:apiKey"]!.value,
                                apiSecret: config["tenant-users:apiSecret"]!.value,
                            },
                        }),
                    }) as Record<string, string>
                )[k],
        });
        // One request per chunk: the first lands, the second meets a 500 and, with one attempt, fails for good.
        await emu.control.addFault({ tenantId: tenant.tenantId, sequence: ["ok", "500"] });
        const checked = await tenantUserRoster.check(
            {},
            {
                users: pack({ rows: emails.map((email) => ({ email })) }),
                label: "crm",
                connection,
                chunkSize: 2,
                concurrency: 1,
            },
        );
        expect(checked.failures).to.deep.equal([]);
        failure = await tenantUserRoster.create(checked.inputs as any).then(
            () => {
                throw new Error("the roster's create succeeded although its second chunk met a 500");
            },
            (err: PartialFailure) => err,
        );
        heldAfterFailure = (await emu.control.users(tenant.tenantId)).map((u) => u.email);
    });
    after(async () => emu?.close());

    it("lands exactly the first chunk at the vendor", () => {
        expect(heldAfterFailure).to.have.length(2);
        expect(emails).to.include.members(heldAfterFailure);
    });

    it("says how many users were sent before the chunk failed", () => {
        expect(failure.message).to.match(/2 of 4 users sent before a chunk failed for good/);
    });

    it("records exactly the first chunk's users as settled in the state it hands the engine", () => {
        expect(failure.properties, "the error carries no properties").to.be.an("object");
        const recorded = unpack<[string, ...unknown[]][]>(failure.properties!.users);
        // A failed chunk's users may be kept as `u` (unsettled: its answer may have been lost), to be sent again.
        const settled = recorded.filter((r) => r[4] !== "u").map((r) => r[0]);
        const unsettled = recorded.filter((r) => r[4] === "u").map((r) => r[0]);
        expect(settled).to.have.members(heldAfterFailure);
        expect(settled).to.have.length(2);
        expect(unsettled.filter((e) => heldAfterFailure.includes(e) || !emails.includes(e))).to.deep.equal([]);
    });

    it("marks the recorded state incomplete", () => {
        expect(failure.properties!.complete).to.equal(false);
    });
});
