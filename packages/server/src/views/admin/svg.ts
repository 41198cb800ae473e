import { html, type SafeHtml } from '../html.js';

/**
 * Charts drawn on the server as inline SVG: no chart library, no script, and nothing the page's CSP must allow
 * (colours come from CSS classes, not style attributes). Every chart has a title and a text alternative.
 */

export interface Bar {
  label: string;
  value: number;
}

/** Horizontal bars, e.g. live sessions per app. */
export function barChart(title: string, bars: readonly Bar[]): SafeHtml {
  if (bars.length === 0) return html`<p class="muted">Nothing to show yet.</p>`;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const row = 28;
  const labelW = 150;
  const width = 560;
  const h = bars.length * row + 8;
  return html`<svg
    class="chart"
    viewBox="0 0 ${width} ${h}"
    role="img"
    aria-label="${title}: ${bars.map((b) => `${b.label} ${b.value}`).join(', ')}"
  >
    <title>${title}</title>
    ${bars.map((b, i) => {
      const w = Math.max(2, Math.round(((width - labelW - 60) * b.value) / max));
      const y = i * row + 4;
      return html`<text x="${labelW - 8}" y="${y + 17}" text-anchor="end" class="label"
          >${clip(b.label, 20)}</text
        >
        <rect x="${labelW}" y="${y + 4}" width="${w}" height="${row - 10}" rx="3" class="bar" />
        <text x="${labelW + w + 6}" y="${y + 17}" class="value">${b.value}</text>`;
    })}
  </svg>`;
}

export interface Bucketed {
  label: string;
  /** Counts per time bucket, oldest first. */
  buckets: { delivered: number; retried: number; failed: number }[];
}

/** Per app, stacked columns per hour: delivered at once, delivered after retries, failed. */
export function deliveriesChart(title: string, series: readonly Bucketed[], bucketLabel: string): SafeHtml {
  if (series.length === 0) return html`<p class="muted">No back-channel deliveries in this period.</p>`;
  const width = 560;
  const rowH = 54;
  const labelW = 150;
  const n = series[0]!.buckets.length;
  const colW = (width - labelW - 10) / n;
  const max = Math.max(1, ...series.flatMap((s) => s.buckets.map((b) => b.delivered + b.retried + b.failed)));
  const h = series.length * rowH + 20;
  return html`<svg class="chart" viewBox="0 0 ${width} ${h}" role="img" aria-label="${title}">
      <title>${title}</title>
      ${series.map((s, i) => {
        const base = i * rowH + rowH - 8;
        const totals = s.buckets.reduce(
          (a, b) => ({ d: a.d + b.delivered, r: a.r + b.retried, f: a.f + b.failed }),
          { d: 0, r: 0, f: 0 },
        );
        return html`<text x="${labelW - 8}" y="${base - 18}" text-anchor="end" class="label"
            >${clip(s.label, 20)}</text
          >
          <text x="${labelW - 8}" y="${base - 3}" text-anchor="end" class="value"
            >${totals.d}✓ ${totals.r}↻ ${totals.f}✗</text
          >
          <line x1="${labelW}" x2="${width - 10}" y1="${base}" y2="${base}" class="axis" />
          ${s.buckets.map((b, j) => {
            const x = labelW + j * colW + 1;
            const scale = (rowH - 14) / max;
            let y = base;
            const parts: SafeHtml[] = [];
            for (const [k, v] of [
              ['ok', b.delivered],
              ['retried', b.retried],
              ['bad', b.failed],
            ] as const) {
              if (v === 0) continue;
              const hh = Math.max(2, v * scale);
              y -= hh;
              parts.push(
                html`<rect x="${x}" y="${y}" width="${Math.max(1, colW - 2)}" height="${hh}" class="${k}" />`,
              );
            }
            return parts;
          })}`;
      })}
      <text x="${labelW}" y="${h - 4}" class="muted-text">${bucketLabel}</text>
    </svg>
    <p class="legend">
      <span class="key ok"></span> delivered <span class="key retried"></span> delivered after retries
      <span class="key bad"></span> failed or rejected
    </p>`;
}

export interface TimelineRow {
  label: string;
  /** Attempts as offsets in ms from the logout's start. */
  spans: { start: number; duration: number; outcome: 'ok' | 'retried' | 'bad' | 'pending'; title: string }[];
  /** A planned next attempt, as an offset. */
  next?: number | undefined;
}

/** One logout: a row per app and channel, a bar per attempt, a ring where the next retry is planned. */
export function timelineChart(title: string, rows: readonly TimelineRow[]): SafeHtml {
  if (rows.length === 0) return html`<p class="muted">No channel to show: no app took part.</p>`;
  const width = 560;
  const labelW = 170;
  const rowH = 30;
  const end = Math.max(
    1000,
    ...rows.flatMap((r) => [...r.spans.map((s) => s.start + s.duration), r.next ?? 0]),
  );
  const scale = (width - labelW - 20) / end;
  const h = rows.length * rowH + 26;
  return html`<svg class="chart" viewBox="0 0 ${width} ${h}" role="img" aria-label="${title}">
    <title>${title}</title>
    <line x1="${labelW}" x2="${labelW}" y1="0" y2="${h - 20}" class="axis" />
    <text x="${labelW}" y="${h - 6}" class="muted-text">planned (0 s)</text>
    <text x="${width - 10}" y="${h - 6}" text-anchor="end" class="muted-text">${formatMs(end)}</text>
    ${rows.map((r, i) => {
      const y = i * rowH + 4;
      return html`<text x="${labelW - 8}" y="${y + 17}" text-anchor="end" class="label"
          >${clip(r.label, 24)}</text
        >
        ${r.spans.map(
          (s) =>
            html`<rect
              x="${labelW + s.start * scale}"
              y="${y + 5}"
              width="${Math.max(3, s.duration * scale)}"
              height="${rowH - 12}"
              rx="2"
              class="${s.outcome}"
              ><title>${s.title}</title></rect
            >`,
        )}
        ${
          r.next !== undefined
            ? html`<circle cx="${labelW + r.next * scale}" cy="${y + rowH / 2 - 1}" r="6" class="next"
                ><title>next retry at +${formatMs(r.next)}</title></circle
              >`
            : ''
        }`;
    })}
  </svg>`;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
