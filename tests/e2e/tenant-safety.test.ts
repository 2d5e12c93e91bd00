/**
 * Tenant safety through the real CLI: every write goes to the tenant and mode the program names.
 * Each test is a mistake a team makes with production tenants, and what preview must then say.
 */
import { expect } from "chai";
import { TestStack, writeProgram } from "../harness/pulumi";
import { newTenant, ROSTER_PROGRAM, type RunningEmulator, runEmulator, TENANT_USERS_PROGRAM, writeJson } from "./support";

describe("tenant safety through the CLI", function () {
    this.timeout(300_000);
    let emu: RunningEmulator;
    const stacks: TestStack[] = [];

    before(async () => {
        emu = await runEmulator();
    });
    after(async () => {
        for (const s of stacks) await s.dispose();
        await emu?.close();
    });

    async function stackOf(
        program: string,
        name: string,
        files: Record<string, unknown>,
        config: Record<string, any>,
        env?: Record<string, string>,
    ) {
        const dir = writeProgram(program, name);
        for (const [file, value] of Object.entries(files)) writeJson(dir, file, value);
        const stack = await TestStack.create({ inline: true, workDir: dir, config, env });
        stacks.push(stack);
        return stack;
    }

    it("fails preview of a named connection without its key, naming both, while a LIVE key sits in PROJECTS_SECRET_KEY", async () => {
        const live = await emu.control.createTenant("projects");
        const stack = await stackOf(
            ROSTER_PROGRAM,
            "safety-named",
            { "users.json": [{ email: "ada@example.com" }], "options.json": { connection: "acme" } },
            {
                "tenant-users:connections": {
                    value: JSON.stringify({ acme: { dialect: "projects", baseUrl: `${emu.url}/projects` } }),
                    secret: true,
                },
            },
            { PROJECTS_SECRET_KEY: live.liveSecretKey },
        );
        const preview = await stack.preview({ expectFailure: true });
        expect(preview.text).to.include('connection "acme" has no secretKey');
        expect(preview.text).to.include("tenant-users:connections.acme.secretKey");
        expect(preview.text).to.not.include(live.liveSecretKey);
        expect((await emu.control.requests(live.tenantId)).total).to.equal(0);
    });

    it("fails preview of a named connection whose key is plain text in the stack's file beside another connection's secret key", async () => {
        const [acme, globex] = [await newTenant(emu, "projects"), await newTenant(emu, "projects")];
        const key = (t: typeof acme) => t.config["tenant-users:secretKey"]!.value;
        const stack = await stackOf(
            ROSTER_PROGRAM,
            "safety-mixed",
            { "users.json": [{ email: "ada@example.com" }], "options.json": { connection: "globex" } },
            {},
        );
        // As `pulumi config set --path`, one leaf with --secret and one without: Pulumi marks the whole object secret.
        await stack.stack.setAllConfig(
            {
                "tenant-users:connections.acme.dialect": { value: "projects" },
                "tenant-users:connections.acme.baseUrl": { value: acme.baseUrl },
                "tenant-users:connections.acme.secretKey": { value: key(acme), secret: true },
                "tenant-users:connections.globex.dialect": { value: "projects" },
                "tenant-users:connections.globex.baseUrl": { value: globex.baseUrl },
                "tenant-users:connections.globex.secretKey": { value: key(globex) },
            },
            true,
        );
        const preview = await stack.preview({ expectFailure: true });
        expect(preview.text).to.include("tenant-users:connections.globex.secretKey is set in plain text");
        expect(preview.text).to.not.include(key(globex));
        expect((await emu.control.requests(globex.tenantId)).total).to.equal(0);
    });

    it("refuses to move a roster's connection from TEST to LIVE until that LIVE target is accepted, then adds every user to LIVE", async () => {
        const tenant = await newTenant(emu, "projects");
        const users = [{ email: "ada@example.com" }, { email: "bob@example.com" }];
        const stack = await stackOf(ROSTER_PROGRAM, "safety-live", { "users.json": users }, tenant.config);
        await stack.up();
        const liveKey = tenant.secrets.find((s) => s.startsWith("sk_live_"))!;
        await stack.setConfig({ "tenant-users:secretKey": { value: liveKey, secret: true } });

        const refused = await stack.up({ expectFailure: true });
        expect(refused.text).to.match(/now writes to LIVE .*moved from TEST/);
        const accept = /pulumi config set tenant-users:acceptLiveTarget ([0-9a-f]{12})/.exec(refused.text);
        expect(accept, "the line that accepts the move").to.not.equal(null);
        expect(await emu.control.users(tenant.tenantId, "live")).to.deep.equal([]);

        await stack.setConfig({ "tenant-users:acceptLiveTarget": accept![1] });
        const up = await stack.up();
        expect(up.changeSummary.replace).to.equal(1);
        expect((await emu.control.users(tenant.tenantId, "live")).map((u) => u.email).sort()).to.deep.equal([
            "ada@example.com",
            "bob@example.com",
        ]);
        expect(up.outputs!.userCount).to.equal(2);
    });

    it("replaces a TenantUser whose connection now holds another tenant's keys, showing the target change, and adds the user there", async () => {
        const first = await newTenant(emu, "zquence");
        const second = await newTenant(emu, "zquence");
        const stack = await stackOf(
            TENANT_USERS_PROGRAM,
            "safety-keys",
            { "users.json": [{ email: "ada@example.com", name: "Ada" }] },
            first.config,
        );
        await stack.up();
        await stack.setConfig({
            "tenant-users:apiKey": second.config["tenant-users:apiKey"],
            "tenant-users:apiSecret": second.config["tenant-users:apiSecret"],
        });

        const preview = await stack.preview({ diff: true });
        expect(preview.changeSummary.replace).to.equal(1);
        expect(preview.text).to.match(/target.*zquence http:\/\/127\.0\.0\.1:\d+\/zquence · keys [0-9a-f]{12}.*=>/);
        for (const secret of [...first.secrets, ...second.secrets]) expect(preview.text).to.not.include(secret);

        await stack.up();
        expect((await emu.control.users(second.tenantId)).map((u) => u.email)).to.deep.equal(["ada@example.com"]);
    });

    it("fails preview of a plain http:// base URL to another host before any request", async () => {
        const tenant = await newTenant(emu, "zquence");
        const stack = await stackOf(
            TENANT_USERS_PROGRAM,
            "safety-http",
            { "users.json": [{ email: "ada@example.com" }] },
            { ...tenant.config, "tenant-users:baseUrl": "http://tenant-users.invalid/zquence" },
        );
        const preview = await stack.preview({ expectFailure: true });
        expect(preview.text).to.include("plain http://").and.to.include("https://tenant-users.invalid/zquence");
    });

    it("masks the emails it names at preview when tenant-users:logEmails is masked", async () => {
        const tenant = await newTenant(emu, "geldstuck");
        const stack = await stackOf(
            ROSTER_PROGRAM,
            "safety-mask",
            { "users.json": [{ email: "ada@example.com" }, { email: "bob@example.com" }] },
            { ...tenant.config, "tenant-users:logEmails": "masked" },
        );
        await stack.up();
        writeJson(stack.workDir, "users.json", [{ email: "ada@example.com" }, { email: "carol@example.com" }]);
        const preview = await stack.preview();
        expect(preview.text).to.include("+ 1 to add: c***@example.com");
        expect(preview.text).to.include("b***@example.com");
        expect(preview.text).to.not.include("carol@example.com");
        expect(preview.text).to.not.include("bob@example.com");
    });
});
