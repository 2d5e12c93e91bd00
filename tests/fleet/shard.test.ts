/** Shards of a CI matrix. */
import { expect } from "chai";
import { parseShard, selectShard } from "../../cli/fleet/shard";

const tenants = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `tenant-${(i * 7919) % 1000}` }));

describe("fleet shards", () => {
    it("covers every tenant exactly once over the N shards, for N from 1 to 7", () => {
        const all = tenants(50);
        for (let n = 1; n <= 7; n++) {
            const picked = Array.from({ length: n }, (_, i) => selectShard(all, { index: i + 1, count: n }))
                .flat()
                .map((t) => t.name);
            expect(picked.sort(), `N=${n}`).to.deep.equal(all.map((t) => t.name).sort());
        }
    });

    it("gives shards sizes that differ by at most one", () => {
        const sizes = [1, 2, 3, 4].map((i) => selectShard(tenants(50), { index: i, count: 4 }).length);
        expect(Math.max(...sizes) - Math.min(...sizes)).to.be.at.most(1);
    });

    it("does not depend on the order of the tenants in the file", () => {
        const all = tenants(20);
        const names = (list: { name: string }[]) =>
            selectShard(list, { index: 2, count: 3 })
                .map((t) => t.name)
                .sort();
        expect(names([...all].reverse())).to.deep.equal(names(all));
    });

    it("keeps the file's order within a shard", () => {
        const all = [{ name: "c" }, { name: "a" }, { name: "b" }];
        expect(selectShard(all, { index: 1, count: 1 }).map((t) => t.name)).to.deep.equal(["c", "a", "b"]);
    });

    it("parses I/N and refuses an index outside 1..N", () => {
        expect(parseShard("2/4")).to.deep.equal({ index: 2, count: 4 });
        for (const bad of ["0/4", "5/4", "1/0", "1", "a/b", "1/2/3"]) expect(() => parseShard(bad), bad).to.throw(/--shard/);
    });
});
