import type { StatsData } from '@liveinsight/contract';
import uPlot from 'uplot';
import type { Table } from '../format/csv.js';
import { formatBucket, formatCount, pageviewsLabel } from '../format/format.js';
import { fill, h } from '../dom.js';
import { allCaveats } from './caveats.js';

/** Below this the axis labels crowd; the card's layout gives the chart any extra height. */
const MIN_HEIGHT = 200;

interface Palette {
  visitors: string;
  visitorsFill: string;
  visitorsFillEnd: string;
  filling: string;
  pageviews: string;
  axis: string;
  grid: string;
  font: string;
}

/** Chart colours come from the stylesheet's custom properties, so both themes live in CSS. */
function palette(element: Element): Palette {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    visitors: read('--accent', '#5b5bd6'),
    visitorsFill: read('--accent-fill', 'rgba(91,91,214,0.3)'),
    // The same hue at zero alpha: fading to `transparent` (black at zero alpha) would grey the middle.
    visitorsFillEnd: read('--accent-fill-end', 'rgba(91,91,214,0)'),
    filling: read('--filling', 'rgba(0,0,0,0.04)'),
    pageviews: read('--accent-2', '#14b8a6'),
    axis: read('--text-muted', '#6b7280'),
    grid: read('--grid', 'rgba(0,0,0,0.06)'),
    font: `12px ${read('--font', 'system-ui, sans-serif')}`,
  };
}

/** A vertical gradient under the visitors line, fading out towards the axis. */
function gradientFill(from: string, to: string) {
  return (u: uPlot) => {
    const gradient = u.ctx.createLinearGradient(0, u.bbox.top, 0, u.bbox.top + u.bbox.height);
    gradient.addColorStop(0, from);
    gradient.addColorStop(1, to);
    return gradient;
  };
}

/**
 * Shades the stretch of the chart that leads into the bucket still receiving events, so a
 * dip at the right edge reads as "not over yet" rather than as a drop in traffic.
 */
function fillingBand(data: StatsData, color: string, label: string, font: string) {
  return (u: uPlot) => {
    const last = data.timeseries.length - 1;
    if (!data.meta.current_bucket_filling || last < 1 || data.timeseries[last]!.t !== data.meta.filling_bucket) return;
    const ratio = devicePixelRatio || 1;
    const x0 = u.valToPos(u.data[0][last - 1]!, 'x', true);
    const x1 = u.valToPos(u.data[0][last]!, 'x', true);
    u.ctx.save();
    u.ctx.fillStyle = color;
    u.ctx.fillRect(x0, u.bbox.top, x1 - x0 + 4 * ratio, u.bbox.height);
    u.ctx.fillStyle = label;
    u.ctx.font = font.replace(/^(\d+)px/, (_m, size: string) => `${Math.round(Number(size) * ratio)}px`);
    u.ctx.textAlign = 'right';
    u.ctx.textBaseline = 'top';
    u.ctx.fillText('so far', x1 - 4 * ratio, u.bbox.top + 4 * ratio);
    u.ctx.restore();
  };
}

export interface ChartPanel {
  render(data: StatsData): void;
  /** Re-reads the theme's colours (the system switched between light and dark). */
  restyle(): void;
}

/**
 * The time series: visitors as a filled area, pageviews as a line, hour or day buckets.
 * Hours are shown in local time; days are UTC days, as the API buckets them.
 */
