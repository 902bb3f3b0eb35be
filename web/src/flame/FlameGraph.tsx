// The flame graph: a canvas (fast for 100 k nodes: only frames at least half a pixel wide are
// laid out) in a box of bounded height, with a tooltip, click to focus a frame, right click for
// its sandwich, and the keyboard (arrows move a cursor frame, Enter focuses it, S opens its
// sandwich). A focused frame's callers beyond the last two are a compact breadcrumb, not
// hundreds of full-width bars. `inverted` draws the root at the bottom (a sandwich's callers).
// A visually hidden list of the widest frames describes the canvas to screen readers and tests.
import { useEffect, useMemo, useRef, useState } from 'react';

import { type FlameNode, formatValue, matches } from './model';

const ROW = 18;
const DRAWN_ANCESTORS = 2;

export interface Box { x: number; y: number; w: number; n: FlameNode; ancestor: boolean }
export type Scheme = 'package' | 'value';

/** Frames to draw: the focus's last ancestors full width, then its subtree scaled to the width;
 *  inverted: the same, upside down. */
export function layout(focus: FlameNode, width: number, inverted = false): Box[] {
  const boxes: Box[] = [];
  const chain: FlameNode[] = [];
  for (let p: FlameNode | null = focus.parent; p && chain.length < DRAWN_ANCESTORS; p = p.parent) chain.unshift(p);
  chain.forEach((n, i) => boxes.push({ x: 0, y: i, w: width, n, ancestor: true }));
  const scale = focus.total > 0 ? width / focus.total : 0;
  const top = chain.length;
  const walk = (n: FlameNode, x: number, level: number) => {
    const w = n.total * scale;
    if (w < 0.5) return;
    boxes.push({ x, y: top + level, w, n, ancestor: false });
    let cx = x;
    for (const c of n.children) {
      walk(c, cx, level + 1);
      cx += c.total * scale;
    }
  };
  walk(focus, 0, 0);
  const rows = boxes.reduce((m, b) => Math.max(m, b.y + 1), 1);
  for (const b of boxes) b.y = (inverted ? rows - 1 - b.y : b.y) * ROW;
  return boxes;
}

/** The hue of a frame's package (the name up to its last '.' or '/'). */
function hue(name: string): number {
  const pkg = name.replace(/[./][^./]*$/, '') || name;
  let h = 0;
  for (let i = 0; i < pkg.length; i++) h = (h * 31 + pkg.charCodeAt(i)) >>> 0;
  return h % 360;
}

/** A label that fits `room` characters, keeping the name's end (the function, not the package). */
export function fitLabel(label: string, room: number): string {
  if (room <= 1) return '';
  return label.length > room ? `…${label.slice(label.length - (room - 1))}` : label;
}

function fill(b: Box, scheme: Scheme, rootTotal: number, faded: boolean, dark: boolean): string {
  if (b.n.parent === null) return dark ? '#555' : '#bbb';
  if (scheme === 'value') {
    const share = Math.min(1, b.n.self / (rootTotal || 1) * 20 + b.n.total / (rootTotal || 1) * 0.3);
    return `hsl(${40 - 40 * share} ${faded ? 20 : 85}% ${dark ? 30 + 15 * share : 80 - 30 * share}%)`;
  }
  return `hsl(${hue(b.n.name)} ${faded ? 15 : 60}% ${dark ? (faded ? 30 : 40) : (faded ? 80 : 65)}%)`;
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
  inverted?: boolean;
  scheme?: Scheme;
  testId?: string;
}

/** The next cursor frame from `n` for an arrow key (the root is at the top unless inverted). */
function move(n: FlameNode, key: string, inverted: boolean): FlameNode {
  const deeper = inverted ? 'ArrowUp' : 'ArrowDown';
  const shallower = inverted ? 'ArrowDown' : 'ArrowUp';
  if (key === deeper) return [...n.children].sort((a, b) => b.total - a.total)[0] ?? n;
  if (key === shallower) return n.parent ?? n;
  const siblings = n.parent?.children ?? [n];
  const i = siblings.indexOf(n) + (key === 'ArrowRight' ? 1 : -1);
  return siblings[Math.min(siblings.length - 1, Math.max(0, i))];
}

