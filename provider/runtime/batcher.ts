import { appendFileSync } from "node:fs";

/**
 * Debug trace of every batching decision, one JSON line each (ms since the batcher was made), to
 * the file this variable names; off unless set. `scripts/bench/batch-trace.ts` reads it.
 */
const TRACE_FILE = process.env.TENANT_USERS_BATCH_TRACE;

/** Weight of the newest interval in the smoothed announcement interval. */
const GAP_SMOOTHING = 0.25;
/** After the last announced add, wait this many announcement intervals for the next one (jitter). */
const HORIZON_GAPS = 4;
/** …but at least this long: a timer and a check round trip are not faster. */
const MIN_HORIZON_MS = 5;

interface Waiting<T, R> {
  item: T;
  at: number;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

export interface CreateBatcherOptions<T, R> {
  /**
   * Longest quiet after an add when more may follow: the cap on waiting for the next announcement,
   * and the quiet that closes a stream of adds nobody announced. A lone add with nothing else
   * announced never waits.
   */
  windowMs: number;
  /**
   * Quiet time while announced adds are still missing: a stream is under way, and the engine
   * pauses it for checkpoint writes (measured: gaps of 100 to 400 ms between creates at
   * `--parallel 200`), so the batch waits longer for the rest before it is cut.
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
 * Coalesces concurrent creates into bulk calls. The engine calls `create`
 * once per resource, concurrently (up to `--parallel`), in one provider
 * process, after `check` announced it (`expect`). A batch waits only while
 * more adds can be expected, so it never costs more than the engine's own pace.
 * Batches are independent; several may be in flight at once.
 */
export class CreateBatcher<T, R> {
  private pending: Waiting<T, R>[] = [];
  private timer: unknown;
  private batchStartedAt = 0;
  private expected = 0;
  private lastAnnounceAt: number | undefined;
  /** Smoothed interval between one-by-one announcements (the engine's pace of checks). */
  private announceGap: number | undefined;
  private lastAddAt: number | undefined;
  private unannouncedStream = false;
  /** Size at which two batches in a row stalled while more adds were announced: the engine's `--parallel`. */
  private stalledAt = 0;
  private lastStall = 0;
  private readonly opts: CreateBatcherOptions<T, R>;
  private readonly timers: NonNullable<CreateBatcherOptions<T, R>["timers"]>;

  constructor(opts: CreateBatcherOptions<T, R>) {
    if (!(opts.maxBatch >= 1)) throw new RangeError(`maxBatch must be at least 1, got ${opts.maxBatch}`);
    this.opts = opts;
    this.timers = opts.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
  }

  /**
   * Says that `count` more adds are on their way (the engine checks each new resource before it
   * creates it). While announced adds are missing, a batch waits for them (stream window, max wait);
   * once all are in, it goes at once unless announcements are still streaming in.
   */
  expect(count = 1): void {
    const now = this.now();
    // A one-by-one announcement measures how fast the engine checks; a backlog (announced before
    // the batcher existed) says nothing about the pace.
    if (count === 1 && this.lastAnnounceAt !== undefined) {
      const gap = now - this.lastAnnounceAt;
      this.announceGap = this.announceGap === undefined ? gap : this.announceGap + (gap - this.announceGap) * GAP_SMOOTHING;
    }
    this.lastAnnounceAt = now;
    this.expected += count;
    this.trace("expect", { count });
    if (this.pending.length > 0) this.schedule(now);
  }

  /** Adds an item to the current batch; settles with its own result (or the batch's error). */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const now = this.now();
      const previousAddAt = this.lastAddAt;
      this.lastAddAt = now;
      this.pending.push({ item, at: now, resolve, reject });
      if (this.pending.length === 1) this.batchStartedAt = now;
      const wasExpected = this.expected > 0;
      this.expected = Math.max(0, this.expected - 1);
      // An add nobody announced shortly after another one (not in the same instant: those are
      // concurrent, not a stream) is evidence that more unannounced adds follow.
      this.unannouncedStream = !wasExpected && previousAddAt !== undefined && now > previousAddAt && now - previousAddAt <= this.opts.windowMs;
      this.trace("add");
      this.schedule(now);
    });
  }

  /**
   * Decides when the current batch goes: at once when no further add can be expected, else when
   * the adds it waits for stop coming. Sending "at once" still goes through a zero timer, so adds
   * of the same instant share the batch.
   */
  private schedule(now: number): void {
    // At `--parallel N` the engine runs at most N creates at once: once two batches in a row stalled
    // at N while more were announced, a batch that reaches N will not grow, so it goes at once.
    // (One stall is not enough: checkpoint pauses stall a fast stream at arbitrary sizes.)
    const atEngineLimit = this.expected > 0 && this.stalledAt > 1 && this.pending.length >= this.stalledAt;
    if (this.pending.length >= this.opts.maxBatch || atEngineLimit) return this.flushNow(atEngineLimit ? "engine-limit" : "max-batch");
    const maxWait = Math.max(this.opts.maxWaitMs ?? this.opts.windowMs, this.opts.windowMs);
    let deadline: number;
    let why: string;
    if (this.expected > 0) {
      // Announced adds are missing: the engine pauses a stream for checkpoint writes, so wait
      // for a longer quiet than between adds of one burst.
      deadline = now + Math.max(this.opts.streamWindowMs ?? 0, this.opts.windowMs);
      why = "announced-missing";
    } else if (this.announcing(now)) {
      // Every announced add is in, but the engine is still checking resources one by one
      // (without checkpoints it interleaves checks and creates): a few check intervals more.
      deadline = this.lastAnnounceAt! + this.announceHorizon();
      why = "announcements-streaming";
    } else if (this.unannouncedStream) {
      deadline = now + this.opts.windowMs;
      why = "unannounced-stream";
    } else {
      deadline = now;
      why = "nothing-more-expected";
    }
    const delay = Math.max(0, Math.min(deadline, this.batchStartedAt + maxWait) - now);
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => {
      if (this.expected > 0) {
        if (this.pending.length === this.lastStall) this.stalledAt = this.lastStall;
        this.lastStall = this.pending.length;
      }
      this.flushNow(why);
    }, delay);
    this.trace("wait", { ms: delay, why });
  }

  /** How long after an announcement the next one is still likely: a few measured check intervals. */
  private announceHorizon(): number {
    return Math.min(this.opts.windowMs, Math.max(MIN_HORIZON_MS, HORIZON_GAPS * (this.announceGap ?? Infinity)));
  }

  /** Whether announcements come one by one at a measured pace, the last one within that pace. */
  private announcing(now: number): boolean {
    return this.announceGap !== undefined && this.lastAnnounceAt !== undefined && now - this.lastAnnounceAt < this.announceHorizon();
  }

  private now(): number {
    return this.timers.now ? this.timers.now() : Date.now();
  }

  /** Items waiting for the current batch's flush. */
  get waiting(): number {
    return this.pending.length;
  }

  private readonly createdAt = Date.now();

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
    if (batch.length > 0) {
      const now = this.now();
      this.trace("flush", { reason, size: batch.length, oldestWaitedMs: now - batch[0]!.at, newestWaitedMs: now - batch[batch.length - 1]!.at });
    }
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
          batch.forEach((w, i) => w.resolve(results[i] as R));
        },
        (error: unknown) => {
          for (const w of batch) w.reject(error);
        },
      );
  }
}
