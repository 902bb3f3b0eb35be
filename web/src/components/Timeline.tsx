// The timeline of a selection (SelectSeries summed over series): an SVG area chart; dragging
// across it selects a range to zoom into.
import { useRef, useState } from 'react';

import type { Point } from '../api/client';
import { formatTime, type Range } from '../app/time';
import { formatValue } from '../flame/model';

const H = 90;

export function Timeline({ points, range, unit, onSelect, color = 'var(--accent)', testId = 'timeline' }:
  { points: Point[]; range: Range; unit: string; onSelect: (r: Range) => void; color?: string; testId?: string }) {
  const svg = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);
  const W = 1000;
  const max = points.reduce((m, p) => Math.max(m, p.v), 0) || 1;
  const xOf = (t: number) => ((t - range.from) / (range.until - range.from)) * W;
  const path = points.length
    ? `M${xOf(points[0].t)},${H} ${points.map((p) => `L${xOf(p.t)},${H - (p.v / max) * (H - 8)}`).join(' ')} L${xOf(points[points.length - 1].t)},${H} Z`
    : '';
  const frac = (e: React.MouseEvent) => {
    const r = svg.current!.getBoundingClientRect();
    return Math.min(1, Math.max(0, (e.clientX - r.left) / r.width));
  };
  const finish = () => {
    if (drag && Math.abs(drag.b - drag.a) > 0.005) {
      const span = range.until - range.from;
      const [a, b] = [Math.min(drag.a, drag.b), Math.max(drag.a, drag.b)];
      onSelect({ from: Math.round(range.from + a * span), until: Math.round(range.from + b * span) });
    }
    setDrag(null);
  };
  return (
    <div className="timeline" data-testid={testId}>
      <svg ref={svg} viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img"
        aria-label={`timeline from ${formatTime(range.from)} to ${formatTime(range.until)}, peak ${formatValue(max, unit)}`}
        onMouseDown={(e) => { const f = frac(e); setDrag({ a: f, b: f }); }}
        onMouseMove={(e) => { if (drag) setDrag({ ...drag, b: frac(e) }); }}
        onMouseUp={finish} onMouseLeave={finish}>
        <path d={path} fill={color} fillOpacity={0.35} stroke={color} strokeWidth={1.5} vectorEffect="non-scaling-stroke" />
        {drag && <rect x={Math.min(drag.a, drag.b) * W} y={0} width={Math.abs(drag.b - drag.a) * W} height={H} className="drag" />}
      </svg>
      <div className="timeline-axis"><span>{formatTime(range.from)}</span><span>{points.length} points · peak {formatValue(max, unit)}</span><span>{formatTime(range.until)}</span></div>
    </div>
  );
}
