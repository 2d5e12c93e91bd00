/**
 * Honest accounting through the real CLI when the stack cannot know what it did: answers dropped
 * after the vendor committed (issue 16) on a roster and on TenantUsers, with some users already at
 * the vendor; and the checkpoint-free fast path (PULUMI_SKIP_CHECKPOINTS) SIGKILLed mid-run and
 * recovered as the README says (issue 19). `npm run soak` runs the same scenarios at full size.
 */
import { expect } from "chai";
import { formatResult, type ScenarioResult } from "./scenarios";
import { fastPathCrash, lostAnswers } from "./scenarios/lost-answers";

const ROSTER = 1000;
const USERS = 40;
const FAST = 60;

describe("a 1,000-user Zquence roster whose answers are dropped after commit (30 %, 2 attempts)", function () {
    this.timeout(900_000);
    let r: ScenarioResult;
    before(async () => {
        r = await lostAnswers({ kind: "roster", size: ROSTER, seed: 11 });
    });
    after(() => {
        if (r) console.log(`      ${formatResult(r)}`);
    });

    it("loses answers for good in at least one up, and a later up within six succeeds", () => {
        expect(r.injected["drop-after-commit"]).to.be.above(0);
        expect(r.details.failedUps).to.be.at.least(1);
        expect(r.ups).to.be.at.most(6);
        expect(r.problems.filter((p) => p.startsWith("no up succeeded"))).to.deep.equal([]);
    });

    it("ends with every declared user at the vendor once and recorded once, none unsettled", () => {
        expect([r.foundUsers, r.extraUsers, r.duplicates]).to.deep.equal([ROSTER, 0, 0]);
        expect([r.details.unrecorded, r.details.unsettled, r.stateUsers]).to.deep.equal([0, 0, ROSTER]);
    });

    it("adopts only users that existed before the first run (its wholly pre-existing first chunk among them)", () => {
        expect(r.details.adopted).to.be.above(0);
        expect(r.details.adoptedNew).to.equal(0);
    });

    it("counts no pre-existing user created, and each of them adopted or present", () => {
        expect(r.details.createdOld).to.equal(0);
        expect(r.details.preexistingElse).to.equal(0);
    });

    it("reports users whose answer was lost as present", () => {
        expect(r.details.present).to.be.above(0);
    });

    it("sends one invite per user created at the vendor and none for a pre-existing user", () => {
        expect(r.webhookEvents).to.equal(ROSTER - Number(r.details.preexisting));
        expect(r.webhookReceived).to.equal(r.webhookEvents);
        expect(r.problems.filter((p) => /invite/.test(p))).to.deep.equal([]);
    });

    it("reports no other problem", () => {
        expect(r.problems).to.deep.equal([]);
    });
});

describe("40 Zquence TenantUsers (--parallel 10) whose answers are dropped after commit (30 %, 2 attempts)", function () {
    this.timeout(900_000);
    let r: ScenarioResult;
    before(async () => {
        r = await lostAnswers({ kind: "users", size: USERS, seed: 7, parallel: 10 });
    });
    after(() => {
        if (r) console.log(`      ${formatResult(r)}`);
    });

    it("loses answers after commit, and an up within six succeeds", () => {
        expect(r.injected["drop-after-commit"]).to.be.above(0);
        expect(r.ups).to.be.at.most(6);
        expect(r.problems.filter((p) => p.startsWith("no up succeeded"))).to.deep.equal([]);
    });

    it("ends with every declared user at the vendor once and one TenantUser each, none unsettled", () => {
        expect([r.foundUsers, r.extraUsers, r.duplicates]).to.deep.equal([USERS, 0, 0]);
        expect([r.details.unrecorded, r.details.unsettled, r.stateUsers]).to.deep.equal([0, 0, USERS]);
    });

    it("adopts no user that did not exist before the first run and creates none that did", () => {
        expect(r.details.adoptedNew).to.equal(0);
        expect(r.details.createdOld).to.equal(0);
        expect(r.details.preexistingElse).to.equal(0);
    });

    it("sends one invite per user created at the vendor and none for a pre-existing user", () => {
        expect(r.webhookEvents).to.equal(USERS - Number(r.details.preexisting));
        expect(r.webhookReceived).to.equal(r.webhookEvents);
    });

    it("reports no other problem", () => {
        expect(r.problems).to.deep.equal([]);
    });
});

describe("60 TenantUsers with PULUMI_SKIP_CHECKPOINTS=true, pulumi up SIGKILLed with its plugins mid-run", function () {
    this.timeout(900_000);
    let r: ScenarioResult;
    before(async () => {
        r = await fastPathCrash({ size: FAST, parallel: 10 });
    });
    after(() => {
        if (r) console.log(`      ${formatResult(r)}`);
    });

    it("is killed with some but not all users at the vendor", () => {
        expect(r.details.usersAtKill).to.be.within(1, FAST - 1);
    });

    it("converges after the documented recovery: every user at the vendor once, one TenantUser each", () => {
        expect([r.foundUsers, r.extraUsers, r.duplicates, r.pendingOperations]).to.deep.equal([FAST, 0, 0, 0]);
        expect(r.stateUsers).to.equal(FAST);
    });

    it("sends one invite per user created at the vendor", () => {
        expect(r.webhookEvents).to.equal(FAST);
        expect(r.webhookReceived).to.equal(FAST);
    });

    it("ends with every TenantUser created, adopted or present, none unsettled", () => {
        expect([r.details.unrecorded, r.details.unsettled]).to.deep.equal([0, 0]);
    });

    it("reports no user the killed run created as adopted", () => {
        expect(r.details.adoptedNew).to.equal(0);
    });
});
