/**
 * Every row of tests/validity-table.ts against both readings of the seeds:
 * the provider's schema (refusal at preview) and the emulator's validation
 * (refusal at up). The two modules never import each other; this test is
 * what keeps them in step.
 */
import { expect } from "chai";
import { checkTenantsApiUser, checkProjectsEmail, checkProjectsRest, normalizeEmail } from "../../emulator/validation";
import { validateUser } from "../../provider/schema/user";
import type { Dialect, UserField } from "../../provider/schema/user";
import { COUNTRIES, EMAILS, NAMES, PHONES } from "../validity-table";
import type { ValidityRow } from "../validity-table";

const BASE = "ada@example.com";

// Each field is tried on a dialect that stores it, beside a valid email.
const PROVIDER: Record<UserField, Dialect> = { email: "geldstuck", name: "geldstuck", phone: "zquence", country: "projects" };

function providerVerdict(field: UserField, value: string): { valid: boolean; sent?: string; properties: string[] } {
    const input = field === "email" ? { email: value } : { email: BASE, [field]: value };
    const { user, failures } = validateUser(input, PROVIDER[field]);
    return { valid: user !== undefined, ...(user ? { sent: user[field] } : {}), properties: failures.map((f) => f.property) };
}

// The emulator sees what the provider sends: judged on `sent` for a valid
// row, and on the value as written for a refused one.
function emulatorAccepts(field: UserField, value: string): boolean {
    switch (field) {
        case "email": {
            const keyed = checkTenantsApiUser({ email: value }, true).ok;
            const projects = checkProjectsEmail({ email: value }).ok;
            expect(projects, "the projects route agrees with the tenants routes").to.equal(keyed);
            return keyed && normalizeEmail(value).length > 0;
        }
        case "name":
        case "phone":
            return checkTenantsApiUser({ email: BASE, [field]: value }, true).ok;
        case "country":
            return checkProjectsRest({ country: value }, BASE).ok;
    }
}

const TABLES: [UserField, readonly ValidityRow[]][] = [
    ["email", EMAILS],
    ["phone", PHONES],
    ["country", COUNTRIES],
    ["name", NAMES],
];

for (const [field, rows] of TABLES) {
    describe(`the ${field} validity table`, () => {
        for (const row of rows) {
            const verb = row.valid ? "accepts" : "refuses";
            it(`the provider ${verb} ${row.about} (${JSON.stringify(row.value.slice(0, 40))})`, () => {
                const got = providerVerdict(field, row.value);
                expect(got.valid, got.properties.join(", ")).to.equal(row.valid);
                if (row.valid) expect(got.sent).to.equal(row.sent ?? row.value);
                else expect(got.properties).to.deep.equal([field]);
            });
            it(`the emulator ${verb} ${row.about} (${JSON.stringify(row.value.slice(0, 40))})`, () => {
                expect(emulatorAccepts(field, row.valid ? (row.sent ?? row.value) : row.value)).to.equal(row.valid);
            });
        }
    });
}
