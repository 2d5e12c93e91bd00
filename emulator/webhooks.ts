/**
 * Outbox delivery of `tenant.users.invite` events, signed as Standard
 * Webhooks. Events are written in the same transaction as their users; this
 * loop POSTs each to the tenant's webhook URL and retries with backoff
 * (0.1 s, 0.2 s, 0.4 s, … capped at 10 s) until a 2xx, reusing the same
 * `webhook-id` on every attempt.
 */
import { Webhook } from "standardwebhooks";
import type { OutboxRow, Store } from "./db";
import { messageIdFor } from "./ids";
import type { WebhookDelivery, WebhookPayload } from "./types";

export const WEBHOOK_EVENT_TYPE = "tenant.users.invite";
export const WEBHOOK_TIMEOUT_MS = 5_000;
const BASE_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 10_000;
const IDLE_POLL_MS = 1_000;
const BUSY_POLL_MS = 100;

export function backoffMs(attempts: number): number {
    return Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
}

/** The event body; built from the stored user, so every attempt sends the same bytes. */
export function webhookPayload(row: OutboxRow): WebhookPayload {
    const user: WebhookPayload["data"]["user"] = { id: row.user_id, email: row.email, name: row.name };
    if (row.dialect === "zquence") user.phone = row.phone;
    return { type: WEBHOOK_EVENT_TYPE, timestamp: row.created_at, data: { tenant_id: row.tenant_id, user } };
}

export function deliveryView(row: OutboxRow): WebhookDelivery {
    return {
        id: messageIdFor(row.user_id),
        tenantId: row.tenant_id,
        type: WEBHOOK_EVENT_TYPE,
        attempts: row.attempts,
        delivered: row.delivered === 1,
        lastStatus: row.last_status,
        payload: webhookPayload(row),
    };
}

export class WebhookDispatcher {
    private timer: NodeJS.Timeout | null = null;
    private timerAt = Infinity;
    private stopped = false;
    private readonly inFlight = new Map<number, Promise<void>>();
    private readonly signers = new Map<string, Webhook>();
    /** Aborts the deliveries still running when the emulator stops. */
    private readonly stopping = new AbortController();

    constructor(
        private readonly store: Store,
        private readonly concurrency = 16,
    ) {}

    /** Looks for due events now (called after each commit that wrote events). */
    kick(): void {
        this.schedule(0);
    }

    async stop(): Promise<void> {
        this.stopped = true;
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.stopping.abort();
        await Promise.allSettled(this.inFlight.values());
    }

    private schedule(delayMs: number): void {
        if (this.stopped) return;
        const at = Date.now() + delayMs;
        if (this.timer !== null && this.timerAt <= at) return;
        if (this.timer !== null) clearTimeout(this.timer);
        this.timerAt = at;
        this.timer = setTimeout(() => this.tick(), delayMs);
        this.timer.unref();
    }

    private tick(): void {
        this.timer = null;
        this.timerAt = Infinity;
        if (this.stopped) return;
        const now = Date.now();
        try {
            const capacity = this.concurrency - this.inFlight.size;
            if (capacity > 0) {
                const rows = this.store.dueDeliveries(now, capacity + this.inFlight.size);
                for (const row of rows.filter((r) => !this.inFlight.has(r.seq)).slice(0, capacity)) {
                    const p = this.deliver(row).finally(() => {
                        this.inFlight.delete(row.seq);
                        this.kick();
                    });
                    this.inFlight.set(row.seq, p);
                }
            }
            const next = this.store.nextDueAt();
            if (next !== null) this.schedule(next > now ? Math.min(next - now, IDLE_POLL_MS) : BUSY_POLL_MS);
        } catch {
            this.schedule(IDLE_POLL_MS); // the database was closed or busy; try again later
        }
    }

    private signer(secret: string): Webhook {
        let w = this.signers.get(secret);
        if (w === undefined) {
            w = new Webhook(secret);
            this.signers.set(secret, w);
        }
        return w;
    }

    private async deliver(row: OutboxRow): Promise<void> {
        const attempts = row.attempts + 1;
        let status: number | null = null;
        try {
            if (row.webhook_url === null || row.webhook_secret === null) return;
            const body = JSON.stringify(webhookPayload(row));
            const msgId = messageIdFor(row.user_id);
            const sentAt = new Date();
            const headers = {
                "content-type": "application/json",
                "user-agent": "tenant-users-emulator",
                "webhook-id": msgId,
                "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
                "webhook-signature": this.signer(row.webhook_secret).sign(msgId, sentAt, body),
            };
            const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)]);
            const res = await fetch(row.webhook_url, { method: "POST", headers, body, signal, redirect: "manual" });
            status = res.status;
            await res.body?.cancel();
        } catch {
            status = null;
        }
        if (this.stopped) return;
        try {
            if (status !== null && status >= 200 && status < 300) this.store.markDelivered(row.seq, attempts, status);
            else this.store.markRetry(row.seq, attempts, status, Date.now() + backoffMs(attempts));
        } catch {
            // the store was closed under us: the event stays due and is retried after a restart
        }
    }
}
