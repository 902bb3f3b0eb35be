#!/usr/bin/env bash
# web/gen.sh: the UI's Connect client code, generated from proto/ by protoc-gen-es into web/gen/
# (not committed). Files are replaced only when their content changes, so an unchanged proto
# does not rebuild the UI. build.sh runs it; run it by hand after `npm ci` for `npm test`.
set -euo pipefail
cd "$(dirname "$0")"
protos=(querier/v1/querier.proto types/v1/types.proto google/v1/profile.proto
        settings/v1/setting.proto adhocprofiles/v1/adhocprofiles.proto)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
protoc --plugin=protoc-gen-es=node_modules/.bin/protoc-gen-es --es_out="$tmp" \
  --es_opt=target=ts,import_extension=none -I ../proto "${protos[@]}"
mkdir -p gen
(cd "$tmp" && find . -name '*.ts') | while read -r f; do
  mkdir -p "gen/$(dirname "$f")"
  cmp -s "$tmp/$f" "gen/$f" || cp "$tmp/$f" "gen/$f"
done
