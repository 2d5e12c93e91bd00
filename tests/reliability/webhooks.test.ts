/**
 * `verifyInviteWebhook` (exported by the package) against forged, tampered, stale and replayed
 * deliveries, and against the emulator's real signing (and its redelivery of an id).
 */
import { expect } from "chai";
import { Webhook } from "standardwebhooks";
import { verifyInviteWebhook } from "../../provider";
import { createDialectClient } from "../../provider/dialects";
import { HttpClient } from "../../provider/http/client";
import { runEmulator } from "../e2e/support";
import { type Emulator, newTenant, type Tenant, waitFor } from "./tools";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

const SECRET = "whsec_dGVuYW50LXVzZXJzIHJlbGlhYmlsaXR5IHRlc3Qgc2VjcmV0";
const OTHER_SECRET = "whsec_b3RoZXIgdGVuYW50IHNlY3JldCBmb3IgdGhlIHRlc3Rz";

const EVENT = {
    type: "tenant.users.invite",
    timestamp: "2026-01-01T00:00:00.000Z",
    data: {
        tenant_id: "ten_0123456789abcdef01234567",
        user: { id: "usr_0123456789abcdef01234567", email: "ada@example.com", name: "Ada", phone: null },
    },
};

function signed(body: string, opts: { id?: string; at?: Date; secret?: string } = {}): Record<string, string> {
    const id = opts.id ?? "msg_0123456789abcdef01234567";
    const at = opts.at ?? new Date();
    return {
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
        "webhook-signature": new Webhook(opts.secret ?? SECRET).sign(id, at, body),
    };
}

/** The error verifyInviteWebhook threw, or a failure if it did not throw. */
function rejection(fn: () => unknown): { name: string; reason: string; message: string } {
    try {
        fn();
    } catch (err) {
        return err as any;
    }
    throw new Error("expected the webhook to be rejected; it was accepted");
}

describe("verifyInviteWebhook on forged and tampered deliveries", () => {
    const body = JSON.stringify(EVENT);

    it("accepts a correctly signed invite and returns its id and user", () => {
        const event = verifyInviteWebhook(SECRET, signed(body), body);
        expect(event.id).to.equal("msg_0123456789abcdef01234567");
        expect(event.data.user.email).to.equal("ada@example.com");
    });

    it("returns the id it checked for replays, even when the payload carries its own id", () => {
        const withId = JSON.stringify({ ...EVENT, id: "evil" });
        expect(verifyInviteWebhook(SECRET, signed(withId, { id: "msg_checked" }), withId).id).to.equal("msg_checked");
    });

    it("calls an unusable secret a TypeError, not a forged delivery", () => {
        const error = rejection(() => verifyInviteWebhook("not base64!", signed(body), body));
        expect(error).to.be.instanceOf(TypeError);
        expect(error.message).to.include("the webhook secret is not usable");
    });

    it("accepts Node's header object, upper-case names and a Buffer body", () => {
        const h = signed(body);
        const headers: IncomingHttpHeaders = {
            "Webhook-Id": h["webhook-id"],
            "WEBHOOK-TIMESTAMP": h["webhook-timestamp"],
            "webhook-signature": [h["webhook-signature"]!],
        } as any;
        expect(verifyInviteWebhook(SECRET, headers, Buffer.from(body)).id).to.equal(h["webhook-id"]);
    });

    it("accepts a signature list holding one valid signature among stale ones (key rotation)", () => {
        const h = signed(body);
        const stale = signed(body, { secret: OTHER_SECRET })["webhook-signature"];
        expect(verifyInviteWebhook(SECRET, { ...h, "webhook-signature": `${stale} ${h["webhook-signature"]}` }, body).id).to.equal(
            h["webhook-id"],
        );
    });

    it("rejects a body changed by one character", () => {
        const e = rejection(() => verifyInviteWebhook(SECRET, signed(body), body.replace("ada@", "eve@")));
        expect(e.name).to.equal("InviteWebhookError");
        expect(e.reason).to.equal("signature");
    });

    it("rejects the same JSON re-serialized with other whitespace", () => {
        const e = rejection(() => verifyInviteWebhook(SECRET, signed(body), JSON.stringify(EVENT, null, 2)));
        expect(e.reason).to.equal("signature");
    });

    it("rejects a signature made with another tenant's secret", () => {
        const e = rejection(() => verifyInviteWebhook(SECRET, signed(body, { secret: OTHER_SECRET }), body));
        expect(e.reason).to.equal("signature");
    });

    it("rejects a valid signature moved to another webhook id", () => {
        const h = signed(body);
        const e = rejection(() => verifyInviteWebhook(SECRET, { ...h, "webhook-id": "msg_ffffffffffffffffffffffff" }, body));
        expect(e.reason).to.equal("signature");
    });

    for (const missing of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
        it(`rejects a delivery without ${missing}`, () => {
            const h: Record<string, string> = signed(body);
            delete h[missing];
            expect(rejection(() => verifyInviteWebhook(SECRET, h, body)).reason).to.equal("signature");
        });
    }

    it("rejects a timestamp more than five minutes old", () => {
        const e = rejection(() => verifyInviteWebhook(SECRET, signed(body, { at: new Date(Date.now() - 6 * 60_000) }), body));
        expect(e.reason).to.equal("signature");
        expect(e.message).to.match(/timestamp|old/i);
    });

    it("rejects a timestamp more than five minutes ahead", () => {
        const e = rejection(() => verifyInviteWebhook(SECRET, signed(body, { at: new Date(Date.now() + 6 * 60_000) }), body));
        expect(e.message).to.match(/timestamp|new/i);
    });

    it("accepts a timestamp four minutes old", () => {
        expect(verifyInviteWebhook(SECRET, signed(body, { at: new Date(Date.now() - 4 * 60_000) }), body).id).to.be.a("string");
    });

    it("accepts an id once and rejects its replay", () => {
        const seen = new Set<string>();
        const h = signed(body);
        verifyInviteWebhook(SECRET, h, body, { seen });
        const e = rejection(() => verifyInviteWebhook(SECRET, h, body, { seen }));
        expect(e.reason).to.equal("replay");
        expect(e.message).to.include(h["webhook-id"]);
    });

    it("rejects a replay re-signed with a fresh timestamp", () => {
        const seen = new Set<string>();
        verifyInviteWebhook(SECRET, signed(body), body, { seen });
        const later = signed(body, { at: new Date(Date.now() + 1000) });
        expect(rejection(() => verifyInviteWebhook(SECRET, later, body, { seen })).reason).to.equal("replay");
    });

    it("does not remember an id whose delivery was rejected", () => {
        const seen = new Set<string>();
        rejection(() => verifyInviteWebhook(SECRET, signed(body), body.replace("Ada", "Eve"), { seen }));
        expect(seen.size).to.equal(0);
        expect(verifyInviteWebhook(SECRET, signed(body), body, { seen }).id).to.be.a("string");
    });

    it("rejects a correctly signed event of another type", () => {
        const other = JSON.stringify({ ...EVENT, type: "tenant.users.deleted" });
        expect(rejection(() => verifyInviteWebhook(SECRET, signed(other), other)).reason).to.equal("payload");
    });

    it("rejects a correctly signed body that is not JSON", () => {
        const text = "<html>not json</html>";
        const e = rejection(() => verifyInviteWebhook(SECRET, signed(text), text));
        expect(e.name).to.equal("InviteWebhookError");
    });

    it("never puts the secret in its messages", () => {
        const e = rejection(() => verifyInviteWebhook(SECRET, signed(body, { secret: OTHER_SECRET }), body));
        expect(e.message).to.not.include(SECRET.slice(6));
        expect(e.message).to.not.include(OTHER_SECRET.slice(6));
    });
});

