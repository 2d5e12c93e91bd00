/** Two small hand-rolled SVG charts (no dependency): horizontal bars and lines on linear axes. */

const FONT = `font-family="system-ui, -apple-system, 'Segoe UI', sans-serif"`;
export const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563"];

function esc(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** About five round tick values from 0 to at least `max`. */
export function niceTicks(max: number, count = 5): number[] {
    if (!(max > 0)) return [0, 1];
    const raw = max / count;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
    const ticks: number[] = [];
    for (let v = 0; v <= max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
    return ticks;
}

export interface Bar {
    label: string;
    value: number;
    color?: string;
    note?: string;
}

/** Horizontal bars, one per row, value printed at the end; optional vertical reference lines. */
export function barChart(opts: {
    title: string;
    bars: Bar[];
    fmt: (v: number) => string;
    refs?: { value: number; label: string }[];
    width?: number;
}): string {
    const width = opts.width ?? 760;
    const labelW = Math.min(330, 12 + Math.max(...opts.bars.map((b) => b.label.length)) * 6.6);
    const rowH = 26,
        top = 44,
        bottom = 34;
    const plotW = width - labelW - 110;
    const height = top + opts.bars.length * rowH + bottom;
    const max = Math.max(...opts.bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)), ...(opts.refs ?? []).map((r) => r.value));
    const ticks = niceTicks(max);
    const scale = (v: number) => (plotW * v) / ticks[ticks.length - 1]!;
    const parts: string[] = [];
    parts.push(
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    );
    parts.push(`<rect width="100%" height="100%" fill="#fff"/>`);
    parts.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">${esc(opts.title)}</text>`);
    for (const t of ticks) {
        const x = labelW + scale(t);
        parts.push(`<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${height - bottom}" stroke="#e5e7eb"/>`);
        parts.push(`<text x="${x}" y="${height - bottom + 16}" text-anchor="middle" fill="#6b7280">${esc(opts.fmt(t))}</text>`);
    }
    opts.bars.forEach((b, i) => {
        const y = top + i * rowH;
        const v = Number.isFinite(b.value) ? b.value : 0;
        parts.push(`<text x="${labelW - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${esc(b.label)}</text>`);
        parts.push(
            `<rect x="${labelW}" y="${y + 4}" width="${Math.max(1, scale(v))}" height="${rowH - 8}" fill="${b.color ?? COLORS[0]}" rx="2"/>`,
        );
        parts.push(
            `<text x="${labelW + scale(v) + 6}" y="${y + rowH / 2 + 4}" fill="#111827">${esc(Number.isFinite(b.value) ? opts.fmt(b.value) : "—")}${b.note ? ` ${esc(b.note)}` : ""}</text>`,
        );
    });
    for (const r of opts.refs ?? []) {
        const x = labelW + scale(r.value);
        parts.push(`<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${height - bottom}" stroke="#111827" stroke-dasharray="5 4"/>`);
        parts.push(`<text x="${x + 4}" y="${top - 10}" fill="#111827">${esc(r.label)}</text>`);
    }
    parts.push(`</svg>`);
    return `${parts.join("\n")}\n`;
}

export interface Series {
    name: string;
    points: { x: number; y: number }[];
    color?: string;
    dashed?: boolean;
}

/** Lines with markers on linear axes from 0; a straight line through the origin region means linear cost. */
export function lineChart(opts: {
    title: string;
    series: Series[];
    xLabel: string;
    yLabel: string;
    fmtX: (v: number) => string;
    fmtY: (v: number) => string;
    width?: number;
    height?: number;
}): string {
    const width = opts.width ?? 760,
        height = opts.height ?? 420;
    const left = 78,
        right = 24,
        top = 44,
        bottom = 76;
    const plotW = width - left - right,
        plotH = height - top - bottom;
    const all = opts.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    const xt = niceTicks(Math.max(...all.map((p) => p.x)));
    const yt = niceTicks(Math.max(...all.map((p) => p.y)));
    const sx = (v: number) => left + (plotW * v) / xt[xt.length - 1]!;
    const sy = (v: number) => top + plotH - (plotH * v) / yt[yt.length - 1]!;
    const parts: string[] = [];
    parts.push(
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    );
    parts.push(`<rect width="100%" height="100%" fill="#fff"/>`);
    parts.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">${esc(opts.title)}</text>`);
    for (const t of yt) {
        parts.push(`<line x1="${left}" y1="${sy(t)}" x2="${width - right}" y2="${sy(t)}" stroke="#e5e7eb"/>`);
        parts.push(`<text x="${left - 6}" y="${sy(t) + 4}" text-anchor="end" fill="#6b7280">${esc(opts.fmtY(t))}</text>`);
    }
    for (const t of xt) {
        parts.push(`<line x1="${sx(t)}" y1="${top}" x2="${sx(t)}" y2="${top + plotH}" stroke="#f3f4f6"/>`);
        parts.push(`<text x="${sx(t)}" y="${top + plotH + 16}" text-anchor="middle" fill="#6b7280">${esc(opts.fmtX(t))}</text>`);
    }
    parts.push(`<line x1="${left}" y1="${top + plotH}" x2="${width - right}" y2="${top + plotH}" stroke="#374151"/>`);
    parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#374151"/>`);
    parts.push(`<text x="${left + plotW / 2}" y="${top + plotH + 34}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
    parts.push(`<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`);
    opts.series.forEach((s, i) => {
        const color = s.color ?? COLORS[i % COLORS.length];
        const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
        if (pts.length === 0) return;
        parts.push(
            `<polyline fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ` stroke-dasharray="6 4"` : ""} points="${pts.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ")}"/>`,
        );
        if (!s.dashed)
            for (const p of pts)
                parts.push(
                    `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="4" fill="${color}"><title>${esc(`${s.name}: ${opts.fmtX(p.x)} → ${opts.fmtY(p.y)}`)}</title></circle>`,
                );
    });
    // Legend below the plot.
    let lx = left;
    const ly = height - 16;
    opts.series.forEach((s, i) => {
        const color = s.color ?? COLORS[i % COLORS.length];
        parts.push(
            `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 22}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${s.dashed ? ` stroke-dasharray="6 4"` : ""}/>`,
        );
        parts.push(`<text x="${lx + 28}" y="${ly}">${esc(s.name)}</text>`);
        lx += 40 + s.name.length * 6.6;
    });
    parts.push(`</svg>`);
    return `${parts.join("\n")}\n`;
}
