/**
 * A throwaway PostgreSQL cluster on loopback, for the fleet tests and benchmark: Pulumi's DIY
 * `postgres://` backend is the shared state store that locks each stack, as a team's CI would use.
 * Everything lives in one temporary directory that `stop()` removes.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

/** Where Debian/Ubuntu put the server binaries; PG_BIN overrides. */
const DEFAULT_BIN = "/usr/lib/postgresql/15/bin";

export interface PostgresCluster {
    /** `postgres://…?sslmode=disable`, ready for PULUMI_BACKEND_URL. */
    url: string;
    port: number;
    database: string;
    /** Runs SQL with psql over the cluster's private socket and returns its unaligned output. */
    sql(query: string): string;
    /** Stops the server and removes its directory. Idempotent. */
    stop(): void;
}

export interface PostgresOptions {
    /** @default "tenant_users" */
    database?: string;
    /** @default PG_BIN or /usr/lib/postgresql/15/bin */
    binDir?: string;
}

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

export async function startPostgres(opts: PostgresOptions = {}): Promise<PostgresCluster> {
    const bin = opts.binDir ?? process.env.PG_BIN ?? DEFAULT_BIN;
    if (!fs.existsSync(path.join(bin, "initdb"))) {
        throw new Error(`PostgreSQL server binaries not found in ${bin} (set PG_BIN to the directory holding initdb and pg_ctl)`);
    }
    const database = opts.database ?? "tenant_users";
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tu-pg-"));
    const data = path.join(dir, "data");
    // initdb refuses to run as root: as root, hand the directory to the postgres user and run as it.
    const asRoot = process.getuid?.() === 0;
    const owner = asRoot ? "postgres" : os.userInfo().username;
    if (asRoot) {
        const uid = Number(execFileSync("id", ["-u", owner], { encoding: "utf8" }));
        const gid = Number(execFileSync("id", ["-g", owner], { encoding: "utf8" }));
        fs.chownSync(dir, uid, gid);
    }
    fs.chmodSync(dir, 0o700);
    const run = (file: string, args: string[]) => {
        const [cmd, argv] = asRoot ? ["runuser", ["-u", owner, "--", path.join(bin, file), ...args]] : [path.join(bin, file), args];
        const r = spawnSync(cmd, argv, { encoding: "utf8", cwd: dir });
        if (r.status !== 0) throw new Error(`${file} failed (${r.status}): ${r.stderr || r.stdout}`);
        return r.stdout;
    };
    const password = crypto.randomBytes(16).toString("hex");
    const pwfile = path.join(dir, "pw");
    fs.writeFileSync(pwfile, password, { mode: 0o600 });
    if (asRoot) execFileSync("chown", [owner, pwfile]);

    let port = 0;
    let started = false;
    const stop = () => {
        process.off("exit", stop);
        if (started) {
            started = false;
            try {
                run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
            } catch {
                /* already gone */
            }
        }
        fs.rmSync(dir, { recursive: true, force: true });
    };
    // pg_ctl detaches the server: a process that ends without calling stop() still takes it down.
    process.on("exit", stop);
    try {
        // Socket connections are trusted (the socket sits in a 0700 directory); TCP needs the password.
        run("initdb", [
            "-D",
            data,
            "-U",
            owner,
            "--pwfile",
            pwfile,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--no-sync",
            "-E",
            "UTF8",
        ]);
        fs.rmSync(pwfile);
        port = await freePort();
        // Durability is pointless for a throwaway cluster; turning it off makes stack writes cheap.
        const serverOpts = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
        run("pg_ctl", ["-D", data, "-l", path.join(dir, "server.log"), "-o", serverOpts, "-w", "-t", "60", "start"]);
        started = true;
        run("psql", [
            "-h",
            dir,
            "-p",
            String(port),
            "-U",
            owner,
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            `CREATE DATABASE ${database}`,
        ]);
    } catch (error) {
        stop();
        throw error;
    }
    const sql = (query: string) =>
        run("psql", ["-h", dir, "-p", String(port), "-U", owner, "-d", database, "-v", "ON_ERROR_STOP=1", "-A", "-t", "-c", query]);
    return {
        url: `postgres://${owner}:${password}@127.0.0.1:${port}/${database}?sslmode=disable`,
        port,
        database,
        sql,
        stop,
    };
}
