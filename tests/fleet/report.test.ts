/** What `tenant-users fleet` prints. */
import { expect } from "chai";
import { progressLine, resultJson, resultTable } from "../../cli/fleet/report";
import type { TenantResult } from "../../cli/fleet/stack";

const ok: TenantResult = {
    tenant: "acme",
    stack: "tenant-users-fleet/acme",
    result: "succeeded",
    created: 500,
    adopted: 2,
    failed: 1,
    seconds: 8.24,
    changes: { create: 2 },
};
const bad: TenantResult = {
    tenant: "globex-eu",
    stack: "tenant-users-fleet/globex-eu",
    result: "failed",
    created: 0,
    adopted: 0,
    failed: 0,
    seconds: 4.1,
    changes: {},
    error: "roster globex-eu: HTTP 500",
};

describe("fleet output", () => {
    it("prints a JSON array of the documented fields, with error only on a failure", () => {
        const parsed = JSON.parse(resultJson([ok, bad]));
        expect(parsed[0]).to.deep.equal({
            tenant: "acme",
            stack: "tenant-users-fleet/acme",
            result: "succeeded",
            created: 500,
            adopted: 2,
            failed: 1,
            seconds: 8.24,
            changes: { create: 2 },
        });
        expect(parsed[1]).to.have.property("error", "roster globex-eu: HTTP 500");
        expect(parsed[0]).to.not.have.property("error");
    });

    it("prints one line per finished tenant with its counts, or its error", () => {
        expect(progressLine(ok, 1, 2, "up")).to.equal("[1/2] acme: succeeded in 8.2s (created 500, adopted 2, failed 1; create 2)");
        expect(progressLine(bad, 2, 2, "up")).to.equal("[2/2] globex-eu: failed in 4.1s: roster globex-eu: HTTP 500");
    });

    it("prints only the plan of a preview, which sends nothing", () => {
        expect(progressLine({ ...ok, created: 0, adopted: 0, failed: 0, changes: { same: 2 } }, 1, 1, "preview")).to.equal(
            "[1/1] acme: succeeded in 8.2s (plan: no changes)",
        );
    });

    it("aligns the table, numbers to the right, and lists each failure under it", () => {
        expect(resultTable([ok, bad]).split("\n")).to.deep.equal([
            "tenant     result     created  adopted  failed  seconds  changes",
            "acme       succeeded      500        2       1      8.2  create 2",
            "globex-eu  failed           0        0       0      4.1  no changes",
            "",
            "1 of 2 tenants succeeded",
            "  globex-eu: roster globex-eu: HTTP 500",
        ]);
    });
});
