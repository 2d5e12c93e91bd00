import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "../../provider/errors";
import { countryHint } from "../../provider/schema/countries";
import { validateRoster } from "../../provider/schema/roster";
import { REPO_ROOT } from "../../cli/pulumi-toolchain";
import { parseUsersCsv as parseWithSource, parseUsersCsvRows, readUsersCsv as readWithSource } from "../../provider/schema/csv";
import type { CsvOptions, CsvUser } from "../../provider/schema/csv";

/** The rows' user fields; where each row came from (`source`) has tests of its own. */
const fieldsOf = (rows: CsvUser[]) => rows.map(({ source: _source, ...user }) => user);
const parseUsersCsv = (text: string, opts?: CsvOptions) => fieldsOf(parseWithSource(text, opts));
const readUsersCsv = (path: string, opts?: CsvOptions) => fieldsOf(readWithSource(path, opts));

const thrown = (fn: () => unknown): ValidationError => {
    try {
        fn();
    } catch (e) {
        expect(e).to.be.instanceOf(ValidationError);
        return e as ValidationError;
    }
    throw new Error("expected a ValidationError");
};

describe("parseUsersCsv", () => {
    it("reads a header row and one user per row", () => {
        expect(parseUsersCsv("email,name,phone\nada@example.com,Ada,+14155552671\n")).to.deep.equal([
            { email: "ada@example.com", name: "Ada", phone: "+14155552671" },
        ]);
    });

    it("matches column names case-insensitively and accepts common CRM names", () => {
        const csv = "Contact ID,Full Name,Email Address,Phone Number,Country Code\n7,Ada,ada@x.co,+14155552671,GB\n";
        expect(parseUsersCsv(csv)).to.deep.equal([{ email: "ada@x.co", name: "Ada", phone: "+14155552671", country: "GB" }]);
    });

    it("joins first and last name columns when there is no name column", () => {
        expect(parseUsersCsv("First Name,Last Name,E-mail\nAda,Lovelace,a@x.co\n,Byron,b@x.co\n")).to.deep.equal([
            { email: "a@x.co", name: "Ada Lovelace" },
            { email: "b@x.co", name: "Byron" },
        ]);
    });

    it("uses an explicit column mapping, and null to ignore a field", () => {
        const csv = "Work Mail,Mobile\na@x.co,+14155552671\n";
        expect(parseUsersCsv(csv, { columns: { email: "work mail", phone: null } })).to.deep.equal([{ email: "a@x.co" }]);
    });

    it("auto-detects only the fields asked for", () => {
        expect(parseUsersCsv("email,phone\na@x.co,+14155552671\n", { fields: ["email", "name"] })).to.deep.equal([{ email: "a@x.co" }]);
    });

    it("strips a byte-order mark", () => {
        expect(parseUsersCsv("\uFEFFemail\na@x.co\n")).to.deep.equal([{ email: "a@x.co" }]);
    });

    it("reads quoted fields holding commas, quotes and newlines", () => {
        const csv = 'email,name\r\na@x.co,"Lovelace, Ada ""Countess"""\r\nb@x.co,"two\nlines"\r\n';
        expect(parseUsersCsv(csv)).to.deep.equal([
            { email: "a@x.co", name: 'Lovelace, Ada "Countess"' },
            { email: "b@x.co", name: "two\nlines" },
        ]);
    });

    it("omits empty cells and skips blank rows", () => {
        expect(parseUsersCsv("email,name,phone\na@x.co,,\n\n,,\nb@x.co, ,\n")).to.deep.equal([{ email: "a@x.co" }, { email: "b@x.co" }]);
    });

    it("keeps a row without an email so validation reports it", () => {
        expect(parseUsersCsv("email,name\n,Ada\n")).to.deep.equal([{ name: "Ada" }]);
    });

    it("gives the line each row starts on", () => {
        expect(parseUsersCsvRows('email,name\na@x.co,"x\ny"\n\nb@x.co,z\n').lines).to.deep.equal([2, 5]);
    });

    it("names the file and line 1 when there is no email column", () => {
        const e = thrown(() => parseUsersCsv("id,name\n1,Ada\n", { source: "crm.csv" }));
        expect(e.message).to.contain("crm.csv line 1: no email column").and.contain('"id", "name"');
        expect(e.field).to.equal("csv");
    });

    it("names the file and line of a ragged row", () => {
        const e = thrown(() => parseUsersCsv("email,name\na@x.co,Ada\nb@x.co,Bob,extra\n", { source: "crm.csv" }));
        expect(e.message).to.contain("crm.csv line 3: the row has 3 cells but the header has 2");
    });

    it("names the line of a quote that never closes", () => {
        expect(thrown(() => parseUsersCsv('email,name\na@x.co,"Ada\n', { source: "crm.csv" })).message).to.contain(
            "crm.csv line 2: a quoted value is never closed",
        );
    });

    it("refuses an empty file", () => {
        expect(thrown(() => parseUsersCsv("", { source: "crm.csv" })).message).to.contain("crm.csv is empty");
    });

    it("names a mapped column that is missing", () => {
        expect(thrown(() => parseUsersCsv("email\na@x.co\n", { columns: { name: "Full Name" } })).message).to.contain(
            'no column "Full Name" for name',
        );
    });
});

