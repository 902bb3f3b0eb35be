// Encoders for the legacy /ingest payload formats other than pprof and folded text
// (shared spec pyroscope-api §2.2.2): the binary "tree" and "trie" and speedscope JSON.
import { varint } from './protowire.mjs';

const uvarint = (n) => varint(n);

/**
 * Tree ("no-dict tree"): depth-first pre-order nodes starting at a root with an empty name;
 * per node uvarint name_len, name bytes, uvarint self value, uvarint child count.
 * stacks: [{ frames: [root..leaf], value }]; equal paths are added together.
 */
export function encodeTree(stacks) {
  const root = { name: '', self: 0n, children: new Map() };
  for (const { frames, value } of stacks) {
    let node = root;
    for (const f of frames) {
      if (!node.children.has(f)) node.children.set(f, { name: f, self: 0n, children: new Map() });
      node = node.children.get(f);
    }
    node.self += BigInt(value);
  }
  const out = [];
  const walk = (node) => {
    const name = Buffer.from(node.name, 'utf8');
    out.push(uvarint(name.length), name, uvarint(node.self), uvarint(node.children.size));
    for (const child of node.children.values()) walk(child);
  };
  walk(root);
  return Buffer.concat(out);
}

/**
 * Trie ("transport trie"): DFS nodes of uvarint label_len, label bytes (a byte fragment of the
 * key), uvarint value, uvarint child count. A node's key is the concatenation of the labels on
 * its path; every node with a value > 0 is the stack `key` (frames separated by ';').
 * node: [label, value, [children...]].
 */
export function encodeTrie(node) {
  const out = [];
  const walk = ([label, value, children = []]) => {
    const l = Buffer.from(label, 'utf8');
    out.push(uvarint(l.length), l, uvarint(value), uvarint(children.length));
    for (const c of children) walk(c);
  };
  walk(node);
  return Buffer.concat(out);
}

export const SPEEDSCOPE_SCHEMA = 'https://www.speedscope.app/file-format-schema.json';

/**
 * A speedscope file. frames: [name]; profiles: objects in speedscope's format, e.g.
 *   { type: 'sampled', name, unit, startValue, endValue, samples: [[frameIdx, ...]], weights: [...] }
 *   { type: 'evented', name, unit, startValue, endValue, events: [{ type: 'O'|'C', at, frame }] }
 */
export function speedscopeFile(frames, profiles, { schema = SPEEDSCOPE_SCHEMA } = {}) {
  return JSON.stringify({
    $schema: schema,
    shared: { frames: frames.map((name) => ({ name })) },
    profiles,
    name: 'flamedb test',
    exporter: 'flamedb tests/integration',
  });
}
