/**
 * Verifying the vendors' `tenant.users.invite` webhooks in your own receiver, on the Standard
 * Webhooks scheme (`webhook-id`, `webhook-timestamp`, `webhook-signature`) via the
 * `standardwebhooks` package: signature and a 5-minute timestamp window from it, replays from us.
 */
import { Webhook, WebhookVerificationError } from "standardwebhooks";

export interface InviteWebhook {
    id: string;
    type: "tenant.users.invite";
    timestamp: string;
    data: { tenant_id: string; user: { id: string; email: string; name?: string; phone?: string } };
}

/** Remembers delivered webhook ids; a Set works, or a store shared by your receivers. */
export interface ReplayStore {
    has(id: string): boolean;
    add(id: string): unknown;
}

/**
 * Raised when a webhook must be rejected: bad or missing signature, stale timestamp, a replayed id,
 * or a payload that is not a `tenant.users.invite` event. Answer it with a 400. (An unusable secret
 * is a TypeError instead: the receiver is misconfigured, and every delivery would fail.)
 */
export class InviteWebhookError extends Error {
    override readonly name = "InviteWebhookError";
    constructor(
        message: string,
        readonly reason: "signature" | "replay" | "payload",
    ) {
        super(message);
    }
}

/**
 * Checks a delivery and returns its event. `body` must be the raw request body, byte for byte.
 * With `seen`, an id delivered before is refused (vendors deliver at least once: a retry after a
 * lost answer carries the same id).
 */
export function verifyInviteWebhook(
    secret: string,
    headers: Record<string, string | string[] | undefined>,
    body: string | Buffer,
    options: { seen?: ReplayStore } = {},
): InviteWebhook {
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (v !== undefined) flat[k.toLowerCase()] = Array.isArray(v) ? v[0] : v;
    // Outside the check below: a malformed secret is our receiver's mistake, not a forged delivery.
    let verifier: Webhook;
    try {
        verifier = new Webhook(secret);
    } catch (err) {
        throw new TypeError(`the webhook secret is not usable (expected the whsec_… value the vendor gave): ${(err as Error).message}`);
    }
    let event: any;
    try {
        event = verifier.verify(body, flat);
    } catch (err) {
        const why = err instanceof WebhookVerificationError ? err.message : String(err);
        throw new InviteWebhookError(`webhook rejected: ${why}`, "signature");
    }
    const id = flat["webhook-id"];
    if (options.seen?.has(id)) throw new InviteWebhookError(`webhook ${id} was already delivered (replay)`, "replay");
    if (event?.type !== "tenant.users.invite" || typeof event?.data?.user?.email !== "string") {
        throw new InviteWebhookError(`webhook ${id} is not a tenant.users.invite event`, "payload");
    }
    options.seen?.add(id);
    // The id checked for replays, whatever the payload says.
    return { ...event, id };
}
