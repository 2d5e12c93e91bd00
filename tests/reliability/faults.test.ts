/**
 * Fault storms through the real CLI (small sizes; `npm run soak` runs the issue's): 429 bursts with
 * both Retry-After forms, 20 % 500/503, drops before handling and after commit, 200 ms latency.
 * Each must end with exactly the intended users, no duplicate, one invite webhook per created user,
 * within the retry budget; when the budget runs out, the error says what was done and the next
 * `up` converges.
 */
import { expect } from "chai";
import { budgetRoster, budgetUsers, formatResult, type ScenarioResult, stormRoster, stormUsers } from "./scenarios";
import { attemptsFor, stormFaults } from "./tools";

// The soak's quick size: the roster is cut into 20 chunks whatever its size, so the seeded storm draws the same faults.
const ROSTER = 1000;
const USERS = 40;
const MAX_ATTEMPTS = 10;
// The storms' seeds, named here so the tests can replay the outcomes the emulator will draw.
const ROSTER_SEED = 7;
const USERS_SEED = 320;

describe(`a ${ROSTER.toLocaleString("en-US")}-user roster under a fault storm`, function () {
    this.timeout(600_000);
    let r: ScenarioResult;
    before(async () => {
        r = await stormRoster({ size: ROSTER, maxAttempts: MAX_ATTEMPTS, seed: ROSTER_SEED });
    });
    after(() => {
        if (r) console.log(`      ${formatResult(r)}`);
    });

    it("completes in one up", () => {
        expect(r.problems.filter((p) => p.startsWith("up failed") || p.startsWith("scenario error"))).to.deep.equal([]);
        expect(r.ups).to.equal(1);
    });

    it("meets 429s in both Retry-After forms, 500s, 503s and drops on both sides of the commit", () => {
        expect(r.injected, JSON.stringify(r.injected)).to.satisfy(
            (i: ScenarioResult["injected"]) =>
                i["429"] > 3 && i["500"] > 0 && i["503"] > 0 && i["drop-before"] > 0 && i["drop-after-commit"] > 0,
        );
    });

    it("ends with exactly the intended users at the vendor", () => {
        expect(r.foundUsers).to.equal(ROSTER);
        expect(r.extraUsers).to.equal(0);
    });

    it("creates no duplicate at the vendor, in state or among webhooks", () => {
        expect(r.duplicates).to.equal(0);
    });

    it("records every user in state", () => {
        expect(r.stateUsers).to.equal(ROSTER);
    });

    it("sends exactly one invite webhook per created user, by webhook id", () => {
        expect(r.webhookEvents).to.equal(ROSTER);
        expect(r.webhookReceived).to.equal(ROSTER);
    });

    it("sends each chunk successfully exactly once", () => {
        expect(r.injected.ok).to.equal(r.details.chunks);
    });

    it("retries exactly the faulted requests: the attempts the seeded storm calls for, one success per chunk", () => {
        const expected = attemptsFor(stormFaults("t", ROSTER_SEED), Number(r.details.chunks));
        expect(r.requests).to.equal(expected.total);
        expect(r.injected).to.deep.equal(expected.counts);
        expect(r.retries).to.equal(expected.total - Number(r.details.chunks));
    });
});

