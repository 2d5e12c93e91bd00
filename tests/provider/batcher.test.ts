import { expect } from "chai";
import { CreateBatcher } from "../../provider/runtime/batcher";

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** A manual clock: timers fire only when the test advances time. */
function fakeClock() {
    let now = 0;
    let timers: { at: number; fn: () => void; id: number }[] = [];
    let next = 0;
    return {
        timers: {
            setTimeout: (fn: () => void, ms: number) => {
                timers.push({ at: now + ms, fn, id: ++next });
                return next;
            },
            clearTimeout: (id: unknown) => {
                timers = timers.filter((t) => t.id !== id);
            },
            now: () => now,
        },
        advance(ms: number) {
            now += ms;
            const due = timers.filter((t) => t.at <= now);
            timers = timers.filter((t) => t.at > now);
            for (const t of due) t.fn();
        },
        pending: () => timers.length,
    };
}

describe("CreateBatcher", () => {
    function recorder<T>(result: (items: T[]) => unknown[] = (items) => items.map((i) => `r:${String(i)}`)) {
        const calls: T[][] = [];
        return {
            calls,
            flush: async (items: T[]) => {
                calls.push(items);
                return result(items);
            },
        };
    }

    it("coalesces concurrent adds into one flush", async () => {
        const r = recorder<number>();
        const b = new CreateBatcher<number, unknown>({ windowMs: 20, maxBatch: 100, flush: r.flush });
        const out = await Promise.all([1, 2, 3, 4].map((n) => b.add(n)));
        expect(r.calls).to.deep.equal([[1, 2, 3, 4]]);
        expect(out).to.deep.equal(["r:1", "r:2", "r:3", "r:4"]);
    });

    it("flushes a lone add after the window, not before", async () => {
        const r = recorder<string>();
        const clock = fakeClock();
        const b = new CreateBatcher<string, unknown>({ windowMs: 50, maxBatch: 100, flush: r.flush, timers: clock.timers });
        const solo = b.add("solo");
        clock.advance(49);
        await tick();
        expect(r.calls).to.have.length(0);
        clock.advance(1);
        expect(await solo).to.equal("r:solo");
        expect(r.calls).to.deep.equal([["solo"]]);
    });

    it("flushes a lone add on a real timer", async () => {
        const r = recorder<string>();
        const b = new CreateBatcher<string, unknown>({ windowMs: 5, maxBatch: 100, flush: r.flush });
        expect(await b.add("solo")).to.equal("r:solo");
    });

    it("starts the window at the first add of a batch, so later adds do not extend it", async () => {
        const r = recorder<number>();
        const clock = fakeClock();
        const b = new CreateBatcher<number, unknown>({ windowMs: 40, maxBatch: 100, flush: r.flush, timers: clock.timers });
        const first = b.add(1);
        clock.advance(30);
        const second = b.add(2);
        expect(clock.pending()).to.equal(1);
        clock.advance(9);
        await tick();
        expect(r.calls).to.have.length(0);
        clock.advance(1);
        await Promise.all([first, second]);
        expect(r.calls).to.deep.equal([[1, 2]]);
        // The next add opens a new batch with its own window.
        const third = b.add(3);
        clock.advance(40);
        await third;
        expect(r.calls).to.deep.equal([[1, 2], [3]]);
    });

    it("keeps a batch open while adds keep arriving within the window, up to maxWaitMs", async () => {
        const r = recorder<number>();
        const clock = fakeClock();
        const b = new CreateBatcher<number, unknown>({
            windowMs: 20,
            maxWaitMs: 100,
            maxBatch: 1000,
            flush: r.flush,
            timers: clock.timers,
        });
        const adds = [b.add(0)];
        for (let i = 1; i <= 4; i++) {
            clock.advance(15); // each add comes before the quiet window closes
            adds.push(b.add(i));
        }
        await tick();
        expect(r.calls).to.have.length(0);
        clock.advance(20);
        await Promise.all(adds);
        expect(r.calls).to.deep.equal([[0, 1, 2, 3, 4]]);
    });

    it("waits the longer stream window once a batch holds two adds", async () => {
        const r = recorder<number>();
        const clock = fakeClock();
        const b = new CreateBatcher<number, unknown>({
            windowMs: 20,
            streamWindowMs: 80,
            maxWaitMs: 1000,
            maxBatch: 1000,
            flush: r.flush,
            timers: clock.timers,
        });
        const adds = [b.add(0)];
        clock.advance(10);
        adds.push(b.add(1));
        clock.advance(70); // past the lone window, within the stream window
        adds.push(b.add(2));
        clock.advance(79);
        await tick();
        expect(r.calls).to.have.length(0);
        clock.advance(1);
        await Promise.all(adds);
        expect(r.calls).to.deep.equal([[0, 1, 2]]);
    });

    it("waits only the short window once every announced add has arrived", async () => {
        const r = recorder<number>();
        const clock = fakeClock();
        const b = new CreateBatcher<number, unknown>({
            windowMs: 50,
            streamWindowMs: 1000,
            maxBatch: 1000,
            flush: r.flush,
            timers: clock.timers,
        });
        b.expect(3);
        const adds = [1, 2, 3].map((n) => b.add(n));
        await tick();
        expect(r.calls).to.have.length(0);
        clock.advance(50);
        await Promise.all(adds);
        expect(r.calls).to.deep.equal([[1, 2, 3]]);
        expect(clock.pending()).to.equal(0);
    });

    it("keeps the batch open for adds announced while it waits", async () => {
        const r = recorder<number>();
        const clock = fakeClock();
        const b = new CreateBatcher<number, unknown>({
            windowMs: 50,
            streamWindowMs: 1000,
            maxBatch: 1000,
            flush: r.flush,
            timers: clock.timers,
        });
        const adds: Promise<unknown>[] = [];
        for (const n of [1, 2, 3]) {
            // check, create, check, create…: the engine without checkpoints
            b.expect(1);
            adds.push(b.add(n));
            clock.advance(10);
        }
        await tick();
        expect(r.calls).to.have.length(0);
        clock.advance(50);
        await Promise.all(adds);
        expect(r.calls).to.deep.equal([[1, 2, 3]]);
    });

    it("waits out the window while announced adds are still missing", async () => {
        const r = recorder<number>();
        const clock = fakeClock();
        const b = new CreateBatcher<number, unknown>({ windowMs: 30, maxBatch: 1000, flush: r.flush, timers: clock.timers });
        b.expect(5);
        const adds = [1, 2].map((n) => b.add(n));
        await tick();
        expect(r.calls).to.have.length(0);
        clock.advance(30);
        await Promise.all(adds);
        expect(r.calls).to.deep.equal([[1, 2]]);
    });

    it("sends a batch at once when it reaches the size at which two batches in a row stalled", async () => {
        const r = recorder<number>();
        const clock = fakeClock();
        const b = new CreateBatcher<number, unknown>({
            windowMs: 10,
            streamWindowMs: 100,
            maxBatch: 1000,
            flush: r.flush,
            timers: clock.timers,
        });
        b.expect(12);
        for (const batch of [
            [1, 2, 3],
            [4, 5, 6],
        ]) {
            // the engine's limit: 3 at once
            const adds = batch.map((n) => b.add(n));
            clock.advance(100);
            await Promise.all(adds);
        }
        const third = [7, 8, 9].map((n) => b.add(n));
        await Promise.all(third); // no timer needed
        expect(r.calls).to.deep.equal([
            [1, 2, 3],
            [4, 5, 6],
            [7, 8, 9],
        ]);
    });

    it("does not take one stall for the engine's limit", async () => {
        const r = recorder<number>();
        const clock = fakeClock();
        const b = new CreateBatcher<number, unknown>({
            windowMs: 10,
            streamWindowMs: 100,
            maxBatch: 1000,
            flush: r.flush,
            timers: clock.timers,
        });
        b.expect(12);
        const first = [1, 2, 3].map((n) => b.add(n));
        clock.advance(100);
        await Promise.all(first);
        const second = [4, 5, 6, 7].map((n) => b.add(n));
        await tick();
        expect(r.calls).to.have.length(1);
        clock.advance(100);
        await Promise.all(second);
        expect(r.calls).to.deep.equal([
            [1, 2, 3],
            [4, 5, 6, 7],
        ]);
    });

    it("flushes a stream of adds at maxWaitMs even if it never goes quiet", async () => {
        const r = recorder<number>();
        const clock = fakeClock();
        const b = new CreateBatcher<number, unknown>({ windowMs: 20, maxWaitMs: 50, maxBatch: 1000, flush: r.flush, timers: clock.timers });
        const adds = [b.add(0)];
        for (let i = 1; i <= 5; i++) {
            clock.advance(10);
            adds.push(b.add(i));
        }
        await tick();
        // The add at 50 ms finds the first batch already flushed and opens the next one.
        expect(r.calls).to.deep.equal([[0, 1, 2, 3, 4]]);
        clock.advance(20);
        await Promise.all(adds);
        expect(r.calls).to.deep.equal([[0, 1, 2, 3, 4], [5]]);
    });

    it("flushes as soon as a batch reaches maxBatch, without waiting for the window", async () => {
        const r = recorder<number>();
        const clock = fakeClock();
        const b = new CreateBatcher<number, unknown>({ windowMs: 60_000, maxBatch: 3, flush: r.flush, timers: clock.timers });
        const batch = [1, 2, 3].map((n) => b.add(n));
        expect(r.calls).to.have.length(0); // the flush starts on the next microtask
        await Promise.all(batch);
        expect(r.calls).to.deep.equal([[1, 2, 3]]);
        expect(b.waiting).to.equal(0);
        expect(clock.pending()).to.equal(0);
    });

    it("splits more adds than maxBatch into several batches", async () => {
        const r = recorder<number>();
        const b = new CreateBatcher<number, unknown>({ windowMs: 10, maxBatch: 2, flush: r.flush });
        await Promise.all([1, 2, 3, 4, 5].map((n) => b.add(n)));
        expect(r.calls).to.deep.equal([[1, 2], [3, 4], [5]]);
    });

    it("maps results back to each add by position", async () => {
        const b = new CreateBatcher<string, number>({ windowMs: 5, maxBatch: 10, flush: async (items) => items.map((s) => s.length) });
        expect(await Promise.all(["a", "bbb", "cc"].map((s) => b.add(s)))).to.deep.equal([1, 3, 2]);
    });

    it("rejects every add of a batch with the flush's error", async () => {
        const boom = new Error("vendor down");
        const b = new CreateBatcher<number, number>({ windowMs: 5, maxBatch: 10, flush: async () => Promise.reject(boom) });
        const settled = await Promise.allSettled([1, 2].map((n) => b.add(n)));
        expect(settled.map((s) => (s.status === "rejected" ? s.reason : s))).to.deep.equal([boom, boom]);
    });

    it("rejects every add when flush throws synchronously", async () => {
        const b = new CreateBatcher<number, number>({
            windowMs: 5,
            maxBatch: 10,
            flush: () => {
                throw new Error("sync");
            },
        });
        const settled = await Promise.allSettled([b.add(1)]);
        expect(settled[0]!.status).to.equal("rejected");
    });

    it("rejects a batch whose flush returns the wrong number of results", async () => {
        const b = new CreateBatcher<number, number>({ windowMs: 5, maxBatch: 10, flush: async () => [1] });
        const settled = await Promise.allSettled([b.add(1), b.add(2)]);
        expect(settled.every((s) => s.status === "rejected")).to.equal(true);
        expect(((settled[0] as PromiseRejectedResult).reason as Error).message).to.contain("1 results for 2 items");
    });

    it("keeps a failed batch from touching the next one", async () => {
        let n = 0;
        const b = new CreateBatcher<number, number>({
            windowMs: 5,
            maxBatch: 10,
            flush: async (items) => (n++ === 0 ? Promise.reject(new Error("x")) : items),
        });
        await b.add(1).catch(() => undefined);
        expect(await b.add(2)).to.equal(2);
    });

    it("runs flushes of different batches concurrently", async () => {
        let running = 0;
        let peak = 0;
        const release: (() => void)[] = [];
        const b = new CreateBatcher<number, number>({
            windowMs: 60_000,
            maxBatch: 1,
            flush: async (items) => {
                running++;
                peak = Math.max(peak, running);
                await new Promise<void>((r) => release.push(r));
                running--;
                return items;
            },
        });
        const all = Promise.all([1, 2, 3].map((n) => b.add(n)));
        await tick();
        expect(peak).to.equal(3);
        for (const r of release) r();
        expect(await all).to.deep.equal([1, 2, 3]);
    });
});
