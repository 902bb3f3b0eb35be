import { describe, expect, test } from 'vitest';

import { parseFolded } from './formats';
import { collapseRecursion, decodeFlameGraph, findPath, formatValue, pathOf, sandwich, topTable } from './model';

// total(10) -> a(6, self 1) -> b(5, self 5); total -> c(4) -> a(4) -> a(4, self 4).
const names = ['total', 'a', 'b', 'c'];
const levels = [[0, 10, 0, 0], [0, 6, 1, 1, 0, 4, 0, 3], [1, 5, 5, 2, 0, 4, 0, 1], [6, 4, 4, 1]];

describe('flame graph model', () => {
  test('levels decode into parents by position', () => {
    const root = decodeFlameGraph(names, levels);
    expect(root.children.map((c) => c.name)).toEqual(['a', 'c']);
    expect(root.children[0].children[0].name).toBe('b');
    const deep = root.children[1].children[0].children[0];
    expect(pathOf(deep)).toBe('c;a;a');
    expect(findPath(root, 'c;a;a')).toBe(deep);
    expect(findPath(root, 'c;nope')).toBe(root);
  });

  test('malformed graphs throw, an empty one is an empty root', () => {
    expect(() => decodeFlameGraph(names, [[0, 1, 0]])).toThrow(/3 values/);
    expect(() => decodeFlameGraph(names, [[0, 1, 0, 9]])).toThrow(/names #9/);
    expect(() => decodeFlameGraph(names, [[0, 1, 0, 0], [5, 3, 3, 1]])).toThrow(/outside every parent/);
    expect(decodeFlameGraph([], []).total).toBe(0);
  });

  test('the top table counts a recursive function once per stack', () => {
    const rows = topTable(decodeFlameGraph(names, levels));
    expect(rows).toEqual([
      { name: 'a', self: 5, total: 10 },
      { name: 'b', self: 5, total: 5 },
      { name: 'c', self: 0, total: 4 },
    ]);
  });

  test('the sandwich has callers above and merged callees below', () => {
    const { callers, callees } = sandwich(decodeFlameGraph(names, levels), 'a');
    expect(callers.total).toBe(10);
    expect(callers.children.map((c) => [c.name, c.total])).toEqual([['c', 4]]); // The root-level a has no caller.
    expect(callees.total).toBe(10);
    expect(callees.self).toBe(1);
    expect(callees.children.map((c) => [c.name, c.total, c.self])).toEqual([['b', 5, 5], ['a', 4, 4]]);
  });

  test('values in their units', () => {
    expect(formatValue(1_500_000_000, 'nanoseconds')).toBe('1.50 s');
    expect(formatValue(12_300_000, 'nanoseconds')).toBe('12.3 ms');
    expect(formatValue(3 * 1024 * 1024, 'bytes')).toBe('3.00 MiB');
    expect(formatValue(42, 'count')).toBe('42');
  });
});

describe('collapseRecursion', () => {
  test('a recursive chain becomes one frame; totals and selves are kept', () => {
    const root = parseFolded('main;fib;fib;fib;leaf 5\nmain;fib;work 3\nmain;other 2\n');
    const c = collapseRecursion(root);
    expect(c.total).toBe(10);
    const fib = c.children[0].children.find((x) => x.name === 'fib')!;
    expect(fib.total).toBe(8);
    expect(fib.children.map((x) => [x.name, x.total]).sort()).toEqual([['leaf', 5], ['work', 3]]);
    expect(fib.children.every((x) => x.children.length === 0)).toBe(true);
  });
});
