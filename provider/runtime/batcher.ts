interface Waiting<T, R> {
    item: T;
    resolve: (result: R) => void;
    reject: (error: unknown) => void;
}

export interface CreateBatcherOptions<T, R> {
    /** Quiet time that closes a batch: a lone add waits this long for company, and each new add restarts it. */
    windowMs: number;
    /**
     * Quiet time once a batch has two or more adds, or more adds were announced: a stream is under way, and the engine
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
 * process: adds that arrive within `windowMs` of each other share a flush.
 * Batches are independent; several may be in flight at once.
 */
export class CreateBatcher<T, R> {
    private pending: Waiting<T, R>[] = [];
    private timer: unknown;
    private batchStartedAt = 0;
    private expected = 0;
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
     * creates it). When every expected add has arrived, the batch waits only `windowMs` instead of
     * its longer stream window; adds nobody announced are batched by the windows alone.
     */
    expect(count = 1): void {
        this.expected += count;
    }

    /** Adds an item to the current batch; settles with its own result (or the batch's error). */
    add(item: T): Promise<R> {
        return new Promise<R>((resolve, reject) => {
            this.pending.push({ item, resolve, reject });
            const wasExpected = this.expected > 0;
            this.expected = Math.max(0, this.expected - 1);
            // At `--parallel N` the engine runs at most N creates at once: once two batches in a row stalled
            // at N while more were announced, a batch that reaches N will not grow, so it goes at once.
            // (One stall is not enough: checkpoint pauses stall a fast stream at arbitrary sizes.)
            const atEngineLimit = this.expected > 0 && this.stalledAt > 1 && this.pending.length >= this.stalledAt;
            if (this.pending.length >= this.opts.maxBatch || atEngineLimit) return this.flushNow();
            const now = this.now();
            if (this.pending.length === 1) this.batchStartedAt = now;
            if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
            const maxWait = Math.max(this.opts.maxWaitMs ?? this.opts.windowMs, this.opts.windowMs);
            // Every announced add is here: only the short window, in case the engine checks more
            // resources while this one waits (without checkpoints it interleaves checks and creates).
            const allAnnouncedArrived = wasExpected && this.expected === 0;
            // A stream is under way when the batch already has company or more adds were announced.
            const streaming = !allAnnouncedArrived && (this.pending.length > 1 || this.expected > 0);
            const quiet = streaming ? Math.max(this.opts.streamWindowMs ?? 0, this.opts.windowMs) : this.opts.windowMs;
            const delay = Math.min(quiet, this.batchStartedAt + maxWait - now);
            this.timer = this.timers.setTimeout(
                () => {
                    if (this.expected > 0) {
                        if (this.pending.length === this.lastStall) this.stalledAt = this.lastStall;
                        this.lastStall = this.pending.length;
                    }
                    this.flushNow();
                },
                Math.max(0, delay),
            );
        });
    }

    private now(): number {
        return this.timers.now ? this.timers.now() : Date.now();
    }

    /** Items waiting for the current batch's flush. */
    get waiting(): number {
        return this.pending.length;
    }

    private flushNow(): void {
        if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
        this.timer = undefined;
        const batch = this.pending;
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
