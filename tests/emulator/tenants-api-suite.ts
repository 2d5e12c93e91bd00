/**
 * Conformance tests shared by Zquence (seed 000) and Geldstuck (seed 001):
 * the sentences both seeds state word for word, plus the README's choices.
 */
import { expect } from "chai";
import { Errors } from "../../emulator/errors";
import type { TenantsApiTenant } from "../../emulator/index";
import { addUser, addUserBulk, makeUsers, startHarness, type Harness } from "./helpers";

export function tenantsApiConformance(dialect: "zquence" | "geldstuck"): void {
    let h: Harness;
    let t: TenantsApiTenant;

    before(async () => {
        h = await startHarness();
    });
    after(async () => h.close());
    beforeEach(async () => {
        t = await h.control.createTenant(dialect, { rateLimit: null });
    });

    describe("POST /v1/tenants/add-user", () => {
        it('"Live sync - when a user signs up in your app, call add-user to mirror them."', async () => {
            const res = await addUser(t, { name: "Ada Lovelace", email: "ada@example.com" });
            expect(res.status).to.equal(201);
            expect(res.body).to.include({ name: "Ada Lovelace", email: "ada@example.com", status: "created" });
            expect(res.body.id).to.match(/^usr_[0-9a-f]{24}$/);
            expect(Date.parse(res.body.created_at)).to.be.a("number").and.not.NaN;
            const users = await h.control.users(t.tenantId);
            expect(users.map((u) => u.email)).to.deep.equal(["ada@example.com"]);
        });

        it('"Retries are then safe: if the sync job restarts, we’ll return the existing user instead of erroring."', async () => {
            const first = await addUser(t, { name: "Ada", email: "ada@example.com" });
            const again = await addUser(t, { name: "Someone Else", email: "ada@example.com" });
            expect(again.status).to.equal(200);
            expect(again.body).to.deep.equal({ ...first.body, status: "existing" });
        });

        it('"Use your internal user ID as the idempotency key suffix." (the same key replays the first answer)', async () => {
            const headers = { "Idempotency-Key": "user-sync-crm-42" };
            const first = await addUser(t, { name: "Ada", email: "ada@example.com" }, headers);
            const retry = await addUser(t, { name: "Ada", email: "ada@example.com" }, headers);
            expect(retry.status).to.equal(first.status).and.equal(201);
            expect(retry.text).to.equal(first.text);
            expect(retry.headers["idempotent-replayed"]).to.equal("true");
        });

        it("compares emails case-insensitively after trimming and stores them lower case (README)", async () => {
            await addUser(t, { email: "  Ada@Example.COM " });
            const again = await addUser(t, { email: "ada@example.com" });
            expect(again.status).to.equal(200);
            expect(again.body.email).to.equal("ada@example.com");
        });

        it("answers 400 email_invalid with param email for a malformed email (README)", async () => {
            const res = await addUser(t, { email: "not-an-email" });
            expect(res.status).to.equal(400);
            expect(res.body.error).to.include({ code: "email_invalid", param: "email", message: Errors.emailInvalid.message });
        });

        it("answers 400 email_invalid when the email is missing (README)", async () => {
            const res = await addUser(t, { name: "No Email" });
            expect(res.status).to.equal(400);
            expect(res.body.error).to.include({ code: "email_invalid", param: "email", message: Errors.emailMissing.message });
        });

        it("answers 400 name_invalid for a name longer than 200 characters (README)", async () => {
            const res = await addUser(t, { email: "long@example.com", name: "x".repeat(201) });
            expect(res.status).to.equal(400);
            expect(res.body.error).to.include({ code: "name_invalid", param: "name" });
        });

        it("answers 400 body_invalid when the body is not a JSON object (README)", async () => {
            const res = await addUser(t, [{ email: "a@example.com" }]);
            expect(res.status).to.equal(400);
            expect(res.body.error).to.include({ code: "body_invalid", message: Errors.bodyNotObject.message });
        });
    });

    describe("POST /v1/tenants/add-user-bulk", () => {
        it('"Nightly reconciliation - a batch job runs add-user-bulk to catch anything the live sync missed."', async () => {
            await addUser(t, { email: "alice@example.com" });
            const res = await addUserBulk(t, [
                { name: "Alice", email: "alice@example.com" },
                { name: "Bob", email: "bob@example.com" },
            ]);
            expect(res.status).to.equal(200);
            expect(res.body).to.deep.equal({ created: 1, skipped: 1, failed: [] });
        });

        it('"skipped entries are users whose email already exists for this tenant - this is a no-op success"', async () => {
            const first = await addUser(t, { name: "Alice", email: "alice@example.com" });
            const res = await addUserBulk(t, [{ name: "Alice Renamed", email: "ALICE@example.com" }]);
            expect(res.status).to.equal(200);
            expect(res.body).to.deep.equal({ created: 0, skipped: 1, failed: [] });
            const users = await h.control.users(t.tenantId);
            expect(users).to.have.length(1);
            expect(users[0]).to.include({ id: first.body.id, name: "Alice" });
        });

        it('"Inspect failed to see which rows couldn’t be ingested."', async () => {
            const res = await addUserBulk(t, [
                { email: "ok@example.com" },
                { email: "invalid" },
                { email: "ok2@example.com", name: "" },
                42,
            ]);
            expect(res.status).to.equal(200);
            expect(res.body).to.deep.equal({
                created: 1,
                skipped: 0,
                failed: [
                    { index: 1, email: "invalid", error: "email_invalid" },
                    { index: 2, email: "ok2@example.com", error: "name_invalid" },
                    { index: 3, email: null, error: "user_invalid" },
                ],
            });
            expect((await h.control.users(t.tenantId)).map((u) => u.email)).to.deep.equal(["ok@example.com"]);
        });

        it('"De-duplicate by email - Guarantees the bulk endpoint’s skipped count is meaningful." (a repeat within a request is skipped)', async () => {
            const res = await addUserBulk(t, [{ email: "a@example.com" }, { email: "A@example.com" }, { email: "b@example.com" }]);
            expect(res.body).to.deep.equal({ created: 2, skipped: 1, failed: [] });
        });

        it('"Bulk sync - up to 10,000 users" (10,000 are accepted in one call)', async () => {
            const res = await addUserBulk(t, makeUsers(10_000, "bulk"));
            expect(res.status).to.equal(200);
            expect(res.body).to.deep.equal({ created: 10_000, skipped: 0, failed: [] });
        });

        it('"We accept up to 10,000 per call" (10,001 is refused with 400 too_many_users)', async () => {
            const res = await addUserBulk(t, makeUsers(10_001, "over"));
            expect(res.status).to.equal(400);
            expect(res.body.error).to.include({ code: "too_many_users", message: Errors.bulkTooMany.message });
            expect(await h.control.users(t.tenantId)).to.have.length(0);
        });

        it('"1,000 gives smaller retry units." (re-sending a chunk creates nothing twice)', async () => {
            const chunk = makeUsers(1_000, "chunk");
            expect((await addUserBulk(t, chunk)).body).to.deep.equal({ created: 1_000, skipped: 0, failed: [] });
            expect((await addUserBulk(t, chunk)).body).to.deep.equal({ created: 0, skipped: 1_000, failed: [] });
        });

        it('"Each added user fires a tenant.users.invite webhook." (one event per created user, none for skipped or failed)', async () => {
            await addUser(t, { email: "old@example.com" });
            await addUserBulk(t, [
                { email: "old@example.com" },
                { email: "new@example.com" },
                { email: "bad" },
                { email: "new@example.com" },
            ]);
            const events = await h.control.webhooks(t.tenantId);
            expect(events.map((e) => e.payload.data.user.email).sort()).to.deep.equal(["new@example.com", "old@example.com"]);
            expect(events.every((e) => e.type === "tenant.users.invite")).to.equal(true);
        });

        it("answers 400 body_invalid when the body is not an array (README)", async () => {
            const res = await addUserBulk(t, { users: [] });
            expect(res.status).to.equal(400);
            expect(res.body.error).to.include({ code: "body_invalid", message: Errors.bodyNotArray.message });
        });

        it("answers 400 empty_array for an empty array (README)", async () => {
            const res = await addUserBulk(t, []);
            expect(res.status).to.equal(400);
            expect(res.body.error.code).to.equal("empty_array");
        });
    });

    describe("credentials", () => {
        it("answers 401 unauthorized when x-api-secret does not match x-api-key (README)", async () => {
            const res = await addUser({ ...t, apiSecret: `${t.apiSecret}x` }, { email: "a@example.com" });
            expect(res.status).to.equal(401);
            expect(res.body.error).to.include({ code: "unauthorized", message: Errors.unauthorized.message });
        });

        it("keeps each tenant's users apart (README: users are unique per tenant)", async () => {
            const other = await h.control.createTenant(dialect, { rateLimit: null });
            await addUser(t, { email: "same@example.com" });
            const res = await addUser(other, { email: "same@example.com" });
            expect(res.status).to.equal(201);
            expect(await h.control.users(t.tenantId)).to.have.length(1);
            expect(await h.control.users(other.tenantId)).to.have.length(1);
        });
    });
}
