import { appendFileSync } from "node:fs";

/**
 * Debug trace of every batching decision, one JSON line each (ms since the batcher was made), to
 * the file this variable names; off unless set.
 */
const TRACE_FILE = process.env.TENANT_USERS_BATCH_TRACE;

/** After the last announcement, the next one is still likely for this many of the longest recent check intervals. */
export const HORIZON_GAPS = 4;
/** How many recent check intervals the horizon looks at (the longest of them counts: jitter, not the mean). */
const RECENT_GAPS = 8;
/** The horizon is never shorter than this: a check's round trip through the engine is not faster. */
export const MIN_HORIZON_MS = 5;

interface Waiting<T, R> {
    item: T;
    resolve: (result: R) => void;
    reject: (error: unknown) => void;
}

export interface CreateBatcherOptions<T, R> {
    /**
     * Quiet time that closes a batch of adds nobody announced: a lone add waits this long for company,
     * and each new add restarts it. Also the longest the batcher waits for the engine's next check once
     * every announced add is in (the check stream's measured pace usually says much less).
     */
    windowMs: number;
    /**
     * Quiet time while announced adds are still missing, or once a batch of unannounced adds has two
     * or more: a stream is under way, and the engine pauses it for checkpoint writes (measured: gaps
     * of 100 to 400 ms between creates at `--parallel 200`), so the batch waits longer for the rest.
     * @default windowMs
     */
    streamWindowMs?: number;
    /**
     * Longest the first add of a batch waits while adds keep coming. The engine starts creates as it
     * walks the program's registrations, a few milliseconds apart: a fixed window would cut that
     * stream into many small bulks, a quiet window alone could hold it forever.
     * @default windowMs (a fixed window)
     */
    maxWaitMs?: number;
    /** A batch this large is flushed at once. */
    maxBatch: number;
    /** Sends one batch; must resolve with one result per item, in order. */
    flush: (items: T[]) => Promise<R[]>;
    /** Timer functions, replaceable by a fake clock in tests. @default the global ones */
    timers?: { setTimeout: (fn: () => void, ms: number) => unknown; clearTimeout: (handle: unknown) => void; now?: () => number };
}

/**
 * Coalesces concurrent creates into bulk calls. The engine checks each new resource (one at a time,
 * as it walks the program's registrations; `check` announces the create with `expect`) and then
 * calls `create`, concurrently up to `--parallel`, in one provider process. A batch waits only while
 * another add can still come: while announced adds are missing, or while the engine is still
 * checking resources (the last check is recent compared with the measured interval between checks).
 * Once every announced add is in and the check stream has ended, the batch goes at once, so a
 * create does not wait for company the engine will not send. (A check whose create never comes,
 * as when the engine stops after a failure, leaves later batches to the stream windows, bounded by
 * `maxWaitMs`.)
 * Batches are independent; several may be in flight at once.
 */
export class CreateBatcher<T, R> {
    private pending: Waiting<T, R>[] = [];
    private timer: unknown;
    private batchStartedAt = 0;
    private expected = 0;
    private lastAddAt = 0;
    private lastAnnounceAt: number | undefined;
    /** Recent intervals between one-by-one announcements: the engine's pace of checks. */
    private gaps: number[] = [];
    /** Size at which two batches in a row stalled while more adds were announced: the engine's `--parallel`. */
    private stalledAt = 0;
    private lastStall = 0;
    private readonly opts: CreateBatcherOptions<T, R>;
    private readonly timers: NonNullable<CreateBatcherOptions<T, R>["timers"]>;
    private readonly createdAt = Date.now();

    constructor(opts: CreateBatcherOptions<T, R>) {
        if (!(opts.maxBatch >= 1)) throw new RangeError(`maxBatch must be at least 1, got ${opts.maxBatch}`);
        this.opts = opts;
        this.timers = opts.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    }

    /**
     * Says that `count` more adds are on their way (the engine checks each new resource before it
     * creates it), announced `at` (default now; earlier for announcements made before the batcher
     * existed). One-by-one announcements also measure the engine's pace of checks; a backlog
     * announced at once says nothing about it.
     */
    expect(count = 1, at?: number): void {
        if (count <= 0) return;
        const now = at ?? this.now();
        if (count === 1 && this.lastAnnounceAt !== undefined) {
            this.gaps.push(now - this.lastAnnounceAt);
            if (this.gaps.length > RECENT_GAPS) this.gaps.shift();
        }
        this.lastAnnounceAt = now;
        this.expected += count;
        this.trace("expect", { count });
        if (this.pending.length > 0) this.schedule(this.now());
    }

