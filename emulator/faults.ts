/**
 * Scripted and random failures, registered through `POST /_emulator/faults`.
 * Faults live in memory (a restart clears them) and are checked in creation
 * order; the first one that matches a request and is not spent decides it.
 */
import { faultId } from "./ids";
import type { Dialect, FaultInfo, FaultOutcome, FaultSpec, RetryAfterForm } from "./types";

/** The routes a fault can name, relative to the dialect's base URL. */
export const TENANT_ROUTES = {
    addUser: "POST /v1/tenants/add-user",
    addUserBulk: "POST /v1/tenants/add-user-bulk",
    projectsUsers: "POST /v1/users",
} as const;
export type TenantRoute = (typeof TENANT_ROUTES)[keyof typeof TENANT_ROUTES];
export const ALL_TENANT_ROUTES: readonly string[] = Object.values(TENANT_ROUTES);

/** Order in which `probabilities` are laid out on [0, 1). */
const RANDOM_OUTCOMES = ["429", "500", "503", "drop-before", "drop-after-commit"] as const;

export interface FaultDecision {
    faultId: string;
    outcome: FaultOutcome;
    latencyMs: number;
    retryAfter: RetryAfterForm;
    retryAfterSeconds: number;
}

export interface FaultContext {
    route: string;
    dialect: Dialect;
    tenantId: string;
}

/** mulberry32: small, fast and reproducible from a 32-bit seed. */
export function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

interface Fault {
    id: string;
    spec: FaultSpec;
    remaining: FaultOutcome[] | null;
    random: (() => number) | null;
    matched: number;
}

export class FaultRegistry {
    private faults: Fault[] = [];

    add(spec: FaultSpec): string {
        const id = faultId();
        const hasProbabilities = spec.probabilities !== undefined && Object.keys(spec.probabilities).length > 0;
        this.faults.push({
            id,
            spec,
            remaining: spec.sequence ? [...spec.sequence] : null,
            random: hasProbabilities ? prng(spec.seed ?? 1) : null,
            matched: 0,
        });
        return id;
    }

    /** Removes every fault; returns how many there were. */
    clear(): number {
        const n = this.faults.length;
        this.faults = [];
        return n;
    }

    remove(id: string): boolean {
        const before = this.faults.length;
        this.faults = this.faults.filter((f) => f.id !== id);
        return this.faults.length !== before;
    }

    list(): FaultInfo[] {
        return this.faults.map((f) => ({ ...f.spec, faultId: f.id, remaining: f.remaining?.length ?? null, matched: f.matched }));
    }

    /** Decides the fate of one tenant request, consuming a sequence entry or a random draw. */
    decide(ctx: FaultContext): FaultDecision | null {
        for (const fault of this.faults) {
            const { spec } = fault;
            if (spec.route !== undefined && spec.route !== ctx.route) continue;
            if (spec.dialect !== undefined && spec.dialect !== ctx.dialect) continue;
            if (spec.tenantId !== undefined && spec.tenantId !== ctx.tenantId) continue;
            let outcome: FaultOutcome;
            if (fault.remaining !== null && fault.remaining.length > 0) {
                outcome = fault.remaining.shift()!;
            } else if (fault.random !== null) {
                outcome = draw(fault.random(), spec.probabilities ?? {});
            } else if (fault.remaining !== null) {
                continue; // a spent sequence: requests pass
            } else {
                outcome = "ok"; // latency only
            }
            fault.matched += 1;
            return {
                faultId: fault.id,
                outcome,
                latencyMs: spec.latencyMs ?? 0,
                retryAfter: spec.retryAfter ?? "seconds",
                retryAfterSeconds: spec.retryAfterSeconds ?? 1,
            };
        }
        return null;
    }
}

function draw(r: number, probabilities: NonNullable<FaultSpec["probabilities"]>): FaultOutcome {
    let acc = 0;
    for (const outcome of RANDOM_OUTCOMES) {
        acc += probabilities[outcome] ?? 0;
        if (r < acc) return outcome;
    }
    return "ok";
}