describe("readUsersCsv", () => {
    it("reads a file and names its path in errors", () => {
        const dir = mkdtempSync(join(tmpdir(), "csv-"));
        const good = join(dir, "users.csv");
        writeFileSync(good, "email\na@x.co\n");
        expect(readUsersCsv(good)).to.deep.equal([{ email: "a@x.co" }]);
        const bad = join(dir, "bad.csv");
        writeFileSync(bad, "name\nAda\n");
        expect(thrown(() => readUsersCsv(bad)).message).to.contain(`${bad} line 1: no email column`);
        expect(thrown(() => readUsersCsv(join(dir, "nope.csv"))).message).to.contain("no such file");
    });
});

describe("readUsersCsv with CRM exports", () => {
    const fixture = (name: string) => join(REPO_ROOT, "tests", "fixtures", "crm", name);

    it("reads a HubSpot export: joined names, E.164 phones, alpha-2 countries", () => {
        expect(readUsersCsv(fixture("hubspot.csv"), { defaultCountry: "US" })).to.deep.equal([
            { email: "ada@hubspot.example", name: "Ada Lovelace", phone: "+442079460958", country: "GB" },
            { email: "grace@hubspot.example", name: "Grace Hopper", phone: "+14155550101", country: "US" },
            { email: "alan@hubspot.example", name: "Alan Turing", phone: "+442079460102", country: "GB" },
            { email: "kurt@hubspot.example", name: "Kurt Goedel", phone: "+493012345678", country: "DE" },
            { name: "Edsger Dijkstra", phone: "+31205550105", country: "NL" },
            { email: "barbara@hubspot.example", name: "Barbara Liskov", phone: "+14155550106", country: "US" },
            { email: "katherine@hubspot.example", name: "Katherine Johnson", phone: "+14155550107" },
        ]);
    });

    it("reads a Salesforce export: Mailing Country Code, else Mailing Country", () => {
        expect(readUsersCsv(fixture("salesforce.csv"))).to.deep.equal([
            { email: "ada@salesforce.example", name: "Ada Lovelace", phone: "+442079460958", country: "GB" },
            { email: "grace@salesforce.example", name: "Grace Hopper", phone: "+14155550101", country: "US" },
            { email: "alan@salesforce.example", name: "Alan Turing", phone: "+442079460102", country: "GB" },
            { email: "marie@salesforce.example", name: "Marie Curie", phone: "+33123456789", country: "FR" },
            { name: "Edsger Dijkstra", country: "NL" },
            { email: "barbara@salesforce.example", name: "Barbara Liskov", phone: "+14155550106", country: "US" },
            { email: "tim@salesforce.example", name: "Tim Berners-Lee", country: "CH" },
        ]);
    });

    it("reads a Pipedrive export: Person columns with kinds, not the Organization's name", () => {
        expect(readUsersCsv(fixture("pipedrive.csv"), { defaultCountry: "US" })).to.deep.equal([
            { email: "ada@pipedrive.example", name: "Ada Lovelace", phone: "+442079460958" },
            { email: "grace@home.example", name: "Grace Hopper", phone: "+14155550101" },
            { name: "Alan Turing", phone: "+442079460102" },
            { email: "barbara@pipedrive.example", name: "Barbara Liskov", phone: "+14155550106" },
        ]);
    });

    it("reads a plain export: Full Name, E-mail, Telephone, Country", () => {
        expect(readUsersCsv(fixture("plain.csv"))).to.deep.equal([
            { email: "ada@plain.example", name: "Lovelace, Ada", phone: "+442079460958", country: "GB" },
            { email: "grace@plain.example", name: "Grace Hopper", phone: "+14155550101", country: "US" },
            { email: "alan@plain.example", name: "Alan Turing", phone: "+442079460102", country: "GB" },
            { name: "Nobody Known", country: "FR" },
        ]);
    });

    it("tags each row with the file's name and the row's line", () => {
        expect(readWithSource(fixture("plain.csv")).map((u) => u.source)).to.deep.equal([
            "plain.csv line 2",
            "plain.csv line 3",
            "plain.csv line 4",
            "plain.csv line 5",
        ]);
    });
});

