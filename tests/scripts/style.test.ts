/**
 * One style, enforced: Biome's formatter and linter (biome.json) over every source file. A file
 * that is not formatted, or that breaks a lint rule, fails the suite: run `npx biome check --write .`
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../../cli/pulumi-toolchain";

const BIOME = path.join(REPO_ROOT, "node_modules", ".bin", "biome");

describe("style", function () {
    this.timeout(60_000);

    it("finds every source file formatted and lint-clean (npx biome check --write . fixes most)", () => {
        const run = spawnSync(BIOME, ["ci", "--colors=off", "."], { cwd: REPO_ROOT, encoding: "utf8" });
        expect(run.status, `${run.stdout}\n${run.stderr}`).to.equal(0);
        // The check must have seen the tree: an include that matched nothing would pass as well.
        const checked = Number(/Checked (\d+) files?/.exec(`${run.stdout}${run.stderr}`)?.[1] ?? 0);
        expect(checked, `${run.stdout}\n${run.stderr}`).to.be.greaterThan(150);
    });
});
