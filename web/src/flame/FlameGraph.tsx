// The flame graph: a canvas (fast for 100 k nodes: only frames at least half a pixel wide are
// laid out) with a tooltip, click to focus a frame, right click for its sandwich. A visually
// hidden list of the widest frames describes the canvas to screen readers (and to tests).
import { useEffect, useMemo, useRef, useState } from 'react';

import { type FlameNode, formatValue, matches } from './model';

const ROW = 18;

interface Box { x: number; y: number; w: number; n: FlameNode; ancestor: boolean }

/** Frames to draw: the focus's ancestors full width, then its subtree scaled to the width. */
export function layout(focus: FlameNode, width: number): Box[] {
  const boxes: Box[] = [];
  const chain: FlameNode[] = [];
  for (let p: FlameNode | null = focus.parent; p; p = p.parent) chain.unshift(p);
  chain.forEach((n, i) => boxes.push({ x: 0, y: i * ROW, w: width, n, ancestor: true }));
  const scale = focus.total > 0 ? width / focus.total : 0;
  const top = chain.length;
  const walk = (n: FlameNode, x: number, level: number) => {
    const w = n.total * scale;
    if (w < 0.5) return;
    boxes.push({ x, y: (top + level) * ROW, w, n, ancestor: false });
    let cx = x;
    for (const c of n.children) {
      walk(c, cx, level + 1);
      cx += c.total * scale;
    }
  };
  walk(focus, 0, 0);
  return boxes;
}

function hue(name: string): number {
  const pkg = name.replace(/[./][^./]*$/, '') || name;
  let h = 0;
  for (let i = 0; i < pkg.length; i++) h = (h * 31 + pkg.charCodeAt(i)) >>> 0;
  return h % 360;
}

interface Props {
  root: FlameNode;
  /** Overrides the frame colour (the diff view colours by change). */
  colorOf?: (n: FlameNode, dark: boolean) => string;
  /** More tooltip lines for a frame. */
  details?: (n: FlameNode) => string[];
  focus: FlameNode;
  unit: string;
  search: string;
  onFocus?: (n: FlameNode) => void;
  onSandwich?: (name: string) => void;
  testId?: string;
}

export function FlameGraph({ root, focus, unit, search, onFocus, onSandwich, colorOf, details, testId = 'flamegraph' }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(800);
  const [hover, setHover] = useState<{ box: Box; x: number; y: number } | null>(null);
  const boxes = useMemo(() => layout(focus, width), [focus, width]);
  const height = boxes.reduce((h, b) => Math.max(h, b.y + ROW), ROW);

  useEffect(() => {
    const el = canvas.current?.parentElement;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(Math.max(200, el.clientWidth)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = width * dpr;
    c.height = height * dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '12px ui-monospace, SFMono-Regular, Menlo, monospace';
    ctx.textBaseline = 'middle';
    const dark = document.documentElement.dataset.theme === 'dark';
    for (const b of boxes) {
      const hit = matches(b.n.name, search);
      const faded = (search !== '' && !hit) || b.ancestor;
      ctx.fillStyle = b.n.parent === null ? (dark ? '#555' : '#bbb')
        : `hsl(${hue(b.n.name)} ${faded ? 15 : 60}% ${dark ? (faded ? 30 : 40) : (faded ? 80 : 65)}%)`;
      if (colorOf && b.n.parent !== null) ctx.fillStyle = colorOf(b.n, dark);
      if (hit) ctx.fillStyle = dark ? '#d946ef' : '#e879f9';
      ctx.fillRect(b.x, b.y, Math.max(b.w - 0.5, 0.5), ROW - 1);
      if (b.w > 30) {
        ctx.fillStyle = dark ? '#eee' : '#111';
        const label = b.n.name;
        const room = Math.floor((b.w - 6) / 7);
        ctx.fillText(label.length > room ? `${label.slice(0, Math.max(room - 1, 0))}…` : label, b.x + 3, b.y + ROW / 2);
      }
    }
  }, [boxes, width, height, search, colorOf]);

  const boxAt = (e: React.MouseEvent) => {
    const r = (e.target as HTMLCanvasElement).getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    return { box: boxes.find((b) => x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + ROW) ?? null, x, y };
  };
  const widest = useMemo(() => boxes.filter((b) => !b.ancestor && b.n.parent !== null)
    .sort((a, b) => b.w - a.w).slice(0, 20), [boxes]);
  const total = focus.total || 1;

  return (
    <div className="flamegraph" data-testid={testId}>
      <canvas
        ref={canvas}
        style={{ width, height }}
        onMouseMove={(e) => { const { box, x, y } = boxAt(e); setHover(box ? { box, x, y } : null); }}
        onMouseLeave={() => setHover(null)}
        onClick={(e) => { const { box } = boxAt(e); if (box && onFocus) onFocus(box.n); }}
        onContextMenu={(e) => { const { box } = boxAt(e); if (box && onSandwich && box.n.parent) { e.preventDefault(); onSandwich(box.n.name); } }}
      />
      {hover && (
        <div className="tooltip" role="tooltip" style={{ left: Math.min(hover.x + 12, width - 260), top: hover.y + 20 }}>
          <div className="tooltip-name">{hover.box.n.name}</div>
          <div>total {formatValue(hover.box.n.total, unit)} ({(100 * hover.box.n.total / (root.total || 1)).toFixed(2)}%)</div>
          <div>self {formatValue(hover.box.n.self, unit)}</div>
          {details?.(hover.box.n).map((line) => <div key={line}>{line}</div>)}
          <div className="hint">click to focus · right click for the sandwich</div>
        </div>
      )}
      <ol className="visually-hidden" data-testid={`${testId}-frames`}>
        {widest.map((b, i) => (
          <li key={i} data-name={b.n.name} data-total={b.n.total}>{b.n.name}: {(100 * b.n.total / total).toFixed(2)}%</li>
        ))}
      </ol>
    </div>
  );
}
