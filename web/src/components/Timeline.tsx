// The timeline of a selection (SelectSeries summed over series), drawn by uPlot: a y-axis in the
// profile's unit, a time axis in the chosen zone, a hover readout of the point under the cursor,
// and a drag across it to zoom into that range.
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

import type { Point } from '../api/client';
import { axisTime, formatTime, getZone, type Range, zoneLabel } from '../app/time';
import { formatValue } from '../flame/model';

export interface TimelineProps {
  points: Point[];
  range: Range;
  unit: string;
  onSelect: (r: Range) => void;
  color?: string;
  height?: number;
  yMax?: number; // A shared y-axis top (panels side by side); else the peak's.
  marks?: { range: Range; color: string }[]; // Ranges shaded on the chart (a diff's two sides).
  onPoint?: (t: number) => void; // A click without a drag, at time t.
  testId?: string;
}

function cssColor(color: string, el: Element): string {
  const m = /^var\((--[\w-]+)\)$/.exec(color);
  return m ? getComputedStyle(el).getPropertyValue(m[1]).trim() || '#e8590c' : color;
}

export function Timeline({ points, range, unit, onSelect, color = 'var(--accent)', height = 120, yMax, marks, onPoint, testId = 'timeline' }: TimelineProps) {
  const box = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<Point | null>(null);
  const select = useRef(onSelect);
  select.current = onSelect;
  const point = useRef(onPoint);
  point.current = onPoint;
  const max = points.reduce((m, p) => Math.max(m, p.v), 0);
  const zone = getZone();

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const span = range.until - range.from;
    const stroke = cssColor(color, el);
    const axisColor = getComputedStyle(el).color;
    const plot = new uPlot({
      width: Math.max(200, el.clientWidth),
      height,
      ms: 1,
      legend: { show: false },
      scales: { x: { time: true, range: () => [range.from, range.until] }, y: { range: (_u, _min, hi) => [0, yMax ?? (hi > 0 ? hi * 1.1 : 1)] } },
      series: [{}, { stroke, fill: `${stroke}55`, width: 1.5, points: { show: points.length < 60 } }],
      axes: [
        { stroke: axisColor, size: 30, values: (_u, splits) => splits.map((t) => axisTime(t, span, zone)), grid: { stroke: '#8884', width: 1 } },
        { stroke: axisColor, size: 78, grid: { stroke: '#8884', width: 1 }, values: (_u, splits) => {
          const labels = splits.map((v) => formatValue(v, unit));
          el.parentElement?.setAttribute('data-yticks', labels.join('|')); // The canvas's text, for tests.
          return labels;
        } },
      ],
      cursor: { drag: { x: true, y: false, setScale: false }, points: { size: 6 } },
      hooks: {
        draw: [(u) => {
          for (const m of marks ?? []) {
            const x0 = u.valToPos(Math.max(m.range.from, range.from), 'x', true);
            const x1 = u.valToPos(Math.min(m.range.until, range.until), 'x', true);
            u.ctx.fillStyle = `${cssColor(m.color, el)}33`;
            u.ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
            u.ctx.fillStyle = cssColor(m.color, el);
            u.ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), 3 * devicePixelRatio);
          }
        }],
        setCursor: [(u) => {
          const i = u.cursor.idx;
          setHover(i === null || i === undefined ? null : { t: u.data[0][i], v: u.data[1][i] ?? 0 });
        }],
        setSelect: [(u) => {
          if (u.select.width < 3) return;
          const from = Math.round(u.posToVal(u.select.left, 'x'));
          const until = Math.round(u.posToVal(u.select.left + u.select.width, 'x'));
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          if (until > from) select.current({ from, until });
        }],
      },
    }, [points.map((p) => p.t), points.map((p) => p.v)], el);
    let down: { x: number; y: number } | null = null;
    plot.over.addEventListener('mousedown', (e) => { down = { x: e.clientX, y: e.clientY }; });
    plot.over.addEventListener('mouseup', (e) => {
      if (down && Math.abs(e.clientX - down.x) < 3 && point.current) {
        point.current(Math.round(plot.posToVal(e.clientX - plot.over.getBoundingClientRect().left, 'x')));
      }
      down = null;
    });
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => { resize.disconnect(); plot.destroy(); };
  }, [points, range.from, range.until, unit, color, height, zone, yMax, marks]);

  const label = points.length === 0
    ? `timeline from ${formatTime(range.from)} to ${formatTime(range.until)}: no data in this range`
    : `timeline from ${formatTime(range.from)} to ${formatTime(range.until)} ${zoneLabel(zone)}, peak ${formatValue(max, unit)}`;
  return (
    <div className="timeline" data-testid={testId} data-points={points.length} data-peak={max}>
      <div ref={box} className="timeline-plot" role="img" aria-label={label} />
      {points.length === 0 && <p className="empty timeline-empty" data-testid={`${testId}-empty`}>No data in this range.</p>}
      <div className="timeline-axis">
        <span>{zoneLabel(zone)}</span>
        <span data-testid={`${testId}-readout`} aria-live="polite">
          {hover ? `${formatTime(hover.t, zone)} · ${formatValue(hover.v, unit)}` : points.length ? `${points.length} points · peak ${formatValue(max, unit)} · drag to zoom` : ''}
        </span>
      </div>
    </div>
  );
}