interface Captured {
    headers: IncomingHttpHeaders;
    body: string;
}

describe("verifyInviteWebhook on the emulator's real deliveries", function () {
    this.timeout(60_000);
    let emu: Emulator;
    let tenant: Tenant;
    let server: Server;
    let http: HttpClient;
    const captured: Captured[] = [];
    let failFirst = 0;

    before(async () => {
        server = createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c) => chunks.push(c));
            req.on("end", () => {
                captured.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
                if (failFirst > 0) {
                    failFirst--;
                    res.writeHead(503).end();
                } else res.writeHead(204).end();
            });
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        emu = await runEmulator();
        tenant = await newTenant(emu, "zquence", { webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks` });
        http = new HttpClient({ baseUrl: tenant.baseUrl });
    });
    after(async () => {
        await http.close();
        await emu.close();
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
    });

    async function createUser(email: string): Promise<Captured[]> {
        const client = createDialectClient({ dialect: "zquence", baseUrl: tenant.baseUrl, ...tenant.credentials }, http);
        const from = captured.length;
        await client.addUser({ email, name: "Real" }, `k-${email}`);
        return captured.slice(from);
    }

    it("accepts the invite the emulator signs for a new user, with the id the emulator lists", async () => {
        const from = captured.length;
        await createUser("real@example.com");
        expect(await waitFor(() => captured.length > from, 10_000)).to.equal(true);
        const delivery = captured[from]!;
        const event = verifyInviteWebhook(tenant.webhookSecret!, delivery.headers, delivery.body);
        expect(event.data.user.email).to.equal("real@example.com");
        const listed = (await emu.control.webhooks(tenant.tenantId)).map((d) => d.id);
        expect(listed).to.include(event.id);
    });

    it("rejects the emulator's delivery when checked with another tenant's secret", async () => {
        const delivery = captured[0]!;
        expect(rejection(() => verifyInviteWebhook(OTHER_SECRET, delivery.headers, delivery.body)).reason).to.equal("signature");
    });

    it("rejects the emulator's redelivery of an id it already accepted", async () => {
        const seen = new Set<string>();
        failFirst = 1; // our answer to the first attempt is lost: the emulator delivers again
        const from = captured.length;
        await createUser("again@example.com");
        expect(await waitFor(() => captured.length >= from + 2, 15_000)).to.equal(true);
        const [first, second] = [captured[from]!, captured[from + 1]!];
        verifyInviteWebhook(tenant.webhookSecret!, first.headers, first.body, { seen });
        expect(second.headers["webhook-id"]).to.equal(first.headers["webhook-id"]);
        expect(second.body).to.equal(first.body);
        expect(rejection(() => verifyInviteWebhook(tenant.webhookSecret!, second.headers, second.body, { seen })).reason).to.equal(
            "replay",
        );
    });
});
