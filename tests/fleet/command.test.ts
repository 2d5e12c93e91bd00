/** `tenant-users` argument handling, through the real CLI (nothing here reaches Pulumi). */
import { expect } from "chai";
import { runCli } from "./support";

describe("tenant-users fleet arguments", function () {
    this.timeout(60_000);

    it("exits 2 with the usage for an unknown operation", async () => {
        const run = await runCli(["fleet", "apply", "--file", "fleet.yaml"], {});
        expect(run.code).to.equal(2);
        expect(run.stderr).to.include('unknown operation "apply": expected preview, up, destroy');
        expect(run.stderr).to.include("Usage: tenant-users fleet <preview|up|destroy>");
    });

    it("exits 2 for a shard outside 1..N, a zero concurrency or a missing --file", async () => {
        const runs = await Promise.all([
            runCli(["fleet", "up", "--file", "fleet.yaml", "--shard", "3/2"], {}),
            runCli(["fleet", "up", "--file", "fleet.yaml", "--concurrency", "0"], {}),
            runCli(["fleet", "up"], {}),
        ]);
        expect(runs.map((r) => r.code)).to.deep.equal([2, 2, 2]);
        expect(runs[0].stderr).to.include("--shard 3/2: I must be between 1 and N");
        expect(runs[1].stderr).to.include("--concurrency must be a whole number of at least 1");
        expect(runs[2].stderr).to.include("--file is required");
    });

    it("exits 2 for a fleet file that does not exist, naming it", async () => {
        const run = await runCli(["fleet", "preview", "--file", "/nonexistent/fleet.yaml"], {});
        expect(run.code).to.equal(2);
        expect(run.stderr).to.include("/nonexistent/fleet.yaml: (file): cannot read: no such file");
    });

    it("prints the fleet usage for --help and exits 0", async () => {
        const run = await runCli(["fleet", "--help"], {});
        expect(run.code).to.equal(0);
        expect(run.stdout).to.include("--lock-timeout SECONDS");
    });

    it("exits 2 for an unknown command, listing the commands", async () => {
        const run = await runCli(["flete"], {});
        expect(run.code).to.equal(2);
        expect(run.stderr).to.include('unknown command "flete"');
        expect(run.stderr).to.match(/fleet\s+apply a stack per tenant/);
    });
});
