/** Small statistics and formatting helpers shared by the benchmark scenarios and the report. */

export function median(xs: readonly number[]): number {
    if (xs.length === 0) return NaN;
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Least-squares line through (x, y) points, with R². */
export function linearFit(points: readonly { x: number; y: number }[]): { slope: number; intercept: number; r2: number } {
    const n = points.length;
    const mx = points.reduce((a, p) => a + p.x, 0) / n;
    const my = points.reduce((a, p) => a + p.y, 0) / n;
    let sxy = 0,
        sxx = 0,
        syy = 0;
    for (const p of points) {
        sxy += (p.x - mx) * (p.y - my);
        sxx += (p.x - mx) ** 2;
        syy += (p.y - my) ** 2;
    }
    const slope = sxx === 0 ? 0 : sxy / sxx;
    const intercept = my - slope * mx;
    const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
    return { slope, intercept, r2 };
}

export function round(x: number, digits = 1): number {
    const f = 10 ** digits;
    return Math.round(x * f) / f;
}

/** `1234.5` ms → `1.23 s`; under a second stays in ms. */
export function fmtMs(ms: number): string {
    if (!Number.isFinite(ms)) return "—";
    if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
    if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
    return `${ms.toFixed(0)} ms`;
}

export function fmtNum(x: number): string {
    if (!Number.isFinite(x)) return "—";
    if (Number.isInteger(x)) return x.toLocaleString("en-US");
    return x.toLocaleString("en-US", { maximumFractionDigits: x >= 100 ? 0 : 2 });
}

export function fmtBytes(b: number): string {
    if (!Number.isFinite(b)) return "—";
    if (b >= 1 << 20) return `${(b / (1 << 20)).toFixed(1)} MiB`;
    if (b >= 1 << 10) return `${(b / (1 << 10)).toFixed(1)} KiB`;
    return `${Math.round(b)} B`;
}

/** Formats a value by its unit. */
export function fmtValue(x: number, unit: string): string {
    switch (unit) {
        case "ms":
            return fmtMs(x);
        case "bytes":
            return fmtBytes(x);
        case "bytes/user":
            return `${fmtNum(round(x, 1))} B/user`;
        case "users/s":
            return `${fmtNum(Math.round(x))} users/s`;
        case "requests":
            return fmtNum(x);
        case "x":
            return `${round(x, 2)}×`;
        default:
            return `${fmtNum(x)} ${unit}`;
    }
}
