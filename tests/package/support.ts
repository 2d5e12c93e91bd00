/**
 * The package as users get it: `npm pack` of the built package, installed with npm outside the
 * repository, and its own emulator command started from that install. One install serves every
 * test of the room (npm takes tens of seconds): it is a copy of examples/quickstart into which the
 * tarball is installed, and every other project gets a `node_modules` link to that install.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { EmulatorControl } from "../../emulator/control-client";
import { REPO_ROOT } from "../../cli/pulumi-toolchain";
import type { ConfigEntry } from "../harness/pulumi";

const execFileAsync = promisify(execFile);

/** npm's own environment variables (set when the suite runs under `npm test`) would point a child npm at the repository. */
function npmEnv(): NodeJS.ProcessEnv {
    return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_")));
}

export async function npm(args: string[], cwd: string): Promise<string> {
    const { stdout } = await execFileAsync("npm", args, { cwd, env: npmEnv(), maxBuffer: 64 << 20 });
    return stdout;
}

export interface Installed {
    /** The temporary directory holding everything below; removed when the process exits. */
    root: string;
    tarball: string;
    /** examples/quickstart copied out, with the tarball and its declared dependencies installed. */
    quickstart: string;
}

let installing: Promise<Installed> | undefined;

/** Packs and installs once per test process. */
export function installedPackage(): Promise<Installed> {
    installing ??= install();
    return installing;
}

async function install(): Promise<Installed> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "tu-package-"));
    process.on("exit", () => fs.rmSync(root, { recursive: true, force: true }));
    const packed = JSON.parse(await npm(["pack", "--json", "--pack-destination", root], REPO_ROOT));
    const tarball = path.join(root, packed[0].filename);
    const quickstart = path.join(root, "quickstart");
    fs.cpSync(path.join(REPO_ROOT, "examples", "quickstart"), quickstart, { recursive: true });
    // What a user does after copying the folder out, with the tarball standing in for the registry.
    await npm(["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], quickstart);
    return { root, tarball, quickstart };
}

/**
 * A project directory beside the quickstart copy, sharing its install through a `node_modules`
 * link, with `files` written into it.
 */
export function projectDir(installed: Installed, name: string, files: Record<string, string>): string {
    const dir = path.join(installed.root, name);
    fs.mkdirSync(dir, { recursive: true });
    linkInstall(installed, dir);
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
    return dir;
}

export function linkInstall(installed: Installed, dir: string): void {
    fs.symlinkSync(path.join(installed.quickstart, "node_modules"), path.join(dir, "node_modules"), "dir");
}

/** A TypeScript project as `pulumi new typescript` lays it out (module node16). */
export function typescriptProject(name: string, program: string): Record<string, string> {
    return {
        "Pulumi.yaml": `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n`,
        "package.json": JSON.stringify(
            { name, main: "index.ts", dependencies: { "pulumi-tenant-users": "^0.1.0", "@pulumi/pulumi": "3.259.0" } },
            null,
            2,
        ),
        "tsconfig.json": JSON.stringify(
            {
                compilerOptions: { strict: true, target: "ES2022", module: "node16", moduleResolution: "node16", skipLibCheck: true },
                files: ["index.ts"],
            },
            null,
            2,
        ),
        "index.ts": program,
    };
}

/** The harness's stacks run programs transpile-only; these must run as a user's do, type-checked by ts-node. */
export const TYPE_CHECKED = { PULUMI_NODEJS_TRANSPILE_ONLY: "false" };

export interface PackagedEmulator {
    url: string;
    control: EmulatorControl;
    close(): void;
}

/** Starts the installed `tenant-users-emulator` command (what `npx tenant-users-emulator` runs) on a free port. */
export async function startPackagedEmulator(installed: Installed): Promise<PackagedEmulator> {
    const bin = path.join(installed.quickstart, "node_modules", ".bin", "tenant-users-emulator");
    const child: ChildProcess = spawn(process.execPath, [bin, "--port", "0", "--db", ":memory:", "--no-seed"], {
        cwd: installed.root,
        stdio: ["ignore", "pipe", "pipe"],
    });
    const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        let err = "";
        child.stdout!.on("data", (chunk: Buffer) => {
            out += chunk.toString();
            const m = /listening on (http:\/\/\S+)/.exec(out);
            if (m) resolve(m[1]);
        });
        child.stderr!.on("data", (chunk: Buffer) => {
            err += chunk.toString();
        });
        child.on("exit", (code) => reject(new Error(`tenant-users-emulator exited with ${code}: ${err}`)));
    });
    return { url, control: new EmulatorControl(url), close: () => child.kill("SIGTERM") };
}

/** A fresh Zquence tenant and the stack config (credentials as secrets) that points at it. */
export async function zquenceTenant(
    emu: PackagedEmulator,
): Promise<{ tenantId: string; config: Record<string, ConfigEntry>; secrets: string[] }> {
    const t = await emu.control.createTenant("zquence");
    return {
        tenantId: t.tenantId,
        secrets: [t.apiKey, t.apiSecret],
        config: {
            "tenant-users:dialect": { value: "zquence" },
            "tenant-users:baseUrl": { value: `${emu.url}/zquence` },
            "tenant-users:apiKey": { value: t.apiKey, secret: true },
            "tenant-users:apiSecret": { value: t.apiSecret, secret: true },
        },
    };
}
