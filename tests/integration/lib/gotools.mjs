// The Go test tools of tests/fixtures/go (profilegen, sdkpush, totals, pprofpeer): built once per
// test process with their build.sh (offline, from Debian's Go packages), then run as commands.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import { repoRoot } from './paths.mjs';

const execFileAsync = promisify(execFile);

export const goFixturesDir = path.join(repoRoot, 'tests', 'fixtures', 'go');

/** Where the tools go: $FLAMEDB_GO_TOOLS_DIR, or build.sh's default tests/fixtures/go/bin (git-ignored). */
export const goToolsDir = process.env.FLAMEDB_GO_TOOLS_DIR
  ? path.resolve(process.env.FLAMEDB_GO_TOOLS_DIR)
  : path.join(goFixturesDir, 'bin');

let built;

/**
 * Runs build.sh (idempotent: ~20 ms when nothing changed). Rejects with build.sh's own message
 * (which names the missing Debian package) when Go or Google's pprof sources are missing.
 */
export function buildGoTools() {
  built ??= execFileAsync('bash', [path.join(goFixturesDir, 'build.sh'), goToolsDir], { timeout: 300_000 })
    .then(() => goToolsDir)
    .catch((err) => {
      throw new Error(
        `building the Go test tools failed (tests/fixtures/go/build.sh ${goToolsDir}); ` +
          `scripts/setup installs golang-go and golang-github-google-pprof-dev:\n${err.stderr || err.message}`,
      );
    });
  return built;
}

/** Runs one tool; resolves { stdout, stderr, code } (a non-zero exit does not reject). */
export async function runGoTool(tool, args, { timeoutMs = 60_000, env = {} } = {}) {
  const dir = await buildGoTools();
  try {
    const { stdout, stderr } = await execFileAsync(path.join(dir, tool), args, {
      timeout: timeoutMs, env: { ...process.env, ...env }, maxBuffer: 64 << 20,
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    if (err.code === undefined || typeof err.code === 'string') throw err;
    return { stdout: err.stdout ?? '', stderr: err.stderr ?? '', code: err.code };
  }
}

/**
 * `totals FILE...`: one summary per file, with int64 totals kept exact (BigInt):
 * { file, sample_types: ['type/unit'], totals: [BigInt], samples, period_type: 'type/unit', period, ... }
 */
export async function pprofTotals(files) {
  const { stdout, stderr, code } = await runGoTool('totals', files);
  if (code !== 0) throw new Error(`totals ${files.join(' ')} exited ${code}: ${stderr}`);
  return stdout.trim().split('\n').map((line) => {
    const doc = JSON.parse(line.replace(/(-?\d{16,})/g, '"$1"'));
    doc.totals = doc.totals.map((v) => BigInt(v));
    return doc;
  });
}

/** Profile type ids `<metric>:<type>:<unit>:<period type>:<period unit>` → BigInt total, from a totals summary. */
export function totalsById(summary, metric) {
  const [ptype = '', punit = ''] = (summary.period_type ?? '').split('/');
  const out = {};
  summary.sample_types.forEach((st, i) => {
    const [type, unit] = st.split('/');
    const id = `${metric}:${type}:${unit}:${ptype}:${punit}`;
    out[id] = (out[id] ?? 0n) + summary.totals[i];
  });
  return out;
}

/** `go tool pprof -top` in nanoseconds, every node: { rows: Map name → { flat, cum } (BigInt), text }. */
export async function goPprofTop(file, args = []) {
  const { stdout } = await execFileAsync('go', ['tool', 'pprof', '-top', '-unit=ns', '-nodefraction=0',
    '-nodecount=1000000', ...args, file], { maxBuffer: 64 << 20 });
  const rows = new Map();
  for (const line of stdout.split('\n')) {
    const m = /^\s*(\d+)(?:ns)?\s+[\d.]+%\s+[\d.]+%\s+(\d+)(?:ns)?\s+[\d.]+%\s+(.+)$/.exec(line); // 0 has no unit.
    if (!m) continue;
    // pprof lists a function inlined in some places and not in others twice ("f" and
    // "f (inline)"), and marks one whose locations are only partly inlined "f (partial-inline)"
    // (it depends on where the sampled PCs fell, so it varies from run to run); a flame graph
    // has one frame name for all of them, so their values add up.
    const name = m[3].replace(/ \((?:partial-)?inline\)$/, '');
    const row = rows.get(name) ?? { flat: 0n, cum: 0n };
    rows.set(name, { flat: row.flat + BigInt(m[1]), cum: row.cum + BigInt(m[2]) });
  }
  return { rows, text: stdout };
}
