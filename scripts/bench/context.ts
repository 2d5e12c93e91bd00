/** Sizes per mode, and what every scenario receives. */
import type { BenchEmulator } from "./emulator";
import type { Mode } from "./results";

export interface Sizes {
    /** Samples per measurement (the median of these is reported). */
    samples: number;
    /** Scenario 2: users in the roster. */
    roster: number;
    /** Scenario 3: roster sizes of the growth curve. */
    growth: number[];
    /** Scenario 4: TenantUser resources. */
    users: number;
    /** Scenario 4: the `--parallel` values. */
    parallel: number[];
    /** Scenario 4: also run every variant with PULUMI_SKIP_CHECKPOINTS=true. */
    skipCheckpointVariants: boolean;
    /** Scenario 4: samples of the `@pulumi/command` + curl variants (one process per user: the slowest). */
    commandSamples: number;
    /** Scenario 4: samples of the variants other than the three the targets compare (TenantUser, unbatched, command at the highest --parallel with checkpoints). */
    secondarySamples: number;
    /** Scenario 4, no batching tax: TenantUser vs unbatched at these sizes, with no latency and with `latencyMs`. */
    sweepUsers: number[];
    /** Scenario 4, no batching tax: the latencies of those rows (0 and `latencyMs` for the targets). */
    sweepLatencies: number[];
    /** Scenario 4, rate limit: users under the Geldstuck default rate limit (20 requests/s, burst 40; no latency). */
    rateLimitUsers: number;
    /** Scenario 4, rate limit: the kinds compared, and with (false) or without (true) checkpoints. */
    rateLimitKinds: ("TenantUser" | "unbatched" | "command")[];
    rateLimitSkipCheckpoints: boolean[];
    /**
     * The suite's smoke form: every scenario's code path once through the real CLI, in the least time.
     * Scenarios run at once, and only the rows some target reads are measured (the floor without its
     * no-change `up` and no-op dynamic reference, the roster without its one-added `preview`); the
     * numbers are indicative only, and targets whose rows did not run are left out.
     */
    smoke: boolean;
    /** Scenarios 4 and 6: emulator latency per request. */
    latencyMs: number;
    fleet: { tenants: number; usersPerTenant: number };
}

export const SIZES: Record<Mode, Sizes> = {
    full: {
        samples: 3,
        roster: 10_000,
        growth: [1_000, 10_000, 100_000],
        users: 1_000,
        parallel: [8, 1_000],
        skipCheckpointVariants: true,
        commandSamples: 1,
        secondarySamples: 1,
        sweepUsers: [10, 100, 1_000],
        sweepLatencies: [0, 50],
        rateLimitUsers: 1_000,
        rateLimitKinds: ["TenantUser", "unbatched", "command"],
        rateLimitSkipCheckpoints: [false, true],
        smoke: false,
        latencyMs: 50,
        fleet: { tenants: 50, usersPerTenant: 1_000 },
    },
    quick: {
        samples: 1,
        roster: 2_000,
        growth: [500, 1_000, 2_000],
        users: 100,
        parallel: [8, 1_000],
        skipCheckpointVariants: true,
        commandSamples: 1,
        secondarySamples: 1,
        sweepUsers: [10, 100, 1_000],
        sweepLatencies: [0, 50],
        rateLimitUsers: 1_000,
        rateLimitKinds: ["TenantUser", "unbatched", "command"],
        rateLimitSkipCheckpoints: [false, true],
        smoke: false,
        latencyMs: 50,
        fleet: { tenants: 2, usersPerTenant: 100 },
    },
    tiny: {
        samples: 1,
        roster: 200,
        growth: [200],
        users: 10,
        parallel: [1_000],
        skipCheckpointVariants: false,
        commandSamples: 1,
        secondarySamples: 1,
        // The row at 10 users and 50 ms is the main comparison's: no `up` of its own.
        sweepUsers: [10],
        sweepLatencies: [50],
        rateLimitUsers: 10,
        rateLimitKinds: ["TenantUser"],
        rateLimitSkipCheckpoints: [true],
        smoke: true,
        latencyMs: 50,
        fleet: { tenants: 1, usersPerTenant: 10 },
    },
};

export interface BenchContext {
    mode: Mode;
    sizes: Sizes;
    emu: BenchEmulator;
    /** Compiled directory of this benchmark (dist/scripts/bench). */
    benchDir: string;
    log(line: string): void;
}
