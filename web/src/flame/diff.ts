// The diff flame graph (querier.v1 Diff): levels of 7 numbers per node [left x delta, left
// total, left self, right x delta, right total, right self, name]. Decoded into a FlameNode tree
// whose total is left + right (so both sides have room), with each side kept in `diff`.
import type { FlameNode } from './model';

export interface DiffSides { left: number; leftSelf: number; right: number; rightSelf: number }
export type DiffNode = FlameNode & { diff: DiffSides; children: DiffNode[]; parent: DiffNode | null };

export function decodeDiffFlameGraph(names: string[], levels: number[][]): DiffNode {
  const make = (name: string, d: DiffSides, parent: DiffNode | null): DiffNode => ({
    name, total: d.left + d.right, self: d.leftSelf + d.rightSelf, depth: parent ? parent.depth + 1 : 0,
    parent, children: [], diff: d,
  });
  if (levels.length === 0) return make('total', { left: 0, leftSelf: 0, right: 0, rightSelf: 0 }, null);
  let above: { x: number; n: DiffNode }[] = [];
  let root: DiffNode | null = null;
  levels.forEach((v, depth) => {
    if (v.length % 7 !== 0) throw new Error(`diff flame graph level ${depth} has ${v.length} values`);
    const here: { x: number; n: DiffNode }[] = [];
    let lend = 0;
    let rend = 0;
    let p = 0;
    for (let i = 0; i < v.length; i += 7) {
      const lx = lend + v[i];
      const rx = rend + v[i + 3];
      const d = { left: v[i + 1], leftSelf: v[i + 2], right: v[i + 4], rightSelf: v[i + 5] };
      lend = lx + d.left;
      rend = rx + d.right;
      if (v[i + 6] < 0 || v[i + 6] >= names.length) throw new Error(`diff flame graph level ${depth} names #${v[i + 6]}`);
      const x = lx + rx;
      const w = d.left + d.right;
      let parent: DiffNode | null = null;
      if (depth > 0) {
        while (p + 1 < above.length && above[p].x + above[p].n.total <= x && above[p + 1].x <= x) p++;
        const a = above[p];
        if (!a || x < a.x || x + w > a.x + a.n.total) throw new Error(`diff flame graph level ${depth}: a node outside every parent`);
        parent = a.n;
      }
      const n = make(names[v[i + 6]], d, parent);
      if (parent) parent.children.push(n); else root = n;
      here.push({ x, n });
    }
    above = here;
  });
  if (!root) throw new Error('diff flame graph without a root');
  return root;
}

/** Right share minus left share of a node's total, in points (-100..100). */
export function shareChange(d: DiffSides, leftTicks: number, rightTicks: number): number {
  const l = leftTicks > 0 ? (100 * d.left) / leftTicks : 0;
  const r = rightTicks > 0 ? (100 * d.right) / rightTicks : 0;
  return r - l;
}

/** The colour of a change: green for less, red for more, grey for none (scale: ±`span` points). */
export function diffColor(change: number, dark: boolean, span = 20): string {
  const t = Math.max(-1, Math.min(1, change / span));
  const light = dark ? 30 + 15 * Math.abs(t) : 88 - 33 * Math.abs(t);
  if (Math.abs(t) < 0.01) return dark ? 'hsl(0 0% 35%)' : 'hsl(0 0% 85%)';
  return `hsl(${t > 0 ? 0 : 120} ${40 + 40 * Math.abs(t)}% ${light}%)`;
}

export interface DiffRow { name: string; leftSelf: number; rightSelf: number; change: number }

/** Per function: self on each side and the change of its self share, biggest change first. */
export function diffTable(root: DiffNode, leftTicks: number, rightTicks: number): DiffRow[] {
  const rows = new Map<string, DiffRow>();
  const walk = (n: DiffNode) => {
    let r = rows.get(n.name);
    if (!r) rows.set(n.name, (r = { name: n.name, leftSelf: 0, rightSelf: 0, change: 0 }));
    r.leftSelf += n.diff.leftSelf;
    r.rightSelf += n.diff.rightSelf;
    n.children.forEach(walk);
  };
  root.children.forEach(walk);
  const out = [...rows.values()];
  for (const r of out) r.change = shareChange({ left: r.leftSelf, right: r.rightSelf, leftSelf: 0, rightSelf: 0 }, leftTicks, rightTicks);
  const d = (a: DiffRow, b: DiffRow) => Math.abs(b.change) - Math.abs(a.change);
  return out.sort((a, b) => (Math.abs(d(a, b)) > 1e-9 ? d(a, b) : a.name.localeCompare(b.name)));
}
