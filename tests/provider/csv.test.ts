import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "../../provider/errors";
import { parseUsersCsv, parseUsersCsvRows, readUsersCsv } from "../../provider/schema/csv";

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
    expect(parseUsersCsv("email,name,phone\nada@example.com,Ada,+14155552671\n")).to.deep.equal([{ email: "ada@example.com", name: "Ada", phone: "+14155552671" }]);
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
    expect(thrown(() => parseUsersCsv('email,name\na@x.co,"Ada\n', { source: "crm.csv" })).message).to.contain("crm.csv line 2: a quoted value is never closed");
  });

  it("refuses an empty file", () => {
    expect(thrown(() => parseUsersCsv("", { source: "crm.csv" })).message).to.contain("crm.csv is empty");
  });

  it("names a mapped column that is missing", () => {
    expect(thrown(() => parseUsersCsv("email\na@x.co\n", { columns: { name: "Full Name" } })).message).to.contain('no column "Full Name" for name');
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
