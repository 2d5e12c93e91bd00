/**
 * The emulator's storage: one `node:sqlite` database, WAL for files,
 * prepared statements, one transaction per request (`Store.tx`).
 */
import { chmodSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { Dialect, Mode, RateLimitSettings } from "./types";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tenants (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  dialect TEXT NOT NULL,
  api_key TEXT UNIQUE,
  api_secret TEXT,
  test_key TEXT UNIQUE,
  live_key TEXT UNIQUE,
  webhook_secret TEXT,
  webhook_url TEXT,
  rate_limit TEXT,
  demo INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  tenant INTEGER NOT NULL,
  mode INTEGER NOT NULL,
  email TEXT NOT NULL,
  name TEXT,
  phone TEXT,
  country TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (tenant, mode, email)
);
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY,
  user_seq INTEGER NOT NULL,
  tenant INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  delivered INTEGER NOT NULL DEFAULT 0,
  last_status INTEGER,
  next_attempt_at INTEGER
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (next_attempt_at) WHERE delivered = 0 AND next_attempt_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS idempotency (
  tenant INTEGER NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, key)
) WITHOUT ROWID;
PRAGMA user_version = 1;
`;

/** Users of Zquence/Geldstuck have mode 0; projects users 1 (TEST) or 2 (LIVE). */
export type ModeCode = 0 | 1 | 2;
export const modeCode = (mode: Mode | null): ModeCode => (mode === "test" ? 1 : mode === "live" ? 2 : 0);
export const modeName = (code: number): Mode | null => (code === 1 ? "test" : code === 2 ? "live" : null);

export interface TenantRow {
    seq: number;
    id: string;
    dialect: Dialect;
    api_key: string | null;
    api_secret: string | null;
    test_key: string | null;
    live_key: string | null;
    webhook_secret: string | null;
    webhook_url: string | null;
    rate_limit: string | null;
    demo: number;
    created_at: string;
}

export interface UserRow {
    seq: number;
    id: string;
    tenant: number;
    mode: number;
    email: string;
    name: string | null;
    phone: string | null;
    country: string | null;
    created_at: string;
}

export interface OutboxRow {
    seq: number;
    attempts: number;
    delivered: number;
    last_status: number | null;
    user_id: string;
    email: string;
    name: string | null;
    phone: string | null;
    created_at: string;
    tenant_id: string;
    dialect: Dialect;
    webhook_url: string | null;
    webhook_secret: string | null;
}

export interface IdempotencyRow {
    fingerprint: string;
    status: number;
    body: string;
    created_at: number;
}

export interface NewUser {
    id: string;
    email: string;
    name: string | null;
    phone: string | null;
    country: string | null;
}

const OUTBOX_SELECT = `SELECT o.seq, o.attempts, o.delivered, o.last_status, u.id AS user_id, u.email, u.name, u.phone,
  u.created_at, t.id AS tenant_id, t.dialect, t.webhook_url, t.webhook_secret
  FROM outbox o JOIN users u ON u.seq = o.user_seq JOIN tenants t ON t.seq = o.tenant`;

export class Store {
    readonly db: DatabaseSync;
    private readonly s: Record<string, StatementSync>;

    constructor(readonly path: string) {
        // The tenants' keys are in the file: its owner's only (SQLite gives its -wal and -shm files the same mode).
        if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        this.db = new DatabaseSync(path);
        if (path !== ":memory:") chmodSync(path, 0o600);
        if (path !== ":memory:") this.db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
        // Checkpoints run from an idle timer (see index.ts); the automatic one is only a safety net.
        this.db.exec("PRAGMA busy_timeout = 5000; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;");
        if (path !== ":memory:") this.db.exec("PRAGMA wal_autocheckpoint = 16384;");
        this.db.exec(SCHEMA);
        const p = (sql: string): StatementSync => this.db.prepare(sql);
        this.s = {
            tenantById: p("SELECT * FROM tenants WHERE id = ?"),
            tenantByApiKey: p("SELECT * FROM tenants WHERE api_key = ?"),
            tenantByTestKey: p("SELECT * FROM tenants WHERE test_key = ?"),
            tenantByLiveKey: p("SELECT * FROM tenants WHERE live_key = ?"),
            insertTenant: p(`INSERT INTO tenants (id, dialect, api_key, api_secret, test_key, live_key, webhook_secret, webhook_url,
        rate_limit, demo, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
            setRateLimit: p("UPDATE tenants SET rate_limit = ? WHERE seq = ?"),
            setWebhookUrl: p("UPDATE tenants SET webhook_url = ? WHERE seq = ?"),
            insertUser: p(`INSERT INTO users (id, tenant, mode, email, name, phone, country, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
            findUser: p("SELECT * FROM users WHERE tenant = ? AND mode = ? AND email = ?"),
            listUsers: p("SELECT * FROM users WHERE tenant = ? ORDER BY seq"),
            listUsersByMode: p("SELECT * FROM users WHERE tenant = ? AND mode = ? ORDER BY seq"),
            enqueue: p("INSERT INTO outbox (user_seq, tenant, next_attempt_at) VALUES (?, ?, ?)"),
            enqueueSince: p(
                "INSERT INTO outbox (user_seq, tenant, next_attempt_at) SELECT seq, tenant, ? FROM users WHERE seq > ? ORDER BY seq",
            ),
            maxUserSeq: p("SELECT coalesce(max(seq), 0) AS seq FROM users"),
            due: p(`${OUTBOX_SELECT} WHERE o.delivered = 0 AND o.next_attempt_at IS NOT NULL AND o.next_attempt_at <= ?
        ORDER BY o.next_attempt_at, o.seq LIMIT ?`),
            nextDue: p("SELECT min(next_attempt_at) AS at FROM outbox WHERE delivered = 0 AND next_attempt_at IS NOT NULL"),
            delivered: p("UPDATE outbox SET delivered = 1, attempts = ?, last_status = ?, next_attempt_at = NULL WHERE seq = ?"),
            retryLater: p("UPDATE outbox SET attempts = ?, last_status = ?, next_attempt_at = ? WHERE seq = ?"),
            schedule: p("UPDATE outbox SET next_attempt_at = ? WHERE tenant = ? AND delivered = 0"),
            deliveries: p(`${OUTBOX_SELECT} ORDER BY o.seq`),
            deliveriesOf: p(`${OUTBOX_SELECT} WHERE o.tenant = ? ORDER BY o.seq`),
            getIdem: p("SELECT fingerprint, status, body, created_at FROM idempotency WHERE tenant = ? AND key = ?"),
            putIdem: p(`INSERT INTO idempotency (tenant, key, fingerprint, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (tenant, key) DO UPDATE SET fingerprint = excluded.fingerprint, status = excluded.status,
        body = excluded.body, created_at = excluded.created_at`),
            expireIdem: p("DELETE FROM idempotency WHERE created_at < ?"),
        };
    }

    /** Runs `fn` in one IMMEDIATE transaction: everything it wrote is committed together or not at all. */
    tx<T>(fn: () => T): T {
        this.db.exec("BEGIN IMMEDIATE");
        try {
            const result = fn();
            this.db.exec("COMMIT");
            return result;
        } catch (error) {
            if (this.db.isTransaction) this.db.exec("ROLLBACK");
            throw error;
        }
    }

    tenantById(id: string): TenantRow | undefined {
        return this.s.tenantById!.get(id) as TenantRow | undefined;
    }

    tenantByApiKey(apiKey: string): TenantRow | undefined {
        return this.s.tenantByApiKey!.get(apiKey) as TenantRow | undefined;
    }

    /** The tenant and mode a projects secret key opens. */
    tenantBySecretKey(key: string): { tenant: TenantRow; mode: Mode } | undefined {
        const test = this.s.tenantByTestKey!.get(key) as TenantRow | undefined;
        if (test) return { tenant: test, mode: "test" };
        const live = this.s.tenantByLiveKey!.get(key) as TenantRow | undefined;
        return live ? { tenant: live, mode: "live" } : undefined;
    }

    insertTenant(t: Omit<TenantRow, "seq">): void {
        this.s.insertTenant!.run(
            t.id,
            t.dialect,
            t.api_key,
            t.api_secret,
            t.test_key,
            t.live_key,
            t.webhook_secret,
            t.webhook_url,
            t.rate_limit,
            t.demo,
            t.created_at,
        );
    }

    setRateLimit(tenantSeq: number, settings: Required<RateLimitSettings> | null): void {
        this.s.setRateLimit!.run(settings === null ? null : JSON.stringify(settings), tenantSeq);
    }

    setWebhookUrl(tenantSeq: number, url: string | null, now: number): void {
        this.tx(() => {
            this.s.setWebhookUrl!.run(url, tenantSeq);
            this.s.schedule!.run(url === null ? null : now, tenantSeq);
        });
    }

    /** Inserts unless the (tenant, mode, email) already exists; returns the new row's seq, or null when skipped. */
    insertUser(tenantSeq: number, mode: ModeCode, user: NewUser, createdAt: string): number | null {
        const r = this.s.insertUser!.run(user.id, tenantSeq, mode, user.email, user.name, user.phone, user.country, createdAt);
        return r.changes === 0 ? null : Number(r.lastInsertRowid);
    }

    findUser(tenantSeq: number, mode: ModeCode, email: string): UserRow | undefined {
        return this.s.findUser!.get(tenantSeq, mode, email) as UserRow | undefined;
    }

    listUsers(tenantSeq: number, mode?: ModeCode): UserRow[] {
        const rows = mode === undefined ? this.s.listUsers!.all(tenantSeq) : this.s.listUsersByMode!.all(tenantSeq, mode);
        return rows as unknown as UserRow[];
    }

    /** One outbox event per created user; `dueAt` null parks it until the tenant has a webhook URL. */
    enqueue(userSeq: number, tenantSeq: number, dueAt: number | null): void {
        this.s.enqueue!.run(userSeq, tenantSeq, dueAt);
    }

    /** The highest user seq so far; users created later in the same transaction have a higher one. */
    maxUserSeq(): number {
        return Number((this.s.maxUserSeq!.get() as { seq: number }).seq);
    }

    /** One outbox event for every user inserted after `seq` (one statement for a whole bulk). */
    enqueueSince(seq: number, dueAt: number | null): number {
        return Number(this.s.enqueueSince!.run(dueAt, seq).changes);
    }

    dueDeliveries(now: number, limit: number): OutboxRow[] {
        return this.s.due!.all(now, limit) as unknown as OutboxRow[];
    }

    nextDueAt(): number | null {
        const row = this.s.nextDue!.get() as { at: number | null };
        return row.at;
    }

    markDelivered(seq: number, attempts: number, status: number): void {
        this.s.delivered!.run(attempts, status, seq);
    }

    markRetry(seq: number, attempts: number, status: number | null, nextAt: number): void {
        this.s.retryLater!.run(attempts, status, nextAt, seq);
    }

    deliveries(tenantSeq?: number): OutboxRow[] {
        const rows = tenantSeq === undefined ? this.s.deliveries!.all() : this.s.deliveriesOf!.all(tenantSeq);
        return rows as unknown as OutboxRow[];
    }

    getIdempotency(tenantSeq: number, key: string): IdempotencyRow | undefined {
        return this.s.getIdem!.get(tenantSeq, key) as IdempotencyRow | undefined;
    }

    putIdempotency(tenantSeq: number, key: string, row: IdempotencyRow): void {
        this.s.putIdem!.run(tenantSeq, key, row.fingerprint, row.status, row.body, row.created_at);
    }

    expireIdempotency(before: number): void {
        this.s.expireIdem!.run(before);
    }

    /** Deletes every tenant, user, event and idempotency record. */
    wipe(): void {
        this.tx(() => this.db.exec("DELETE FROM outbox; DELETE FROM idempotency; DELETE FROM users; DELETE FROM tenants;"));
    }

    /** Folds the WAL back into the database file; called when idle. */
    checkpoint(): void {
        if (this.path !== ":memory:") this.db.exec("PRAGMA wal_checkpoint(PASSIVE)");
    }

    close(): void {
        if (this.db.isOpen) this.db.close();
    }
}
