// Files the UI reads and writes without the server: folded text and pprof (gzipped or not)
// uploaded to be viewed, and the current flame graph exported as Pyroscope's flamebearer JSON.
import type { FlameNode } from './model';

function child(parent: FlameNode, name: string): FlameNode {
  let c = parent.children.find((x) => x.name === name);
  if (!c) parent.children.push((c = { name, total: 0, self: 0, depth: parent.depth + 1, parent, children: [] }));
  return c;
}

function emptyRoot(): FlameNode {
  return { name: 'total', total: 0, self: 0, depth: 0, parent: null, children: [] };
}

/** Adds a root-first stack with `value`. */
export function addStack(root: FlameNode, frames: string[], value: number) {
  let n = root;
  root.total += value;
  for (const f of frames) {
    n = child(n, f);
    n.total += value;
  }
  n.self += value;
}

/** Folded text: `a;b;c 12` per line. Throws naming the first bad line. */
export function parseFolded(text: string): FlameNode {
  const root = emptyRoot();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').trim();
    if (!line) return;
    const space = line.lastIndexOf(' ');
    const count = Number(line.slice(space + 1));
    if (space < 0 || !Number.isInteger(count) || count < 0) throw new Error(`line ${i + 1} is not "stack count": ${line.slice(0, 80)}`);
    if (count > 0) addStack(root, line.slice(0, space).split(';').filter(Boolean), count);
  });
  return root;
}

// A minimal protobuf reader: just what a pprof Profile needs.
class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array, readonly end = buf.length) {}
  varint(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated protobuf varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
      if (mul > 2 ** 63) throw new Error('protobuf varint too long');
    }
  }
  bytes(): Uint8Array {
    const n = this.varint();
    if (this.pos + n > this.end) throw new Error('truncated protobuf field');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wire: number) {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  /** Packed or unpacked repeated varints of a field whose tag was just read. */
  repeated(wire: number, into: number[]) {
    if (wire === 0) { into.push(this.varint()); return; }
    const n = this.varint();
    const r = new Reader(this.buf, this.pos + n);
    r.pos = this.pos;
    while (r.pos < r.end) into.push(r.varint());
    this.pos = r.end;
  }
}

function fields(buf: Uint8Array, on: (field: number, wire: number, r: Reader) => void) {
  const r = new Reader(buf);
  while (r.pos < r.end) {
    const tag = r.varint();
    on(Math.floor(tag / 8), tag & 7, r); // Each handler consumes its field.
  }
}

export interface PprofData { sampleTypes: { type: string; unit: string }[]; build: (typeIndex: number) => FlameNode }

/** A pprof Profile (protobuf bytes, not gzipped) made ready to view by sample type. */
export function parsePprof(buf: Uint8Array): PprofData {
  const strings: string[] = [];
  const types: [number, number][] = [];
  const samples: { locs: number[]; values: number[] }[] = [];
  const locations = new Map<number, number[]>(); // id -> function ids, leaf-most inline first
  const functions = new Map<number, number>(); // id -> name string index
  const text = new TextDecoder();
  fields(buf, (f, w, r) => {
    if (f === 6 && w === 2) { strings.push(text.decode(r.bytes())); return; }
    if (w !== 2) { r.skip(w); return; }
    const sub = r.bytes();
    if (f === 1) { const t = [0, 0]; fields(sub, (g, gw, gr) => { if (g <= 2 && gw === 0) t[g - 1] = gr.varint(); else gr.skip(gw); }); types.push([t[0], t[1]]); }
    if (f === 2) {
      const s = { locs: [] as number[], values: [] as number[] };
      fields(sub, (g, gw, gr) => { if (g === 1) gr.repeated(gw, s.locs); else if (g === 2) gr.repeated(gw, s.values); else gr.skip(gw); });
      samples.push(s);
    }
    if (f === 4) {
      let id = 0;
      const fns: number[] = [];
      fields(sub, (g, gw, gr) => {
        if (g === 1 && gw === 0) id = gr.varint();
        else if (g === 4 && gw === 2) fields(gr.bytes(), (h, hw, hr) => { if (h === 1 && hw === 0) fns.push(hr.varint()); else hr.skip(hw); });
        else gr.skip(gw);
      });
      locations.set(id, fns);
    }
    if (f === 5) {
      let id = 0;
      let name = 0;
      fields(sub, (g, gw, gr) => { if (g === 1 && gw === 0) id = gr.varint(); else if (g === 2 && gw === 0) name = gr.varint(); else gr.skip(gw); });
      functions.set(id, name);
    }
  });
  if (types.length === 0) throw new Error('not a pprof profile: it has no sample types');
  const str = (i: number) => strings[i] ?? '';
  return {
    sampleTypes: types.map(([t, u]) => ({ type: str(t), unit: str(u) })),
    build: (typeIndex: number) => {
      const root = emptyRoot();
      for (const s of samples) {
        const v = s.values[typeIndex] ?? 0;
        if (v === 0) continue;
        const frames: string[] = [];
        for (const loc of s.locs) for (const fn of locations.get(loc) ?? []) frames.push(str(functions.get(fn) ?? 0) || '?');
        addStack(root, frames.reverse(), v);
      }
      return root;
    },
  };
}

/** Reads an uploaded file: gzip (by its magic bytes) is inflated; pprof or folded by content. */
export async function readProfileFile(bytes: Uint8Array): Promise<{ kind: 'pprof'; data: PprofData } | { kind: 'folded'; root: FlameNode }> {
  let buf = bytes;
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    const stream = new Blob([buf as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
    buf = new Uint8Array(await new Response(stream).arrayBuffer());
  }
  const head = new TextDecoder().decode(buf.subarray(0, 4096));
  if (/^[^\0-\x08\x0e-\x1f]*$/.test(head) && /\s\d+\s*(\n|$)/.test(head)) return { kind: 'folded', root: parseFolded(new TextDecoder().decode(buf)) };
  return { kind: 'pprof', data: parsePprof(buf) };
}

/** The tree as flamebearer levels (Pyroscope's JSON export format, "single"). */
export function toFlamebearer(root: FlameNode, units: string, name: string) {
  const names: string[] = [];
  const index = new Map<string, number>();
  const levels: number[][] = [];
  let maxSelf = 0;
  const walk = (n: FlameNode, depth: number, x: number) => {
    const level = (levels[depth] ??= []);
    const prevEnd = (level as number[] & { end?: number }).end ?? 0;
    let ni = index.get(n.name);
    if (ni === undefined) { ni = names.length; names.push(n.name); index.set(n.name, ni); }
    level.push(x - prevEnd, n.total, n.self, ni);
    (level as number[] & { end?: number }).end = x + n.total;
    maxSelf = Math.max(maxSelf, n.self);
    let cx = x;
    for (const c of n.children) { walk(c, depth + 1, cx); cx += c.total; }
  };
  walk(root, 0, 0);
  return {
    version: 1,
    flamebearer: { names, levels: levels.map((l) => [...l]), numTicks: root.total, maxSelf },
    metadata: { format: 'single', units, name },
  };
}