describe(`${USERS} TenantUsers under a fault storm`, function () {
    this.timeout(600_000);
    let r: ScenarioResult;
    before(async () => {
        r = await stormUsers({ size: USERS, parallel: 10, maxAttempts: MAX_ATTEMPTS, seed: USERS_SEED });
    });
    after(() => {
        if (r) console.log(`      ${formatResult(r)}`);
    });

    it("completes in one up", () => {
        expect(r.problems.filter((p) => p.startsWith("up failed") || p.startsWith("scenario error"))).to.deep.equal([]);
    });

    it("meets 429s in both Retry-After forms, 500s, 503s and drops on both sides of the commit", () => {
        expect(r.injected, JSON.stringify(r.injected)).to.satisfy(
            (i: ScenarioResult["injected"]) =>
                i["429"] > 3 && i["500"] > 0 && i["503"] > 0 && i["drop-before"] > 0 && i["drop-after-commit"] > 0,
        );
    });

    it("ends with exactly the intended users and no duplicate", () => {
        expect(r.foundUsers).to.equal(USERS);
        expect(r.extraUsers).to.equal(0);
        expect(r.duplicates).to.equal(0);
    });

    it("records one TenantUser per user", () => {
        expect(r.stateUsers).to.equal(USERS);
        expect(r.pendingOperations).to.equal(0);
    });

    it("sends exactly one invite webhook per created user, by webhook id", () => {
        expect(r.webhookEvents).to.equal(USERS);
        expect(r.webhookReceived).to.equal(USERS);
    });

    it("succeeds at most once per user: no more successful calls than users", () => {
        expect(r.injected.ok).to.be.within(1, USERS);
    });

    it("retries every faulted request and none after its batch's success: the attempts the seeded storm calls for", () => {
        // How users group into batches depends on timing; given the number of batches, the attempts do not.
        const expected = attemptsFor(stormFaults("t", USERS_SEED), r.injected.ok);
        expect(r.requests).to.equal(expected.total);
        expect(r.injected).to.deep.equal(expected.counts);
    });
});

describe("a roster whose retry budget runs out", function () {
    this.timeout(600_000);
    // The scenario cuts the roster into 10 chunks and lets the first GOOD_CHUNKS through.
    const GOOD_CHUNKS = 3;
    const SENT = GOOD_CHUNKS * Math.ceil(ROSTER / 10);
    let r: ScenarioResult;
    before(async () => {
        r = await budgetRoster({ size: ROSTER, goodChunks: GOOD_CHUNKS, maxAttempts: 3 });
    });
    after(() => {
        if (r) console.log(`      ${formatResult(r)}`);
    });

    it("fails the up saying how many users were sent before the budget ran out", () => {
        expect(r.details.sentBeforeFailure).to.equal(SENT);
        expect(r.details.atVendorAfterFailure).to.equal(SENT);
    });

    it("names the endpoint and the attempts made in the error", () => {
        expect(r.details.mentionsEndpoint, r.messages[0]).to.equal(true);
        expect(r.details.mentionsAttempts, r.messages[0]).to.equal(true);
    });

    it("records the users that were sent", () => {
        expect(r.details.recordedAfterFailure).to.equal(SENT);
    });

    it("sends only the missing chunks on the next up", () => {
        expect(r.details.secondUpChunks).to.equal(10 - GOOD_CHUNKS);
    });

    it("converges on the next up: exactly the intended users, no duplicate, one webhook each", () => {
        expect(r.problems).to.deep.equal([]);
        expect(r.foundUsers).to.equal(ROSTER);
        expect(r.duplicates).to.equal(0);
        expect(r.webhookReceived).to.equal(ROSTER);
    });
});

describe("TenantUsers whose bulk lands but never answers until the budget runs out", function () {
    this.timeout(600_000);
    const SIZE = 10;
    let r: ScenarioResult;
    before(async () => {
        r = await budgetUsers({ size: SIZE, maxAttempts: 3 });
    });
    after(() => {
        if (r) console.log(`      ${formatResult(r)}`);
    });

    it("fails every TenantUser, naming the endpoint and the attempts made", () => {
        expect(r.details.failedResources).to.equal(SIZE);
        expect(r.details.mentionsEndpoint, r.messages[0]).to.equal(true);
        expect(r.details.mentionsAttempts, r.messages[0]).to.equal(true);
    });

    it("leaves the users at the vendor although the up failed", () => {
        expect(r.details.atVendorAfterFailure).to.equal(SIZE);
    });

    it("adopts them on the next up without a duplicate", () => {
        expect(r.foundUsers).to.equal(SIZE);
        expect(r.stateUsers).to.equal(SIZE);
        expect(r.duplicates).to.equal(0);
    });

    it("does not mark them created by the second up", () => {
        expect(r.details.createdStatus).to.equal(0);
    });

    it("sends one invite webhook per user, though every bulk was sent three times", () => {
        expect(r.webhookEvents).to.equal(SIZE);
        expect(r.webhookReceived).to.equal(SIZE);
    });
});
