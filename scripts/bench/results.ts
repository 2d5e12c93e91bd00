/** The shape of `results.json`, and the recorder scenarios fill it with. */
import * as os from "node:os";
import type { ProfileReport } from "./profile";
import { median, round } from "./stats";

export type Mode = "full" | "quick" | "tiny";

export const SCENARIO_IDS = ["floor", "roster", "growth", "tenant-user", "emulator", "fleet"] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

export interface Measurement {
    /** Stable key, e.g. `roster.up`, `tenant-user.TenantUser.p1000`. */
    id: string;
    label: string;
    unit: "ms" | "requests" | "bytes" | "bytes/user" | "users/s" | "users" | "x";
    samples: number[];
    median: number;
    /** Sizes and settings of this measurement, e.g. `{ users: 10000, parallel: 1000 }`. */
    params?: Record<string, string | number | boolean>;
}

export interface ScenarioResult {
    id: ScenarioId;
    title: string;
    status: "ok" | "failed" | "skipped";
    error?: string;
    notes: string[];
    measurements: Measurement[];
    /** Scenario-specific extras (request counts per route, state breakdowns, the fleet benchmark's own result…). */
    details: Record<string, unknown>;
    durationMs: number;
    /** 1-minute load average before and after: the machine's noise, in one number. */
    loadAverage: { before: number; after: number };
}

export interface TargetResult {
    id: string;
    description: string;
    /** What was compared, in words with the numbers. */
    measured: string;
    value: number;
    limit: number;
    /** value / limit for "at most" targets, limit / value … expressed so that ≤ 1 means met. */
    ratio: number;
    met: boolean | null;
    /** For a miss: by how much, and the profile that says where the time goes. */
    miss?: string;
    profile?: string;
}

export interface Results {
    generatedAt: string;
    mode: Mode;
    command: string;
    sizes: Record<string, unknown>;
    machine: Record<string, string | number>;
    versions: Record<string, string>;
    scenarios: ScenarioResult[];
    targets: TargetResult[];
    profiles: ProfileReport[];
    totalMs: number;
}

/** Collects samples for one scenario; `finish()` computes the medians. */
export class Recorder {
    readonly result: ScenarioResult;
    private readonly started = performance.now();

    constructor(id: ScenarioId, title: string) {
        this.result = {
            id,
            title,
            status: "ok",
            notes: [],
            measurements: [],
            details: {},
            durationMs: 0,
            loadAverage: { before: round(os.loadavg()[0]!, 2), after: NaN },
        };
    }

    add(id: string, label: string, unit: Measurement["unit"], value: number, params?: Measurement["params"]): void {
        let m = this.result.measurements.find((x) => x.id === id);
        if (!m) {
            m = { id, label, unit, samples: [], median: NaN, ...(params ? { params } : {}) };
            this.result.measurements.push(m);
        }
        m.samples.push(unit === "ms" ? round(value, 0) : round(value, 2));
    }

    get(id: string): Measurement | undefined {
        return this.result.measurements.find((x) => x.id === id);
    }

    note(text: string): void {
        if (!this.result.notes.includes(text)) this.result.notes.push(text);
    }

    finish(): ScenarioResult {
        for (const m of this.result.measurements) m.median = round(median(m.samples), m.unit === "ms" ? 0 : 2);
        this.result.durationMs = round(performance.now() - this.started, 0);
        this.result.loadAverage.after = round(os.loadavg()[0]!, 2);
        return this.result;
    }
}