    /** Adds an item to the current batch; settles with its own result (or the batch's error). */
    add(item: T): Promise<R> {
        return new Promise<R>((resolve, reject) => {
            const now = this.now();
            this.pending.push({ item, resolve, reject });
            if (this.pending.length === 1) this.batchStartedAt = now;
            this.lastAddAt = now;
            this.expected = Math.max(0, this.expected - 1);
            this.trace("add");
            this.schedule(now);
        });
    }

    /**
     * How long after the last announcement another one is still likely: a few of the longest recent
     * check intervals, at most `windowMs`; `windowMs` until an interval has been measured.
     */
    horizonMs(): number {
        if (this.gaps.length === 0) return this.opts.windowMs;
        return Math.min(this.opts.windowMs, Math.max(MIN_HORIZON_MS, HORIZON_GAPS * Math.max(...this.gaps)));
    }

    /** Decides when the current batch goes, after an add or an announcement. */
    private schedule(now: number): void {
        // At `--parallel N` the engine runs at most N creates at once: once two batches in a row stalled
        // at N while more were announced, a batch that reaches N will not grow, so it goes at once.
        // (One stall is not enough: checkpoint pauses stall a fast stream at arbitrary sizes.)
        const atEngineLimit = this.expected > 0 && this.stalledAt > 1 && this.pending.length >= this.stalledAt;
        if (this.pending.length >= this.opts.maxBatch || atEngineLimit) {
            this.flushNow(atEngineLimit ? "engine-limit" : "max-batch");
            return;
        }
        const stream = Math.max(this.opts.streamWindowMs ?? 0, this.opts.windowMs);
        let deadline: number;
        let why: string;
        if (this.expected > 0) {
            // Announced adds are missing: the engine pauses a stream for checkpoint writes.
            deadline = Math.max(this.lastAddAt, this.lastAnnounceAt ?? 0) + stream;
            why = "announced-missing";
        } else if (this.lastAnnounceAt !== undefined) {
            // Every announced add is in: only another check can bring more, and the check stream has
            // ended once none came for a few of its intervals (at once if that is already so).
            deadline = this.lastAnnounceAt + this.horizonMs();
            why = deadline > now ? "checks-streaming" : "nothing-more-can-come";
        } else {
            // Nobody announces these adds: quiet windows alone.
            deadline = this.lastAddAt + (this.pending.length > 1 ? stream : this.opts.windowMs);
            why = "unannounced";
        }
        const maxWait = Math.max(this.opts.maxWaitMs ?? this.opts.windowMs, this.opts.windowMs);
        const delay = Math.max(0, Math.min(deadline, this.batchStartedAt + maxWait) - now);
        if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
        // Even "at once" goes through a zero timer, so creates the engine sends in the same instant share the batch.
        this.timer = this.timers.setTimeout(() => {
            if (this.expected > 0) {
                if (this.pending.length === this.lastStall) this.stalledAt = this.lastStall;
                this.lastStall = this.pending.length;
            }
            this.flushNow(why);
        }, delay);
        this.trace("wait", { ms: delay, why });
    }

    private now(): number {
        return this.timers.now ? this.timers.now() : Date.now();
    }

    /** Items waiting for the current batch's flush. */
    get waiting(): number {
        return this.pending.length;
    }

    private trace(event: string, extra: Record<string, unknown> = {}): void {
        if (!TRACE_FILE) return;
        const line = { t: Date.now() - this.createdAt, event, pending: this.pending.length, expected: this.expected, ...extra };
        try {
            appendFileSync(TRACE_FILE, `${JSON.stringify(line)}\n`);
        } catch {
            // A trace must never fail a create.
        }
    }

    private flushNow(reason: string): void {
        if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
        this.timer = undefined;
        const batch = this.pending;
        if (batch.length > 0) this.trace("flush", { reason, size: batch.length });
        this.pending = [];
        if (batch.length === 0) return;
        // Through a promise, so a flush that throws synchronously rejects the batch too.
        Promise.resolve()
            .then(() => this.opts.flush(batch.map((w) => w.item)))
            .then(
                (results) => {
                    if (!Array.isArray(results) || results.length !== batch.length) {
                        const got = Array.isArray(results) ? results.length : typeof results;
                        const err = new Error(`batch flush returned ${got} results for ${batch.length} items`);
                        for (const w of batch) w.reject(err);
                        return;
                    }
                    for (const [i, w] of batch.entries()) w.resolve(results[i] as R);
                },
                (error: unknown) => {
                    for (const w of batch) w.reject(error);
                },
            );
    }
}
