/** `tenant-users` argument handling, through the real CLI (nothing here reaches Pulumi). */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import type { FleetTenant } from "../../cli/fleet/file";
import { secretsKeyProblem } from "../../cli/fleet/secrets";
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

    it("exits 2 before touching a stack when a local store would encrypt a real vendor's tenant with the built-in passphrase", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tu-fleet-key-"));
        const file = path.join(dir, "fleet.yaml");
        const credentials = { apiKey: "env:HOME", apiSecret: "env:HOME" };
        const tenants = [
            { name: "emulated", dialect: "zquence", baseUrl: "http://127.0.0.1:4010/zquence", credentials, users: [] },
            { name: "real", dialect: "zquence", baseUrl: "https://api.zquence.example", credentials, users: [] },
        ];
        fs.writeFileSync(file, stringify({ tenants }));
        try {
            const noKey = { PULUMI_BACKEND_URL: undefined, PULUMI_CONFIG_PASSPHRASE: undefined, PULUMI_CONFIG_PASSPHRASE_FILE: undefined };
            const run = await runCli(["fleet", "up", "--file", file], noKey);
            expect(run.code, run.stdout).to.equal(2);
            expect(run.stderr).to.include('tenant "real" is not on a loopback emulator').and.include("set PULUMI_CONFIG_PASSPHRASE");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("the fleet's secrets key", () => {
    const tenant = (baseUrl?: string) =>
        ({ name: "t", dialect: "zquence", baseUrl, credentials: {}, users: [], settings: {} }) as FleetTenant;

    it("lets the built-in passphrase encrypt a local store only when every tenant is at a loopback emulator", () => {
        expect(secretsKeyProblem({}, undefined, [tenant("http://127.0.0.1:4010/zquence"), tenant("http://localhost:1/x")])).to.equal(
            undefined,
        );
        expect(secretsKeyProblem({ PULUMI_BACKEND_URL: "file:///mnt/nfs/state" }, undefined, [tenant()])).to.match(/not on a loopback/);
    });

    it("accepts a passphrase of the team's own, or a secrets provider, for any tenant and store", () => {
        const real = [tenant("https://api.zquence.example")];
        expect(secretsKeyProblem({ PULUMI_CONFIG_PASSPHRASE: "ours" }, undefined, real)).to.equal(undefined);
        expect(secretsKeyProblem({ PULUMI_BACKEND_URL: "postgres://db/x" }, "awskms://alias/k", real)).to.equal(undefined);
    });
});
