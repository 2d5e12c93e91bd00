/**
 * The program-side refusal of plain-text credentials. Automation API users run many inline programs
 * in one long-lived process (a stack per tenant): each run's config must be checked, not only the first.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { assertCredentialsAreSecret, stackConfigFile } from "../../provider/resources/credentials";

const runtimeConfig: {
    setAllConfig: (c: Record<string, string>, secretKeys?: string[]) => void;
} = require("@pulumi/pulumi/runtime/config");

describe("credentials in the program's config", () => {
    after(() => runtimeConfig.setAllConfig({}, []));

    it("refuses a plain-text API key in a program run after one whose key was a secret, in the same process", () => {
        runtimeConfig.setAllConfig({ "tenant-users:apiKey": "first-tenant-key" }, ["tenant-users:apiKey"]);
        expect(() => assertCredentialsAreSecret()).not.to.throw();
        runtimeConfig.setAllConfig({ "tenant-users:apiKey": "second-tenant-key" }, []);
        expect(() => assertCredentialsAreSecret()).to.throw(/tenant-users:apiKey is set in plain text/);
    });

    it("refuses a plain-text credential of a named connection, naming the command that stores it as a secret", () => {
        runtimeConfig.setAllConfig({ "tenant-users:connections": JSON.stringify({ eu: { apiSecret: "s" } }) }, []);
        expect(() => assertCredentialsAreSecret()).to.throw(/--path 'tenant-users:connections\.eu\.apiSecret'/);
    });

    it("finds the stack's config file of the project above the program's directory, in its stackConfigDir", () => {
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "tu-creds-"));
        fs.mkdirSync(path.join(project, "src", "program"), { recursive: true });
        fs.mkdirSync(path.join(project, "config"));
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: p\nruntime: nodejs\nmain: src/program\nstackConfigDir: config\n");
        fs.writeFileSync(path.join(project, "config", "Pulumi.dev.yaml"), "config: {}\n");
        try {
            expect(stackConfigFile(path.join(project, "src", "program"), "p", "dev")).to.equal(
                path.join(project, "config", "Pulumi.dev.yaml"),
            );
            expect(stackConfigFile(path.join(project, "src"), "p", "prod")).to.equal(undefined);
        } finally {
            fs.rmSync(project, { recursive: true, force: true });
        }
    });

    it("reads no config file of another project whose tree the program runs in", () => {
        const repo = fs.mkdtempSync(path.join(os.tmpdir(), "tu-creds-"));
        fs.mkdirSync(path.join(repo, "tools"));
        fs.writeFileSync(path.join(repo, "Pulumi.yaml"), "name: infra\nruntime: nodejs\n");
        fs.writeFileSync(path.join(repo, "Pulumi.dev.yaml"), "config: {}\n");
        try {
            expect(stackConfigFile(path.join(repo, "tools"), "infra", "dev")).to.equal(path.join(repo, "Pulumi.dev.yaml"));
            expect(stackConfigFile(path.join(repo, "tools"), "tenants", "dev")).to.equal(undefined);
        } finally {
            fs.rmSync(repo, { recursive: true, force: true });
        }
    });
});
