import { describe, expect, test } from 'vitest';

import { fitLabel, layout } from './FlameGraph';
import { addStack } from './formats';
import { type FlameNode } from './model';

/** A tree of about `n` nodes: 100 roots' worth of random-ish deep stacks. */
export function bigTree(n: number): FlameNode {
  const root: FlameNode = { name: 'total', total: 0, self: 0, depth: 0, parent: null, children: [] };
  let seed = 42;
  const rand = (k: number) => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) % k; }; // xorshift32
  let nodes = 1;
  while (nodes < n) {
    const depth = 5 + rand(40);
    const frames = Array.from({ length: depth }, (_, i) => `pkg${rand(20)}.fn${i}_${rand(i < 3 ? 4 : 50)}`);
    let n = root;
    for (const f of frames) {  // Count the frames this stack adds, then add it.
      const c = n.children.find((x) => x.name === f);
      if (!c) { nodes += frames.length - frames.indexOf(f); break; }
      n = c;
    }
    addStack(root, frames, 1 + rand(100));
  }
  return root;
}

function countAll(n: FlameNode): number {
  let c = 1;
  for (const k of n.children) c += countAll(k);
  return c;
}

describe('layout of a big flame graph', () => {
  test('only frames at least half a pixel wide are laid out, whatever the node count', () => {
    const root = bigTree(20_000);
    const boxes = layout(root, 1000);
    expect(countAll(root)).toBeGreaterThanOrEqual(20_000);
    expect(boxes.length).toBeLessThan(countAll(root));
    expect(boxes.every((b) => b.w >= 0.5)).toBe(true);
    expect(boxes[0].n).toBe(root);
  });
});

describe('deep stacks and labels', () => {
  test('a deep focus draws its last two callers, not all of them; inverted puts the root at the bottom', () => {
    const root: FlameNode = { name: 'total', total: 0, self: 0, depth: 0, parent: null, children: [] };
    addStack(root, Array.from({ length: 400 }, (_, i) => `f${i}`), 1);
    let deep = root;
    for (let i = 0; i < 300; i++) deep = deep.children[0];
    const boxes = layout(deep, 1000);
    expect(boxes.filter((b) => b.ancestor).length).toBe(2);
    expect(boxes.length).toBe(2 + 101);
    const up = layout(root, 1000, true);
    expect(up.find((b) => b.n === root)!.y).toBe(Math.max(...up.map((b) => b.y)));
    expect(up.find((b) => b.n === root.children[0])!.y).toBeLessThan(up.find((b) => b.n === root)!.y);
  });
  test('labels keep the end of the name', () => {
    expect(fitLabel('github.com/org/pkg.(*Type).Method', 12)).toBe('…ype).Method');
    expect(fitLabel('short', 12)).toBe('short');
  });
});
