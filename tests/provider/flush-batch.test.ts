import { expect } from "chai";
import type { Dialect, DialectClient, NormalizedUser, UserOutcome } from "../../provider/dialects/types";
import { flushBatch, SINGLE_ADDS_UP_TO, type BatchItem, type BatchResult } from "../../provider/runtime/batch-policy";

const outcomeOf = (r: BatchResult) => (r.status === "fulfilled" ? r.value : undefined);

/** A client that records its calls; single adds answer `adopted` for emails it already holds. */
function recordingClient(dialect: Dialect, held: string[] = []) {
    const calls: { single?: { email: string; key: string }; bulk?: string[] }[] = [];
    const client: DialectClient = {
        dialect,
        maxBatch: 1000,
        bulkNamesEachOutcome: dialect === "projects",
        addUser: async (user: NormalizedUser, key: string): Promise<UserOutcome> => {
            calls.push({ single: { email: user.email, key } });
            return { email: user.email, kind: held.includes(user.email) ? "adopted" : "created" };
        },
        addUsersBulk: async (users: NormalizedUser[]): Promise<UserOutcome[]> => {
            calls.push({ bulk: users.map((u) => u.email) });
            return users.map((u) => ({ email: u.email, kind: "present" }));
        },
    };
    return { client, calls };
}

const items = (n: number, prefix = "u"): BatchItem[] =>
    Array.from({ length: n }, (_, i) => ({
        user: { email: `${prefix}${i}@example.com` } as NormalizedUser,
        idempotencyKey: `key-${prefix}${i}`,
    }));

describe("flushBatch", () => {
    it("sends a batch of one through the single endpoint with its Idempotency-Key", async () => {
        const { client, calls } = recordingClient("projects");
        await flushBatch(client, items(1));
        expect(calls).to.deep.equal([{ single: { email: "u0@example.com", key: "key-u0" } }]);
    });

    it(`sends up to ${SINGLE_ADDS_UP_TO} Zquence users as single adds, so each is told created or adopted`, async () => {
        const { client, calls } = recordingClient("zquence", ["u1@example.com"]);
        const outcomes = await flushBatch(client, items(SINGLE_ADDS_UP_TO));
        expect(calls.every((c) => c.single)).to.equal(true);
        expect(calls).to.have.length(SINGLE_ADDS_UP_TO);
        expect(outcomes.map((o) => outcomeOf(o)?.kind)).to.deep.equal([
            "created",
            "adopted",
            ...Array(SINGLE_ADDS_UP_TO - 2).fill("created"),
        ]);
    });

    it(`sends ${SINGLE_ADDS_UP_TO + 1} Geldstuck users in one bulk call`, async () => {
        const { client, calls } = recordingClient("geldstuck");
        await flushBatch(client, items(SINGLE_ADDS_UP_TO + 1));
        expect(calls).to.have.length(1);
        expect(calls[0]!.bulk).to.have.length(SINGLE_ADDS_UP_TO + 1);
    });

    it("sends a small projects batch in one bulk call, whose answer names each user", async () => {
        const { client, calls } = recordingClient("projects");
        await flushBatch(client, items(3));
        expect(calls).to.deep.equal([{ bulk: ["u0@example.com", "u1@example.com", "u2@example.com"] }]);
    });

    it("gives two resources that declare the same email one row and the same outcome", async () => {
        const { client, calls } = recordingClient("zquence");
        const twice = [...items(1), { user: { email: "u0@example.com" } as NormalizedUser, idempotencyKey: "key-other" }];
        const outcomes = await flushBatch(client, twice);
        expect(calls).to.have.length(1);
        expect(outcomes[1]).to.equal(outcomes[0]);
    });
});