export function FlameGraph(p: Props) {
  const { root, focus, unit, search, onFocus, onSandwich, colorOf, details, inverted = false, scheme = 'package', testId = 'flamegraph' } = p;
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(800);
  const [hover, setHover] = useState<{ box: Box; x: number; y: number } | null>(null);
  const [cursor, setCursor] = useState<FlameNode | null>(null);
  const boxes = useMemo(() => layout(focus, width, inverted), [focus, width, inverted]);
  const height = boxes.reduce((h, b) => Math.max(h, b.y + ROW), ROW);
  useEffect(() => setCursor(null), [focus]);

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
      ctx.fillStyle = colorOf && b.n.parent !== null ? colorOf(b.n, dark) : fill(b, scheme, root.total, faded, dark);
      if (hit) ctx.fillStyle = dark ? '#d946ef' : '#e879f9';
      ctx.fillRect(b.x, b.y, Math.max(b.w - 0.5, 0.5), ROW - 1);
      if (b.n === cursor) {
        ctx.strokeStyle = dark ? '#fff' : '#000';
        ctx.lineWidth = 2;
        ctx.strokeRect(b.x + 1, b.y + 1, Math.max(b.w - 2.5, 1), ROW - 3);
      }
      if (b.w > 30) {
        ctx.fillStyle = dark ? '#eee' : '#111';
        ctx.fillText(fitLabel(b.n.name, Math.floor((b.w - 6) / 7)), b.x + 3, b.y + ROW / 2);
      }
    }
  }, [boxes, width, height, search, colorOf, cursor, scheme, root.total]);

  const boxAt = (e: React.MouseEvent) => {
    const r = (e.target as HTMLCanvasElement).getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    return { box: boxes.find((b) => x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + ROW) ?? null, x, y };
  };
  const onKey = (e: React.KeyboardEvent) => {
    const at = cursor ?? focus;
    if (e.key.startsWith('Arrow')) {
      e.preventDefault();
      setCursor(cursor ? move(at, e.key, inverted) : focus);
    } else if (e.key === 'Enter' && cursor && onFocus) {
      onFocus(cursor);
    } else if ((e.key === 's' || e.key === 'S') && onSandwich && at.parent) {
      onSandwich(at.name);
    } else if (e.key === 'Escape') {
      setCursor(null);
    }
  };
  const widest = useMemo(() => boxes.filter((b) => !b.ancestor && b.n.parent !== null)
    .sort((a, b) => b.w - a.w).slice(0, 20), [boxes]);
  const total = focus.total || 1;
  const cursorBox = cursor ? boxes.find((b) => b.n === cursor) : undefined;
  const tip = hover ?? (cursorBox ? { box: cursorBox, x: cursorBox.x + Math.min(cursorBox.w / 2, 40), y: cursorBox.y } : null);
  const shown = cursor ?? focus;
  const ancestors: FlameNode[] = [];
  for (let a = focus.parent; a; a = a.parent) ancestors.unshift(a);
  const hidden = ancestors.slice(0, Math.max(0, ancestors.length - DRAWN_ANCESTORS));

  return (
    <div className="flamegraph" data-testid={testId}>
      <div className="flame-selection" data-testid={`${testId}-selection`} aria-live="polite">
        <b className="flame-selection-name" title={shown.name}>{shown.name}</b>{' '}
        total {formatValue(shown.total, unit)} · {(100 * shown.total / (root.total || 1)).toFixed(2)}% of all · self {formatValue(shown.self, unit)}
      </div>
      {hidden.length > 0 && (
        <nav className="breadcrumb" data-testid={`${testId}-breadcrumb`} data-depth={ancestors.length} aria-label="callers of the focused frame">
          {hidden.length > 4 ? (
            <>
              <button type="button" onClick={() => onFocus?.(hidden[0])}>{hidden[0].name}</button>
              <span> › … {hidden.length - 3} more › </span>
              {hidden.slice(-2).map((a, i) => <span key={i}><button type="button" onClick={() => onFocus?.(a)} title={a.name}>{fitLabel(a.name, 40)}</button> › </span>)}
            </>
          ) : hidden.map((a, i) => <span key={i}><button type="button" onClick={() => onFocus?.(a)} title={a.name}>{fitLabel(a.name, 40)}</button> › </span>)}
        </nav>
      )}
      <div className="flame-scroll">
        <canvas
          ref={canvas}
          style={{ width, height }}
          tabIndex={0}
          aria-label={`flame graph of ${focus.name}: arrow keys move between frames, Enter focuses one, S opens its sandwich`}
          onKeyDown={onKey}
          onMouseMove={(e) => { const { box, x, y } = boxAt(e); setHover(box ? { box, x, y } : null); }}
          onMouseLeave={() => setHover(null)}
          onClick={(e) => { const { box } = boxAt(e); if (box && onFocus) onFocus(box.n); }}
          onContextMenu={(e) => { const { box } = boxAt(e); if (box && onSandwich && box.n.parent) { e.preventDefault(); onSandwich(box.n.name); } }}
        />
        {tip && (
          <div className="tooltip" role="tooltip" style={{ left: Math.max(0, Math.min(tip.x + 12, width - 260)), top: tip.y + 20 }}>
            <div className="tooltip-name">{tip.box.n.name}</div>
            <div>total {formatValue(tip.box.n.total, unit)} ({(100 * tip.box.n.total / (root.total || 1)).toFixed(2)}%)</div>
            <div>self {formatValue(tip.box.n.self, unit)}</div>
            {details?.(tip.box.n).map((line) => <div key={line}>{line}</div>)}
            <div className="hint">click or Enter to focus · right click or S for the sandwich</div>
          </div>
        )}
      </div>
      <ol className="visually-hidden" data-testid={`${testId}-frames`} data-root-y={boxes.find((b) => b.n === focus)?.y}>
        {widest.map((b, i) => (
          <li key={i} data-name={b.n.name} data-total={b.n.total} data-y={b.y}>{b.n.name}: {(100 * b.n.total / total).toFixed(2)}%</li>
        ))}
      </ol>
    </div>
  );
}