describe("parseUsersCsv phones", () => {
    const phone = (cell: string, opts: CsvOptions = {}, country = "") =>
        parseUsersCsv(`email,phone,country\na@x.co,"${cell}",${country}\n`, opts)[0]!.phone;

    it("writes an international number in E.164", () => {
        expect(phone("+44 (0)20 7946 0958")).to.equal("+442079460958");
    });

    it("places a national number by the row's own country", () => {
        expect(phone("020 7946 0102", {}, "GBR")).to.equal("+442079460102");
    });

    it("places a national number by defaultCountry when the row has no country", () => {
        expect(phone("(415) 555-0101", { defaultCountry: "US" })).to.equal("+14155550101");
    });

    it("prefers the row's own country to defaultCountry", () => {
        expect(phone("020 7946 0102", { defaultCountry: "US" }, "United Kingdom")).to.equal("+442079460102");
    });

    it("leaves a national number as given when no country places it", () => {
        expect(phone("(415) 555-0101")).to.equal("(415) 555-0101");
    });

    it("leaves a number it cannot parse as given", () => {
        expect(phone("12345", { defaultCountry: "US" })).to.equal("12345");
    });

    it("leaves a number with an extension as given, since E.164 has none", () => {
        expect(phone("415-555-0101 x12", { defaultCountry: "US" })).to.equal("415-555-0101 x12");
    });

    it("uses the next recognised phone column when a row's first one is empty", () => {
        expect(parseUsersCsv("Email,Phone,Mobile\na@x.co,,+1 415 555 0101\n")[0]!.phone).to.equal("+14155550101");
    });

    it("reads the country column for phones when the rows do not carry a country", () => {
        const csv = "email,phone,country\na@x.co,020 7946 0102,GB\n";
        expect(parseUsersCsv(csv, { fields: ["email", "phone"] })).to.deep.equal([{ email: "a@x.co", phone: "+442079460102" }]);
    });

    it("refuses a defaultCountry that is not a country, naming the option", () => {
        const e = thrown(() => parseUsersCsv("email\na@x.co\n", { defaultCountry: "Narnia" }));
        expect(e.field).to.equal("defaultCountry");
        expect(e.message).to.contain('defaultCountry "Narnia" is not a country');
    });
});

describe("parseUsersCsv countries", () => {
    const country = (cell: string) => parseUsersCsv(`email,country\na@x.co,${cell}\n`)[0]!.country;

    it("turns an English name in any case into alpha-2", () => {
        expect([country("United Kingdom"), country("germany")]).to.deep.equal(["GB", "DE"]);
    });

    it("turns an alpha-3 code into alpha-2", () => {
        expect(country("GBR")).to.equal("GB");
    });

    it("upper-cases an alpha-2 code", () => {
        expect(country("fr")).to.equal("FR");
    });

    it("turns common aliases such as UK and USA into alpha-2", () => {
        expect([country("UK"), country("USA")]).to.deep.equal(["GB", "US"]);
    });

    it("leaves an unknown country as given", () => {
        expect(country("Narnia")).to.equal("Narnia");
    });

    it("leaves Kosovo's XK as given: it is not an assigned ISO 3166-1 code", () => {
        expect(country("XK")).to.equal("XK");
    });
});

describe("countryHint", () => {
    it("suggests the code of an English country name", () => {
        expect(countryHint("GERMANY")).to.equal("DE");
    });
});

describe("validateRoster with CSV rows", () => {
    const fixture = (name: string) => join(REPO_ROOT, "tests", "fixtures", "crm", name);

    it("names the CSV line of a row without an email", () => {
        const rows = readWithSource(fixture("plain.csv"), { fields: ["email", "name", "country"] });
        const { invalid } = validateRoster(rows, "projects", { onInvalid: "report" });
        expect(invalid.map((r) => r.reason)).to.deep.equal(["row 4 (plain.csv line 5): email is required"]);
    });

    it("names the CSV line of an invalid row in a failure", () => {
        const rows = parseWithSource("email,country\na@x.co,Narnia\n", { source: "crm.csv" });
        const { failures } = validateRoster(rows, "projects", { onInvalid: "fail" });
        expect(failures.map((f) => f.reason)).to.deep.equal([
            'row 1 (crm.csv line 2): country "Narnia" is not an ISO 3166-1 alpha-2 code (two letters, e.g. "US", "GB", "FR")',
        ]);
    });

    it("names both CSV lines of a conflicting duplicate", () => {
        const rows = parseWithSource("email,name\na@x.co,Ada\nb@x.co,Bob\na@x.co,Byron\n", { source: "crm.csv" });
        const { failures } = validateRoster(rows, "geldstuck", { onInvalid: "fail" });
        expect(failures[0]!.reason).to.match(/^row 3 \(crm\.csv line 4\): .* also appears in row 1 \(crm\.csv line 2\)/);
    });

    it("does not take a row's source for a user field", () => {
        const { users, failures } = validateRoster([{ email: "a@x.co", source: "crm.csv line 2" }], "geldstuck", { onInvalid: "fail" });
        expect(failures).to.deep.equal([]);
        expect(users).to.deep.equal([{ email: "a@x.co" }]);
    });
});
