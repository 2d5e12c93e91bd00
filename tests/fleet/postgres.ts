/**
 * The throwaway PostgreSQL cluster the fleet tests keep their stacks in (see
 * scripts/fleet/postgres.ts, shared with the benchmark), plus what the tests read from it.
 */
import type { PostgresCluster } from "../../scripts/fleet/postgres";
import { FLEET_PROJECT } from "../../cli/fleet/stack";

export { startPostgres, PostgresCluster } from "../../scripts/fleet/postgres";

/** Names of the fleet stacks in the store (the DIY backend keeps `.pulumi/stacks/<project>/<stack>.json`). */
export function fleetStacks(pg: PostgresCluster): string[] {
    // The backend creates its table on first use.
    if (pg.sql("SELECT to_regclass('pulumi_state') IS NOT NULL").trim() !== "t") return [];
    const prefix = `/.pulumi/stacks/${FLEET_PROJECT}/`;
    return pg
        .sql(`SELECT key FROM pulumi_state WHERE key LIKE '%${prefix}%.json' ORDER BY key`)
        .split("\n")
        .filter(Boolean)
        .map((key) => key.slice(key.indexOf(prefix) + prefix.length, -".json".length));
}

/** Locks the store holds (each runner removes its own when its update ends). */
export function fleetLocks(pg: PostgresCluster): string[] {
    if (pg.sql("SELECT to_regclass('pulumi_state') IS NOT NULL").trim() !== "t") return [];
    return pg.sql(`SELECT key FROM pulumi_state WHERE key LIKE '%/.pulumi/locks/%'`).split("\n").filter(Boolean);
}

export interface Checkpoint {
    version: number;
    checkpoint: {
        stack: string;
        latest: { resources?: { type: string; outputs?: Record<string, unknown> }[]; pending_operations?: unknown[] };
    };
}

/** A stack's checkpoint as the backend stored it (a row `{"data": "<base64 of the file>"}`). */
export function checkpoint(pg: PostgresCluster, stack: string): Checkpoint {
    const row = pg.sql(`SELECT data FROM pulumi_state WHERE key LIKE '%/.pulumi/stacks/${FLEET_PROJECT}/${stack}.json'`);
    return JSON.parse(Buffer.from((JSON.parse(row) as { data: string }).data, "base64").toString("utf8"));
}
