/**
 * Finds Pulumi and returns the environment every run of it uses (tests, demo, benchmarks, fleet).
 *
 * Order: a `pulumi` on PATH reporting v3.259.0 or newer (a user who installed Pulumi), else the
 * offline build script `../shared/toolchain/build.sh` beside the checkout, else an error that says
 * how to install Pulumi. Nobody sets the variables below by hand.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const MINIMUM_PULUMI_VERSION = "3.259.0";
export const COMMAND_PLUGIN_VERSION = "1.2.1";

/** The repository (or installed package) root: two levels above dist/cli. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

export interface PulumiToolchain {
    /** Directory holding the `pulumi` binary. */
    binDir: string;
    /** `pulumi version` without the leading "v". */
    version: string;
    source: "path" | "built";
    /** The environment for every Pulumi run: merge it over process.env. */
    env: Record<string, string>;
}

export interface ToolchainOptions {
    /** State store; default `file://<repo>/.pulumi-state`. */
    backendUrl?: string;
    /** Default `<repo>/.pulumi-home`. */
    pulumiHome?: string;
    /** Link `node_modules/pulumi-tenant-users` to the checkout (examples, tests). @default true */
    linkSelf?: boolean;
}

/** The passphrase used when none is set: for local file stores only (the demo, tests, benchmarks). */
export const LOCAL_PASSPHRASE = "tenant-users-local";

/** Compares dotted versions numerically ("3.260.1" > "3.259.0"). */
export function versionAtLeast(version: string, minimum: string): boolean {
    const a = version
        .replace(/^v/, "")
        .split(/[.-]/)
        .map((p) => parseInt(p, 10) || 0);
    const b = minimum.split(".").map((p) => parseInt(p, 10));
    for (let i = 0; i < b.length; i++) {
        if ((a[i] ?? 0) !== b[i]) return (a[i] ?? 0) > b[i];
    }
    return true;
}

function versionOf(pulumiPath: string): string | undefined {
    const r = spawnSync(pulumiPath, ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
    return r.status === 0 ? r.stdout.trim().replace(/^v/, "") : undefined;
}

function pulumiOnPath(): string | undefined {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        const candidate = path.join(dir, "pulumi");
        if (dir && fs.existsSync(candidate)) return candidate;
    }
    return undefined;
}

const INSTALL_HELP = [
    `Pulumi v${MINIMUM_PULUMI_VERSION} or newer is needed and none was found.`,
    `- With web access: curl -fsSL https://get.pulumi.com | sh   (or: brew install pulumi)`,
    `- Offline: place the pulumi-tenant-users checkout beside a 'shared/toolchain/build.sh' (it builds Pulumi from the Go module proxy), or set PULUMI_TOOLCHAIN_BUILD to such a script.`,
].join("\n");

/**
 * `../shared/toolchain/build.sh` beside a checkout of this repository. Never beside an installed
 * copy: there `../shared` is `node_modules/shared`, whatever package of that name the project has.
 */
export function siblingBuildScript(root: string): string | undefined {
    if (path.resolve(root).split(path.sep).includes("node_modules")) return undefined;
    return path.resolve(root, "..", "shared", "toolchain", "build.sh");
}

