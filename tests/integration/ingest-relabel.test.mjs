// Per-tenant ingestion relabeling from the runtime config file, against the real binary:
// rules apply per tenant, a dropped series is accepted and counted, and a broken file keeps the
// last good rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { makeTempDir, startServer } from './lib/server.mjs';
import { discarded, getIngested, ingest, seriesMatching } from './lib/ingest.mjs';

const RULES = `overrides:
  team-a:
    ingestion_relabeling_rules:
      - source_labels: [env]
        regex: test
        action: drop
      - source_labels: [service_name]
        regex: "(.*)-svc"
        target_label: team
        replacement: "\${1}"
`;

// Replaces the file in one step, as a ConfigMap update or an editor's save-and-rename does. A plain
// writeFile truncates first, and a reload in that instant reads an empty file: a valid config with no
// rules, which then becomes the "last good" one.
async function replaceFile(file, text) {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

test('runtime-config relabeling rules apply per tenant', async (t) => {
  const dir = await makeTempDir('flamedb-relabel-');
  const file = path.join(dir, 'runtime.yaml');
  await writeFile(file, RULES);
  const srv = await startServer(['-auth.multitenancy-enabled', `-runtime-config.file=${file}`,
    '-runtime-config.reload-period=100ms']);
  t.after(() => srv.stop());
  const send = (tenant, name) => ingest(srv.baseUrl, { name }, 'main;work 2\n', { tenant });

  assert.equal((await send('team-a', 'billing-svc.cpu{env=prod}')).status, 200);
  assert.equal((await send('team-a', 'billing-svc.cpu{env=test}')).status, 200,
    'a series dropped by a rule is still a successful upload');
  assert.equal((await send('team-b', 'billing-svc.cpu{env=test}')).status, 200);

  const a = await getIngested(srv.baseUrl, 'team-a');
  assert.equal(a.series.length, 1, `team-a should keep only env=prod: ${JSON.stringify(a.series.map((s) => s.labels))}`);
  assert.equal(a.series[0].labels.team, 'billing', 'the replace rule should add team=billing');
  assert.equal((await discarded(srv.baseUrl, 'dropped_by_relabel_rules', 'team-a')).profiles, 1);
  const b = await getIngested(srv.baseUrl, 'team-b');
  assert.equal(seriesMatching(b, { env: 'test' }).length, 1, 'team-b has no rules: nothing dropped');
  assert.equal(b.series[0].labels.team, undefined);

  // A broken file is refused on reload; the last good rules stay in force.
  await replaceFile(file, 'overrides:\n  team-a:\n    ingestion_relabeling_rules: [{action: explode}]\n');
  await srv.waitForStderr(/runtime config reload failed/, 5000);
  assert.equal((await send('team-a', 'other-svc.cpu{env=test}')).status, 200);
  const again = await getIngested(srv.baseUrl, 'team-a');
  assert.equal(seriesMatching(again, { service_name: 'other-svc' }).length, 0,
    'the env=test drop rule should still apply after a failed reload');
});

test('a bad relabeling rule on the command line is a startup error naming it', async () => {
  const { runFlamedb } = await import('./lib/server.mjs');
  const res = await runFlamedb(['-distributor.ingestion-relabeling-rules=[{action: explode}]']);
  assert.notEqual(res.code, 0, 'flamedb should refuse to start');
  assert.match(res.stderr, /unknown action "explode"/, `stderr should name the action: ${res.stderr}`);
});
