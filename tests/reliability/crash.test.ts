/**
 * Crashes through the real CLI: `pulumi up` SIGKILLed in the middle of a roster and of batched
 * TenantUser creates, then the documented recovery (`pulumi cancel --yes`, then
 * `pulumi refresh --clear-pending-creates --yes --skip-preview`) and one more `up`; and the
 * emulator `kill -9`ed mid-bulk and restarted on its database.
 */
import { expect } from "chai";
import { crashEmulator, crashRoster, crashUsers, formatResult, type ScenarioResult, sidecarRepair } from "./scenarios";

// The soak's quick size: still 20 chunks (of 50 users), the kill coming once 6 have been sent.
const ROSTER = 1000;
const USERS = 40;

describe("pulumi up SIGKILLed in the middle of a roster (the CLI process only)", function () {
    this.timeout(900_000);
    let r: ScenarioResult;
    before(async () => {
        r = await crashRoster({ size: ROSTER, killMode: "cli" });
    });
    after(() => {
        if (r) console.log(`      ${formatResult(r)}`);
    });

    it("is killed with some but not all users at the vendor", () => {
        expect(r.details.usersAtKill).to.be.within(1, ROSTER - 1);
    });

    it("leaves a pending create, and the lock, that the documented recovery clears", () => {
        expect(r.details.pendingAfterKill).to.equal(1);
        expect(r.messages.join("\n")).to.match(/has been canceled/);
        expect(r.problems.filter((p) => p.includes("pending") || p.startsWith("scenario error"))).to.deep.equal([]);
    });

    it("converges on the next up: exactly the intended users, recorded in state", () => {
        expect(r.foundUsers).to.equal(ROSTER);
        expect(r.extraUsers).to.equal(0);
        expect(r.stateUsers).to.equal(ROSTER);
    });

    it("creates no duplicate, although the orphaned provider process may go on sending", () => {
        expect(r.duplicates).to.equal(0);
    });

    it("sends exactly one invite webhook per user", () => {
        expect(r.webhookReceived).to.equal(ROSTER);
        expect(r.webhookEvents).to.equal(ROSTER);
    });

    it("plans nothing more once converged", () => {
        expect(r.details.previewChanges).to.equal("none");
    });
});

describe("pulumi up SIGKILLed (with its plugins) in the middle of batched TenantUser creates", function () {
    this.timeout(900_000);
    let r: ScenarioResult;
    before(async () => {
        r = await crashUsers({ size: USERS, killMode: "tree", parallel: 10, confirmNoop: false });
    });
    after(() => {
        if (r) console.log(`      ${formatResult(r)}`);
    });

    it("is killed with some but not all users at the vendor", () => {
        expect(r.details.usersAtKill).to.be.within(1, USERS - 1);
    });

    it("leaves pending creates that the documented recovery clears", () => {
        expect(r.details.pendingAfterKill).to.be.above(0);
        expect(r.pendingOperations).to.equal(0);
    });

    it("converges on the next up with one TenantUser per intended user and no duplicate", () => {
        expect(r.foundUsers).to.equal(USERS);
        expect(r.extraUsers).to.equal(0);
        expect(r.stateUsers).to.equal(USERS);
        expect(r.duplicates).to.equal(0);
    });

    it("sends exactly one invite webhook per user", () => {
        expect(r.webhookReceived).to.equal(USERS);
    });
});

describe("the emulator kill -9ed mid-bulk and restarted on its database", function () {
    this.timeout(900_000);
    let r: ScenarioResult;
    before(async () => {
        r = await crashEmulator({ size: ROSTER, confirmNoop: false });
    });
    after(() => {
        if (r) console.log(`      ${formatResult(r)}`);
    });

    it("is killed with a bulk in flight", () => {
        expect(r.details.bulksInFlightAtKill).to.be.at.least(1);
    });

    it("keeps whole chunks only, each with its webhook events", () => {
        expect(r.problems.filter((p) => /after the restart/.test(p))).to.deep.equal([]);
        expect(r.details.eventsAtRestart).to.equal(r.details.usersAtRestart);
        expect(Number(r.details.usersBeforeKill)).to.be.within(1, ROSTER - 1);
        expect(Number(r.details.usersAtRestart)).to.be.at.least(Number(r.details.usersBeforeKill));
    });

    it("converges within two ups: exactly the intended users, no duplicate", () => {
        expect(r.ups).to.be.at.most(2);
        expect(r.foundUsers).to.equal(ROSTER);
        expect(r.extraUsers).to.equal(0);
        expect(r.stateUsers).to.equal(ROSTER);
        expect(r.duplicates).to.equal(0);
    });

    it("delivers exactly one invite webhook id per user, events left over by the crash included", () => {
        expect(r.webhookEvents).to.equal(ROSTER);
        expect(r.webhookReceived).to.equal(ROSTER);
    });

    it("reports no other problem", () => {
        expect(r.problems).to.deep.equal([]);
    });
});

describe("a checkpoint sidecar emptied by a kill mid-write (file backend)", function () {
    this.timeout(300_000);
    let r: Awaited<ReturnType<typeof sidecarRepair>>;
    before(async () => {
        r = await sidecarRepair();
    });

    it("makes every command fail with failed to load checkpoint: EOF", () => {
        expect(r.brokenExport).to.include("failed to load checkpoint: EOF");
    });

    it("loads again once the empty .attrs file is removed, and the next up succeeds", () => {
        expect(r.removed.some((f) => f.endsWith(".json.attrs"))).to.equal(true);
        expect(r.exportAfter).to.equal(0);
        expect(r.upAfter).to.equal(0);
    });
});
