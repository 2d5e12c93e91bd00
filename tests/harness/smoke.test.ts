import { expect } from "chai";
import { TestStack, writeProgram } from "./pulumi";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";

const echo: pulumi.dynamic.ResourceProvider = {
    async create(inputs) { return { id: "echo-" + inputs.word, outs: { word: inputs.word, providerNode: process.versions.node } }; },
    async diff(_id, olds, news) { return { changes: olds.word !== news.word }; },
};
class Echo extends pulumi.dynamic.Resource {
    declare public readonly providerNode: pulumi.Output<string>;
    constructor(name: string, word: string) { super(echo, name, { word, providerNode: undefined }); }
}
const e = new Echo("echo", "hello");
const hello = new command.local.Command("hello", { create: "echo hello-from-command" });
export const programNode = process.versions.node;
export const providerNode = e.providerNode;
export const commandOutput = hello.stdout;
`;

describe("the end-to-end harness (smoke)", function () {
    this.timeout(300_000);
    let stack: TestStack;

    before(async () => {
        stack = await TestStack.create({ workDir: writeProgram(PROGRAM, "smoke") });
    });
    after(async () => stack?.dispose());

    it("previews one dynamic resource and one command as two creates", async () => {
        const preview = await stack.preview();
        const creates = preview.steps.filter(
            (s) => s.op === "create" && s.type !== "pulumi:pulumi:Stack" && !s.type.startsWith("pulumi:providers:"),
        );
        expect(creates.map((s) => s.type).sort()).to.deep.equal(["command:local:Command", "pulumi-nodejs:dynamic:Resource"]);
    });

    it("creates both on up and runs the program and the provider on Node 22 or newer", async () => {
        const up = await stack.up();
        expect(up.changeSummary.create).to.equal(3); // the stack, the dynamic resource, the command
        expect(Number(String(up.outputs!.programNode).split(".")[0])).to.be.at.least(22);
        expect(Number(String(up.outputs!.providerNode).split(".")[0])).to.be.at.least(22);
        expect(up.outputs!.commandOutput).to.equal("hello-from-command");
    });

    it("reads an up's outputs and the checkpoint as `pulumi stack output` and `pulumi stack export` give them", async () => {
        const up = await stack.up(); // outputs without a secret: the harness takes them from the engine's events
        expect(up.outputs).to.deep.equal(await stack.outputs());
        expect(await stack.exportState()).to.deep.equal(await stack.exportState({ throughCli: true }));
    });

    it("changes nothing on a further up", async () => {
        const up = await stack.up();
        expect(up.changeSummary).to.deep.equal({ same: 3 });
    });

    it("refuses to call a succeeding up failed, even when a -v=9 log fills stderr", async () => {
        const error = await stack.up({ expectFailure: true, debugLogs: true }).then(
            () => undefined,
            (err: unknown) => err,
        );
        expect(String(error)).to.match(/expected up to fail, and it succeeded/);
    });

    it("destroys both", async () => {
        const destroy = await stack.destroy();
        expect(destroy.changeSummary.delete).to.equal(3);
        const state = await stack.exportState();
        expect(state.deployment.resources ?? []).to.have.length(0);
    });
});
