// Just enough YAML reading for /api/v1/status/config: find a top-level section's indented
// block and a scalar inside it. (No YAML library is pinned for the tests; the config the server
// prints is plain block-style YAML.)

/** The lines of the indented block under top-level `key:`; null when there is no such key. */
export function topLevelBlock(yamlText, key) {
  const lines = yamlText.split(/\r?\n/);
  const start = lines.findIndex((l) => l === `${key}:` || l.startsWith(`${key}: `) || l.startsWith(`${key}:#`));
  if (start < 0) return null;
  const block = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    if (!/^\s/.test(line)) break; // next top-level key
    block.push(line);
  }
  return block.join('\n');
}

/**
 * The scalar value of the first `key: value` line (at any indentation) in `text`, with
 * surrounding quotes removed; undefined when absent.
 */
export function scalar(text, key) {
  const re = new RegExp(`^\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:[ \\t]*(.*?)[ \\t]*$`, 'm');
  const m = re.exec(text ?? '');
  if (!m) return undefined;
  let v = m[1];
  if (/^'.*'$|^".*"$/.test(v)) v = v.slice(1, -1);
  return v;
}
