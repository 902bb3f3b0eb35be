#!/usr/bin/env bash
# web/build.sh OUTDIR: type-checks and builds the UI into OUTDIR (CMake runs it; see
# src/ui/CMakeLists.txt). npm ci runs only when package-lock.json changed since the last install.
set -euo pipefail
cd "$(dirname "$0")"
out=$(realpath -m "$1")
stamp=node_modules/.flamedb-lock-stamp
if [[ ! -f "$stamp" ]] || ! cmp -s package-lock.json "$stamp"; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
./gen.sh
npx --no-install tsc --noEmit -p .
npx --no-install vite build --outDir "$out" --emptyOutDir --logLevel warn
