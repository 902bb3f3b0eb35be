import { gzipSync } from 'node:zlib';

import { describe, expect, test } from 'vitest';

import { decodeDiffFlameGraph, diffTable, shareChange } from './diff';
import { parseFolded, parsePprof, readProfileFile, toFlamebearer } from './formats';
import { decodeFlameGraph, type FlameNode, topTable } from './model';

// A tiny protobuf writer for test profiles.
const varint = (n: number) => { const out: number[] = []; while (n >= 128) { out.push((n % 128) | 128); n = Math.floor(n / 128); } out.push(n); return out; };
const field = (f: number, bytes: number[]) => [...varint(f * 8 + 2), ...varint(bytes.length), ...bytes];
const num = (f: number, v: number) => [...varint(f * 8), ...varint(v)];
const str = (f: number, s: string) => field(f, [...new TextEncoder().encode(s)]);
const packed = (f: number, vs: number[]) => field(f, vs.flatMap(varint));

/** cpu/nanoseconds + samples/count; stacks main>work (leaf work, inlined helper) and main. */
function pprofBytes(): Uint8Array {
  const strings = ['', 'samples', 'count', 'cpu', 'nanoseconds', 'main', 'work', 'helper'];
  return new Uint8Array([
    ...field(1, [...num(1, 1), ...num(2, 2)]), ...field(1, [...num(1, 3), ...num(2, 4)]),
    ...field(2, [...packed(1, [2, 1]), ...packed(2, [3, 30])]),
    ...field(2, [...num(1, 1), ...num(2, 1), ...num(2, 10)]), // Unpacked repeated fields.
    ...field(4, [...num(1, 1), ...field(4, num(1, 1))]),
    ...field(4, [...num(1, 2), ...field(4, num(1, 3)), ...field(4, num(1, 2))]), // helper inlined into work.
    ...field(5, [...num(1, 1), ...num(2, 5)]), ...field(5, [...num(1, 2), ...num(2, 6)]), ...field(5, [...num(1, 3), ...num(2, 7)]),
    ...strings.flatMap((s) => str(6, s)),
  ]);
}

const shape = (n: FlameNode): unknown => [n.name, n.total, n.self, n.children.map(shape)];

describe('uploaded files', () => {
  test('pprof: sample types, inlined frames, packed and unpacked fields', () => {
    const p = parsePprof(pprofBytes());
    expect(p.sampleTypes).toEqual([{ type: 'samples', unit: 'count' }, { type: 'cpu', unit: 'nanoseconds' }]);
    expect(shape(p.build(1))).toEqual(['total', 40, 0, [['main', 40, 10, [['work', 30, 0, [['helper', 30, 30, []]]]]]]]);
    expect(p.build(0).total).toBe(4);
  });

  test('gzip is inflated, folded is told from pprof by its text', async () => {
    const gz = await readProfileFile(new Uint8Array(gzipSync(pprofBytes())));
    expect(gz.kind).toBe('pprof');
    const folded = await readProfileFile(new TextEncoder().encode('main;work 3\nmain 1\n'));
    expect(folded.kind === 'folded' && shape(folded.root)).toEqual(['total', 4, 0, [['main', 4, 1, [['work', 3, 3, []]]]]]);
    expect(() => parseFolded('main;work 3\nbroken line here\n')).toThrow(/line 2/);
    expect(() => parsePprof(new Uint8Array([0x0a, 0x05, 0x01]))).toThrow(/truncated/);
  });

  test('flamebearer export decodes back into the same tree', () => {
    const root = parseFolded('a;b 5\na;c 2\nd 3\na 1\n');
    const fb = toFlamebearer(root, 'samples', 'x');
    expect(fb.flamebearer.numTicks).toBe(11);
    expect(fb.flamebearer.maxSelf).toBe(5);
    expect(shape(decodeFlameGraph(fb.flamebearer.names, fb.flamebearer.levels))).toEqual(shape(root));
  });
});

describe('diff flame graph', () => {
  // total(L 4, R 6) -> f(L 4 self 4, R 2 self 2), g(L 0, R 4 self 4).
  const levels = [[0, 4, 0, 0, 6, 0, 0], [0, 4, 4, 0, 2, 2, 1, 0, 0, 0, 0, 4, 4, 2]];
  test('both sides decode and the table puts the biggest change first', () => {
    const root = decodeDiffFlameGraph(['total', 'f', 'g'], levels);
    expect(root.children.map((c) => [c.name, c.diff.left, c.diff.right])).toEqual([['f', 4, 2], ['g', 0, 4]]);
    expect(shareChange(root.children[1].diff, 4, 6)).toBeCloseTo(66.667, 2);
    const rows = diffTable(root, 4, 6);
    expect(rows.map((r) => [r.name, r.leftSelf, r.rightSelf])).toEqual([['f', 4, 2], ['g', 0, 4]]);
    expect(topTable(root).length).toBe(2);
  });
  test('malformed diff graphs throw', () => {
    expect(() => decodeDiffFlameGraph(['total'], [[0, 1, 0]])).toThrow(/has 3 values/);
  });
});