export function createChartPanel(container: HTMLElement, legend: HTMLElement, note: HTMLElement): ChartPanel {
  let plot: uPlot | undefined;
  let current: StatsData | undefined;
  const tooltip = h('div', { class: 'chart-tooltip', attrs: { hidden: true, 'aria-hidden': 'true' } });

  // The plot fills its container, whose size the stylesheet decides (it stretches to the
  // height of the realtime card beside it), so the two cards end level.
  const width = () => Math.max(container.clientWidth, 240);
  const height = () => Math.max(container.clientHeight, MIN_HEIGHT);

  function showTooltip(u: uPlot): void {
    const index = u.cursor.idx;
    if (index === null || index === undefined || !current) {
      tooltip.hidden = true;
      return;
    }
    const point = current.timeseries[index];
    if (!point) return;
    fill(
      tooltip,
      h('div', { class: 'tooltip-title' }, formatBucket(point.t, current.interval, undefined, current.interval === 'day')),
      h('div', null, h('span', { class: 'swatch visitors' }), 'Visitors ', h('strong', null, formatCount(point.visitors))),
      h('div', null, h('span', { class: 'swatch pageviews' }), 'Pageviews ', h('strong', null, formatCount(point.pageviews))),
    );
    tooltip.hidden = false;
    const left = u.valToPos(u.data[0][index]!, 'x');
    const flip = left > u.over.clientWidth / 2;
    tooltip.style.left = `${left}px`;
    tooltip.style.transform = flip ? 'translateX(calc(-100% - 12px))' : 'translateX(12px)';
  }

  function build(data: StatsData): void {
    plot?.destroy();
    const colors = palette(container);
    const day = data.interval === 'day';
    // A line needs two points; one bucket alone is drawn as a dot.
    const sparse = data.timeseries.length < 3;
    const options: uPlot.Options = {
      width: width(),
      height: height(),
      padding: [12, 20, 0, 4],
      legend: { show: false },
      cursor: { y: false, drag: { x: false, y: false }, points: { size: 8, width: 2 } },
      // Day buckets start at 00:00 UTC: shown in local time they would slip a day west of Greenwich.
      tzDate: day ? (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC') : (ts) => new Date(ts * 1e3),
      scales: {
        x: { time: true },
        y: { range: (_u, _min, max) => [0, max > 0 ? uPlot.rangeNum(0, max, 0.1, true)[1] : 4] },
      },
      axes: [
        {
          stroke: colors.axis,
          font: colors.font,
          grid: { show: false },
          ticks: { show: false },
          gap: 8,
          space: 64,
          // Day buckets get ticks on whole days only, never at noon between two points.
          incrs: day ? [DAY_S, 2 * DAY_S, 7 * DAY_S, 14 * DAY_S, 28 * DAY_S, 91 * DAY_S] : undefined,
          values: (_u, splits, _axis, _space, increment) => splits.map((ts) => axisLabel(ts, increment, day)),
        },
        {
          stroke: colors.axis,
          font: colors.font,
          grid: { stroke: colors.grid, width: 1 },
          ticks: { show: false },
          size: 44,
          gap: 6,
          values: (_u, values) => values.map((v) => (Number.isInteger(v) ? formatCount(v) : '')),
        },
      ],
      series: [
        {},
        {
          label: 'Visitors',
          stroke: colors.visitors,
          width: 2.5,
          fill: gradientFill(colors.visitorsFill, colors.visitorsFillEnd),
          points: { show: sparse, size: 8 },
          paths: uPlot.paths.spline?.(),
        },
        {
          label: 'Pageviews',
          stroke: colors.pageviews,
          width: 1.75,
          points: { show: sparse, size: 8 },
          paths: uPlot.paths.spline?.(),
        },
      ],
      hooks: { setCursor: [showTooltip], drawClear: [fillingBand(data, colors.filling, colors.axis, colors.font)] },
    };
    plot = new uPlot(options, toAligned(data), container);
    plot.over.append(tooltip);
    plot.over.addEventListener('mouseleave', () => (tooltip.hidden = true));
  }

  new ResizeObserver(() => {
    if (plot && (Math.abs(plot.width - width()) > 1 || Math.abs(plot.height - height()) > 1)) {
      plot.setSize({ width: width(), height: height() });
    }
  }).observe(container);

  return {
    render(data) {
      // Rebuilt on every answer (a few milliseconds): the axis format, the scale and
      // whether single points need markers all depend on the data.
      current = data;
      build(data);
      renderLegend(legend, data);
      note.textContent = chartNote(data);
    },
    restyle() {
      if (current) build(current);
    },
  };
}

const DAY_S = 86_400;

/** Ticks a day or more apart read as dates (`Nov 21`), closer ones as times, with the date at midnight. */
function axisLabel(ts: number, increment: number, utc: boolean): string {
  const date = new Date(ts * 1000);
  const timeZone = utc ? 'UTC' : undefined;
  const midnight = utc ? date.getUTCHours() === 0 && date.getUTCMinutes() === 0 : date.getHours() === 0 && date.getMinutes() === 0;
  if (increment >= DAY_S || midnight) return date.toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone });
  return date.toLocaleTimeString(undefined, { hour: 'numeric', timeZone });
}

function toAligned(data: StatsData): uPlot.AlignedData {
  return [
    data.timeseries.map((p) => Date.parse(p.t) / 1000),
    data.timeseries.map((p) => p.visitors),
    data.timeseries.map((p) => p.pageviews),
  ];
}

function renderLegend(legend: HTMLElement, data: StatsData): void {
  const peak = data.timeseries.reduce((best, p) => (p.pageviews > (best?.pageviews ?? -1) ? p : best), data.timeseries[0]);
  fill(
    legend,
    h('span', { class: 'legend-item' }, h('span', { class: 'swatch visitors' }), 'Visitors'),
    h('span', { class: 'legend-item' }, h('span', { class: 'swatch pageviews' }), 'Pageviews'),
    peak && peak.pageviews > 0
      ? h(
          'span',
          { class: 'legend-peak muted' },
          `Busiest ${data.interval}: ${formatBucket(peak.t, data.interval, undefined, data.interval === 'day')} · ${pageviewsLabel(peak.pageviews)}`,
        )
      : null,
  );
}

function chartNote(data: StatsData): string {
  const parts: string[] = [];
  if (data.totals.pageviews === 0 && data.totals.events === 0) parts.push('No visits in this period.');
  if (data.meta.current_bucket_filling) {
    parts.push(`The last ${data.interval} is still filling: its numbers grow until it ends.`);
  }
  if (data.interval === 'day') parts.push('Days are UTC days.');
  parts.push(...allCaveats(data, 'timeseries'));
  return parts.join(' ');
}

export function timeseriesTable(data: StatsData): Table {
  return {
    columns: ['bucket_start_utc', 'visitors', 'pageviews', 'sessions', 'events'],
    rows: data.timeseries.map((p) => [p.t, p.visitors, p.pageviews, p.sessions, p.events]),
  };
}
