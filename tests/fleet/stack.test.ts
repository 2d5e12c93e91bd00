/** Waiting for a stack another runner holds, and what a failed stack reports. */
import { expect } from "chai";
import { CommandError, ConcurrentUpdateError } from "@pulumi/pulumi/automation";
import { scrubber, storeSecrets } from "../../cli/fleet/secrets";
import { errorText, isStoreRace, isLockError, lockBackoffMs, redact } from "../../cli/fleet/stack";

/** The errors the Automation API raises for a failed CLI run (their constructors are internal). */
function cliError(kind: typeof CommandError, stderr: string): Error {
    return new (kind as unknown as new (result: object) => Error)({ stdout: "", stderr, code: 255, toString: () => stderr });
}

describe("fleet lock waits", () => {
    it("recognises the DIY backend's lock message as a lock", () => {
        const stderr =
            "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.";
        expect(isLockError(cliError(ConcurrentUpdateError, stderr))).to.equal(true);
        expect(isLockError(cliError(CommandError, stderr))).to.equal(true);
    });

    it("does not take another failure for a lock", () => {
        expect(isLockError(cliError(CommandError, "error: roster acme: 0 of 50 users sent before a chunk failed for good"))).to.equal(
            false,
        );
    });

    it("backs off from about 1 s, doubling, to at most 15 s with ±20 % jitter", () => {
        expect(lockBackoffMs(0, () => 0.5)).to.equal(1000);
        expect(lockBackoffMs(2, () => 0.5)).to.equal(4000);
        expect(lockBackoffMs(10, () => 0.5)).to.equal(15_000);
        expect(lockBackoffMs(10, () => 0.999)).to.be.at.most(18_000);
        expect(lockBackoffMs(0, () => 0)).to.equal(800);
    });
});

describe("fleet stack creation", () => {
    it("takes a failed create of a stack another runner is creating for a race, to retry", () => {
        expect(
            isStoreRace(
                cliError(
                    CommandError,
                    "error: could not create stack: could not list bucket: blob (code=NotFound): sql: no rows in result set",
                ),
            ),
        ).to.equal(true);
        expect(isStoreRace(cliError(CommandError, "error: stack 'acme' already exists"))).to.equal(true);
    });

    it("takes two runners creating the PostgreSQL backend's table at once for a race, to retry", () => {
        const stderr =
            'error: unable to open state database "postgres://…": failed to create table pulumi_state: pq: duplicate key value violates unique constraint "pg_type_typname_nsp_index" (23505)';
        expect(isStoreRace(cliError(CommandError, stderr))).to.equal(true);
    });

    it("does not retry a store it cannot reach", () => {
        expect(
            isStoreRace(cliError(CommandError, 'error: unable to open state database "postgres://…": failed to ping PostgreSQL')),
        ).to.equal(false);
    });
});

describe("fleet error messages", () => {
    it("hide the password of a backend URL that Pulumi repeats", () => {
        expect(redact('unable to open state database "postgres://fleet:s3cr3t@db.internal:5432/state?sslmode=disable"')).to.equal(
            'unable to open state database "postgres://fleet:***@db.internal:5432/state?sslmode=disable"',
        );
    });

    it("hide the whole password of a backend URL when the password holds an @", () => {
        expect(redact("open postgres://fleet:p@ss@db:5432/state failed")).to.equal("open postgres://fleet:***@db:5432/state failed");
    });

    it("hide a password given as a query parameter of a backend URL", () => {
        expect(redact("open postgres://db/state?user=fleet&password=s3cr3t&sslmode=disable failed")).to.equal(
            "open postgres://db/state?user=fleet&password=***&sslmode=disable failed",
        );
    });

    it("hide the store's password from PGPASSWORD and the backend URL however the URL writes it", () => {
        const scrub = scrubber(storeSecrets({ PULUMI_BACKEND_URL: "postgres://fleet:pa%2Fss@db/state", PGPASSWORD: "pg-s3cr3t" }));
        expect(scrub("password pa/ss, or pa%2Fss, and pg-s3cr3t")).to.equal("password ***, or ***, and ***");
    });

    it("leave URLs without a password as they are", () => {
        expect(redact("POST http://127.0.0.1:4010/zquence/v1/tenants/add-user-bulk failed")).to.equal(
            "POST http://127.0.0.1:4010/zquence/v1/tenants/add-user-bulk failed",
        );
    });

    it("give the resource's own message on one line, without Go's error list or the engine's \"update failed\"", () => {
        const diagnostics = [
            "1 error occurred:\n\t* roster acme: 0 of 50 users sent before a chunk failed for good: HTTP 500\n",
            "update failed",
        ];
        expect(errorText(new Error("exit 255"), diagnostics)).to.equal(
            "roster acme: 0 of 50 users sent before a chunk failed for good: HTTP 500",
        );
    });

    it("fall back to the CLI's error lines when the engine reported none", () => {
        const err = cliError(
            CommandError,
            "Updating (acme):\nerror: the stack is currently locked by 1 lock(s).\n  s3://…/locks/x.json: created by ci@runner-7 (pid 12)",
        );
        expect(errorText(err, [])).to.equal("the stack is currently locked by 1 lock(s).");
    });
});
