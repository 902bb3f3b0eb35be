// `npx vitest bench --run`: the cost of the flame graph's per-frame work at 100 k nodes.
import { bench, describe } from 'vitest';

import { layout } from './FlameGraph';
import { toFlamebearer } from './formats';
import { bigTree } from './layout.test';
import { decodeFlameGraph, topTable } from './model';

const root = bigTree(100_000);
const fb = toFlamebearer(root, 'samples', 'bench').flamebearer;

describe('100 k node flame graph', () => {
  bench('decode the server levels', () => { decodeFlameGraph(fb.names, fb.levels); });
  bench('layout at 1400 px (every redraw, focus change)', () => { layout(root, 1400); });
  bench('top table', () => { topTable(root); });
});
