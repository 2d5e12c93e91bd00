/** Ingest speed of the emulator (emulator/bench.ts), against a WAL database file. */
import { expect } from "chai";
import { benchEmulatorIngest } from "../../emulator/bench";

const BUDGET_MS = Number(process.env.EMULATOR_BULK_BUDGET_MS ?? 200);

describe("emulator ingest speed", function () {
    this.timeout(60_000);

    // Judged on CPU time (client and server share this process), so that other
    // work on a busy machine does not fail it; wall time is what bench reports.
    it(`handles a 10,000-user Zquence bulk in at most ${BUDGET_MS} ms of CPU (median of 3)`, async () => {
        const result = await benchEmulatorIngest({ quick: true });
        const detail = JSON.stringify(
            result.samples.filter((s) => s.dialect === "zquence").map((s) => [Math.round(s.ms), Math.round(s.cpuMs)]),
        );
        expect(result.zquenceBulkMedianCpuMs, detail).to.be.at.most(BUDGET_MS);
        expect(result.projectsUsersPerSecond).to.be.above(0);
    });
});