/** Locates Pulumi without changing anything (except building it from source when that is the only way). */
export function findPulumi(): Omit<PulumiToolchain, "env"> {
    const onPath = pulumiOnPath();
    if (onPath) {
        const version = versionOf(onPath);
        if (version && versionAtLeast(version, MINIMUM_PULUMI_VERSION)) {
            return { binDir: path.dirname(fs.realpathSync(onPath)), version, source: "path" };
        }
    }
    const buildScript = process.env.PULUMI_TOOLCHAIN_BUILD ?? siblingBuildScript(REPO_ROOT);
    if (buildScript && fs.existsSync(buildScript)) {
        // The build prints progress on stderr (minutes when cold) and the bin directory on stdout.
        const binDir = execFileSync("bash", [buildScript], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
            .trim()
            .split("\n")
            .pop()!;
        const version = versionOf(path.join(binDir, "pulumi"));
        if (version) return { binDir, version, source: "built" };
    }
    throw new Error(INSTALL_HELP);
}

let cached: Omit<PulumiToolchain, "env"> | undefined;

/** The environment every Pulumi run uses; idempotent and cheap after the first call in a process. */
export function pulumiToolchain(options: ToolchainOptions = {}): PulumiToolchain {
    cached ??= findPulumi();
    const pulumiHome = options.pulumiHome ?? path.join(REPO_ROOT, ".pulumi-home");
    const stateDir = path.join(REPO_ROOT, ".pulumi-state");
    const backendUrl = options.backendUrl ?? `file://${stateDir}`;
    if (backendUrl.startsWith("file://")) fs.mkdirSync(backendUrl.slice("file://".length), { recursive: true });
    fs.mkdirSync(pulumiHome, { recursive: true });

    const env: Record<string, string> = {
        // Node 24 from the `node` npm package must come before the machine's Node 20:
        // the language host and the dynamic-provider launcher run whatever `node` is first.
        PATH: [cached.binDir, path.join(REPO_ROOT, "node_modules", ".bin"), process.env.PATH ?? ""].join(path.delimiter),
        PULUMI_HOME: pulumiHome,
        PULUMI_BACKEND_URL: backendUrl,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
        // Node's compile cache for the program, language host and dynamic-provider processes Pulumi
        // starts: each loads all of @pulumi/pulumi before its first call. Measured: a one-TenantUser
        // `pulumi preview` takes 3.75 s instead of 4.08 s (median of 6 each). A user's own setting wins.
        NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? path.join(pulumiHome, "node-compile-cache"),
    };
    // A built-in passphrase is known to everyone who has the package: never for a shared store.
    if (backendUrl.startsWith("file://") && !process.env.PULUMI_CONFIG_PASSPHRASE && !process.env.PULUMI_CONFIG_PASSPHRASE_FILE) {
        env.PULUMI_CONFIG_PASSPHRASE = LOCAL_PASSPHRASE;
    }
    installCommandPlugin(cached.binDir, env);
    if (options.linkSelf ?? true) linkSelf();
    return { ...cached, env };
}

/** Installs the `@pulumi/command` plugin into PULUMI_HOME once, from the binary built beside pulumi. */
function installCommandPlugin(binDir: string, env: Record<string, string>): void {
    const installed = path.join(env.PULUMI_HOME, "plugins", `resource-command-v${COMMAND_PLUGIN_VERSION}`);
    if (fs.existsSync(installed)) return;
    const binary = path.join(binDir, "pulumi-resource-command");
    if (!fs.existsSync(binary)) {
        // A user's own Pulumi: let it download the plugin as it normally does.
        delete env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION;
        delete env.PULUMI_IGNORE_AMBIENT_PLUGINS;
        return;
    }
    execFileSync(
        path.join(binDir, "pulumi"),
        ["plugin", "install", "resource", "command", `v${COMMAND_PLUGIN_VERSION}`, "--file", binary],
        { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"] },
    );
}

/**
 * The dynamic-provider process loads `pulumi-tenant-users/runtime` by name from the program's
 * directory. A user's program has the package in node_modules; inside this repository the
 * examples and tests need `node_modules/pulumi-tenant-users` to point at the checkout itself.
 */
export function linkSelf(): void {
    const link = path.join(REPO_ROOT, "node_modules", "pulumi-tenant-users");
    const pkg = path.join(REPO_ROOT, "package.json");
    if (!fs.existsSync(path.join(REPO_ROOT, "node_modules")) || !fs.existsSync(pkg)) return;
    if (JSON.parse(fs.readFileSync(pkg, "utf8")).name !== "pulumi-tenant-users") return;
    try {
        fs.lstatSync(link);
    } catch {
        fs.symlinkSync("..", link, "dir");
    }
}
