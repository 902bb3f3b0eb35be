// Generates the protobuf-es (v2) code for our .proto files at test time and imports it.
//
//   protoc -I<protoDir> --plugin=protoc-gen-es=<tests/integration>/node_modules/.bin/protoc-gen-es \
//          --es_out=<tmp> --es_opt=target=js,import_extension=js <files...>
//
// The output goes to a fresh temp directory (never committed) that gets a node_modules symlink
// pointing at tests/integration/node_modules, so the generated `import ... from
// "@bufbuild/protobuf/codegenv2"` resolves to the pinned runtime. Generation happens once per
// test process and set of files.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { integrationDir, protoDir } from './paths.mjs';

const execFileAsync = promisify(execFile);

export const VERSION_PROTO = 'version/v1/version.proto';
export const HEALTH_PROTO = 'grpc/health/v1/health.proto';

const generatedDirs = new Set();
process.on('exit', () => {
  for (const d of generatedDirs) {
    try { rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ }
  }
});

/** The given files plus everything they import (transitively) from protoDir. */
function importClosure(files) {
  const seen = new Set();
  const stack = [...files];
  while (stack.length) {
    const f = stack.pop();
    if (seen.has(f)) continue;
    const abs = path.join(protoDir, f);
    if (!existsSync(abs)) {
      throw new Error(`${abs} does not exist (proto root ${protoDir}; set FLAMEDB_PROTO_DIR to use another)`);
    }
    seen.add(f);
    const src = readFileSync(abs, 'utf8');
    for (const m of src.matchAll(/^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/gm)) {
      // Well-known types ship with @bufbuild/protobuf (wkt); protoc finds their .proto itself.
      if (m[1].startsWith('google/protobuf/')) continue;
      stack.push(m[1]);
    }
  }
  return [...seen].sort();
}

const cache = new Map();

/**
 * Generates and imports the ES modules for `files` (paths relative to protoDir).
 * Resolves an object mapping each requested file to its module, e.g.
 *   const pb = await loadProtos([VERSION_PROTO]); pb[VERSION_PROTO].Version
 */
export function loadProtos(files = [VERSION_PROTO, HEALTH_PROTO]) {
  const key = [...files].sort().join('\n');
  if (!cache.has(key)) cache.set(key, generate(files));
  return cache.get(key);
}

async function generate(files) {
  const all = importClosure(files);
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'flamedb-es-'));
  generatedDirs.add(outDir);
  await symlink(path.join(integrationDir, 'node_modules'), path.join(outDir, 'node_modules'), 'dir');
  const plugin = path.join(integrationDir, 'node_modules', '.bin', 'protoc-gen-es');
  if (!existsSync(plugin)) {
    throw new Error(`${plugin} is missing: run \`npm ci\` in ${integrationDir} (scripts/setup does)`);
  }
  const protoc = process.env.PROTOC ?? 'protoc';
  const args = [
    `-I${protoDir}`,
    `--plugin=protoc-gen-es=${plugin}`,
    `--es_out=${outDir}`,
    '--es_opt=target=js,import_extension=js',
    ...all,
  ];
  try {
    await execFileAsync(protoc, args, { timeout: 120_000 });
  } catch (err) {
    if (err.code === 'ENOENT') {
      throw new Error(`${protoc} not found: install Debian's protobuf-compiler (scripts/setup does) or set PROTOC`);
    }
    throw new Error(`${protoc} ${args.join(' ')} failed:\n${err.stderr ?? err.message}`);
  }
  const modules = {};
  for (const f of files) {
    const js = path.join(outDir, f.replace(/\.proto$/, '_pb.js'));
    modules[f] = await import(pathToFileURL(js).href);
  }
  return modules;
}
