// The flame graph as a tree: decoded from the server's levels, then what the views derive from
// it: the top table (self and total per function), the sandwich of a function (callers above,
// callees below), search matches and focus paths.

export interface FlameNode {
  name: string;
  total: number;
  self: number;
  depth: number;
  parent: FlameNode | null;
  children: FlameNode[];
}

function node(name: string, total: number, self: number, parent: FlameNode | null): FlameNode {
  return { name, total, self, depth: parent ? parent.depth + 1 : 0, parent, children: [] };
}

/**
 * Decodes levels of 4 numbers per node [x delta from the previous node's end, total, self,
 * name index] into a tree. Each node's parent is the node one level up whose span holds it.
 * Throws on a malformed graph. An empty graph is a root "total" of 0.
 */
export function decodeFlameGraph(names: string[], levels: number[][]): FlameNode {
  if (levels.length === 0) return node('total', 0, 0, null);
  let above: { x: number; n: FlameNode }[] = [];
  let root: FlameNode | null = null;
  levels.forEach((values, depth) => {
    if (values.length % 4 !== 0) throw new Error(`flame graph level ${depth} has ${values.length} values`);
    const here: { x: number; n: FlameNode }[] = [];
    let end = 0;
    let p = 0;
    for (let i = 0; i < values.length; i += 4) {
      const x = end + values[i];
      const [total, self, ni] = [values[i + 1], values[i + 2], values[i + 3]];
      if (ni < 0 || ni >= names.length) throw new Error(`flame graph level ${depth} names #${ni}`);
      end = x + total;
      let parent: FlameNode | null = null;
      if (depth > 0) {
        while (p + 1 < above.length && above[p].x + above[p].n.total <= x && above[p + 1].x <= x) p++;
        const a = above[p];
        if (!a || x < a.x || x + total > a.x + a.n.total) throw new Error(`flame graph level ${depth}: a node outside every parent`);
        parent = a.n;
      }
      const n = node(names[ni], total, self, parent);
      if (parent) parent.children.push(n); else root = n;
      here.push({ x, n });
    }
    above = here;
  });
  if (!root) throw new Error('flame graph without a root');
  return root;
}

/** The names from the root's child down to `n`, joined by ';' ("" for the root). */
export function pathOf(n: FlameNode): string {
  const names: string[] = [];
  for (let c: FlameNode | null = n; c && c.parent; c = c.parent) names.push(c.name);
  return names.reverse().join(';');
}

/** The node at `path` (see pathOf), or the root when the path no longer exists. */
export function findPath(root: FlameNode, path: string): FlameNode {
  let n = root;
  for (const name of path ? path.split(';') : []) {
    const next = n.children.find((c) => c.name === name);
    if (!next) return root;
    n = next;
  }
  return n;
}

export interface TopRow { name: string; self: number; total: number }

/** Self and total per function; total counts a function once per stack (recursion). */
export function topTable(root: FlameNode): TopRow[] {
  const rows = new Map<string, TopRow>();
  const onStack = new Map<string, number>();
  const walk = (n: FlameNode) => {
    let row = rows.get(n.name);
    if (!row) rows.set(n.name, (row = { name: n.name, self: 0, total: 0 }));
    row.self += n.self;
    const depth = onStack.get(n.name) ?? 0;
    if (depth === 0) row.total += n.total;
    onStack.set(n.name, depth + 1);
    for (const c of n.children) walk(c);
    onStack.set(n.name, depth);
  };
  root.children.forEach(walk);
  return [...rows.values()].sort((a, b) => b.self - a.self || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); // As pprof -top.
}

/** Adds `value` along `names` under `into`, merging equal names. */
function addPath(into: FlameNode, names: string[], value: number, selfAtEnd: number) {
  let n = into;
  into.total += value;
  names.forEach((name, i) => {
    let c = n.children.find((x) => x.name === name);
    if (!c) n.children.push((c = node(name, 0, 0, n)));
    c.total += value;
    if (i === names.length - 1) c.self += selfAtEnd;
    n = c;
  });
}

