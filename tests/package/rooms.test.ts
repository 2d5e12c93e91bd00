/**
 * The rooms that ship (provider/, emulator/, cli/) never import the development rooms (scripts/,
 * tests/): those are left out of the package, so such an import would break the installed command.
 * Read from the TypeScript sources, so a type-only import counts too.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../../cli/pulumi-toolchain";

const SHIPPED_ROOMS = ["provider", "emulator", "cli"];
const DEVELOPMENT_ROOMS = ["scripts", "tests"];
const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;

function sourceFiles(dir: string): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true, recursive: true })
        .filter((e) => e.isFile() && e.name.endsWith(".ts"))
        .map((e) => path.join(e.parentPath, e.name));
}

/** `file -> specifier` for every relative import of a room's sources that lands in a development room. */
function developmentImports(room: string): string[] {
    const found: string[] = [];
    for (const file of sourceFiles(path.join(REPO_ROOT, room))) {
        for (const [, spec] of fs.readFileSync(file, "utf8").matchAll(SPECIFIER)) {
            if (!spec.startsWith(".")) continue;
            const [top] = path.relative(REPO_ROOT, path.resolve(path.dirname(file), spec)).split(path.sep);
            if (DEVELOPMENT_ROOMS.includes(top)) found.push(`${path.relative(REPO_ROOT, file)} -> ${spec}`);
        }
    }
    return found;
}

describe("rooms", () => {
    for (const room of SHIPPED_ROOMS) {
        it(`${room}/ imports nothing from scripts/ or tests/`, () => {
            expect(developmentImports(room)).to.deep.equal([]);
        });
    }
});
