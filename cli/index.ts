#!/usr/bin/env node
/**
 * `tenant-users <command>`: the package's command line. Each command lives in its own module,
 * loaded only when it runs, so one command's dependencies never slow down another.
 */
import { parseArgs } from "node:util";

type Command = { summary: string; run(argv: string[]): Promise<number> };

const COMMANDS: Record<string, Command> = {
    fleet: {
        summary: "apply a stack per tenant from a fleet file, sharded across runners",
        run: async (argv) => (await import("./fleet/command.js")).fleetCommand(argv),
    },
};

function usage(): string {
    const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
    return [
        "Usage: tenant-users <command> [options]",
        "",
        "Commands:",
        ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
        "",
        "Run `tenant-users <command> --help` for a command's options.",
    ].join("\n");
}

async function main(argv: string[]): Promise<number> {
    // Only the command name is parsed here; the rest belongs to the command.
    const { positionals, values } = parseArgs({
        args: argv.slice(0, 1),
        allowPositionals: true,
        strict: false,
        options: { help: { type: "boolean", short: "h" } },
    });
    const [name] = positionals;
    if (!name) {
        (values.help ? process.stdout : process.stderr).write(`${usage()}\n`);
        return values.help ? 0 : 2;
    }
    const command = COMMANDS[name];
    if (!command) {
        process.stderr.write(`tenant-users: unknown command "${name}"\n\n${usage()}\n`);
        return 2;
    }
    return command.run(argv.slice(1));
}

// `tenant-users fleet up | head` closes stdout early: that is the reader's choice, not a crash.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
});

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (err) => {
        process.stderr.write(`tenant-users: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exitCode = 1;
    },
);