function mergeInto(into: FlameNode, from: FlameNode) {
  into.self += from.self;
  for (const fc of from.children) {
    let c = into.children.find((x) => x.name === fc.name);
    if (!c) into.children.push((c = node(fc.name, 0, 0, into)));
    c.total += fc.total;
    mergeInto(c, fc);
  }
}

/**
 * The sandwich of `fn`: `callers`, a tree rooted at fn whose children are its callers (then
 * theirs), and `callees`, fn's subtrees merged. Occurrences inside another occurrence of fn
 * (recursion) are counted once, through the outer one.
 */
export function sandwich(root: FlameNode, fn: string): { callers: FlameNode; callees: FlameNode } {
  const callers = node(fn, 0, 0, null);
  const callees = node(fn, 0, 0, null);
  const walk = (n: FlameNode, inside: boolean) => {
    const hit = n.name === fn && !inside;
    if (hit) {
      const up: string[] = [];
      for (let p = n.parent; p && p.parent; p = p.parent) up.push(p.name);
      addPath(callers, up, n.total, n.total);
      callees.total += n.total;
      mergeInto(callees, n);
    }
    for (const c of n.children) walk(c, inside || hit);
  };
  root.children.forEach((c) => walk(c, false));
  callers.self = 0;
  return { callers, callees };
}

/**
 * `root` with recursion collapsed: a frame called by a frame of the same name is merged into
 * its caller (its self and children join the caller's), so a 400-deep recursive stack is one
 * frame deep. Totals are unchanged.
 */
export function collapseRecursion(root: FlameNode): FlameNode {
  const absorb = (out: FlameNode, from: FlameNode) => {
    for (const c of from.children) {
      if (c.name === out.name && out.parent !== null) {
        out.self += c.self;
        absorb(out, c);
        continue;
      }
      let t = out.children.find((x) => x.name === c.name);
      if (!t) out.children.push((t = node(c.name, 0, 0, out)));
      t.total += c.total;
      t.self += c.self;
      absorb(t, c);
    }
  };
  const out = node(root.name, root.total, root.self, null);
  absorb(out, root);
  return out;
}

/** Whether a frame name matches the search text (case-insensitive substring; "" matches none). */
export function matches(name: string, search: string): boolean {
  return search !== '' && name.toLowerCase().includes(search.toLowerCase());
}

export function countNodes(n: FlameNode): number {
  let c = 1;
  for (const k of n.children) c += countNodes(k);
  return c;
}

/** A value in the profile type's unit: 1.50 s, 12.3 ms, 3.20 MiB, or a count. */
export function formatValue(v: number, unit: string): string {
  const fixed = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  if (unit === 'nanoseconds') {
    const a = Math.abs(v);
    if (a >= 3.6e12) return `${fixed(v / 3.6e12)} h`;
    if (a >= 6e10) return `${fixed(v / 6e10)} min`;
    if (a >= 1e9) return `${fixed(v / 1e9)} s`;
    if (a >= 1e6) return `${fixed(v / 1e6)} ms`;
    if (a >= 1e3) return `${fixed(v / 1e3)} µs`;
    return `${v} ns`;
  }
  if (unit === 'bytes') {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let x = v;
    let u = 0;
    while (Math.abs(x) >= 1024 && u < units.length - 1) { x /= 1024; u++; }
    return u === 0 ? `${v} B` : `${fixed(x)} ${units[u]}`;
  }
  const a = Math.abs(v);
  if (a >= 1e9) return `${fixed(v / 1e9)} G`;
  if (a >= 1e6) return `${fixed(v / 1e6)} M`;
  if (a >= 1e4) return `${fixed(v / 1e3)} k`;
  return String(v);
}

/** The sample unit of a profile type id (its third part). */
export const unitOf = (profileType: string) => profileType.split(':')[2] ?? '';
