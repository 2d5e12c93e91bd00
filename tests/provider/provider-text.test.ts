import { expect } from "chai";
import Module from "node:module";
import * as path from "node:path";
import { providerText, type DynamicKind } from "../../provider/resources/dynamic-resource";
import { REPO_ROOT } from "../../cli/pulumi-toolchain";

/** Loads a `__provider` text the way the launcher does (require-from-string, resolving from the program's directory). */
function loadProvider(text: string): Record<string, unknown> {
    const m = new Module(path.join(REPO_ROOT, "provider-text.js"));
    m.filename = path.join(REPO_ROOT, "provider-text.js");
    m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(REPO_ROOT);
    (m as unknown as { _compile(code: string, file: string): void })._compile(text, m.filename);
    return (m.exports as { handler(): Record<string, unknown> }).handler();
}

describe("the __provider text", () => {
    const runtime = require("pulumi-tenant-users/runtime") as Record<string, unknown>;
    const cases: [DynamicKind, string][] = [
        ["TenantUser", "tenantUser"],
        ["TenantUserRoster", "tenantUserRoster"],
    ];

    for (const [kind, exported] of cases) {
        it(`loads the runtime's ${exported} provider by module name for a ${kind}`, () => {
            expect(loadProvider(providerText(kind))).to.equal(runtime[exported]);
        });

        it(`is a single line of under 100 bytes for a ${kind}`, () => {
            const text = providerText(kind);
            expect(text.length).to.be.below(100);
            expect(text.trimEnd().split("\n")).to.have.length(1);
        });
    }

    it("gives the launcher configure, check, diff, create, update and delete, and no read (refresh keeps state)", () => {
        for (const [kind] of cases) {
            const provider = loadProvider(providerText(kind));
            expect(Object.keys(provider).sort()).to.deep.equal(["check", "configure", "create", "delete", "diff", "update"]);
        }
    });
});
