// Locations shared by the integration tests. Every path is absolute.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** tests/integration/ */
export const integrationDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The repository root (two levels above tests/integration/). */
export const repoRoot = path.resolve(integrationDir, '..', '..');

/** The server binary under test: $FLAMEDB_BIN, or <repo>/build/bin/flamedb. */
export const flamedbBin = process.env.FLAMEDB_BIN
  ? path.resolve(process.env.FLAMEDB_BIN)
  : path.join(repoRoot, 'build', 'bin', 'flamedb');

/** Root of the .proto import tree: $FLAMEDB_PROTO_DIR, or <repo>/proto. */
export const protoDir = process.env.FLAMEDB_PROTO_DIR
  ? path.resolve(process.env.FLAMEDB_PROTO_DIR)
  : path.join(repoRoot, 'proto');
