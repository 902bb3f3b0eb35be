// The bad inputs of shared spec "limits-and-bad-inputs" §5, thrown at the real server's ingest
// endpoints (/ingest and Connect Push), one table row per input. Each row says what a careful
// server answers: the HTTP status, the Connect error code, fragments of the message, and which
// pyroscope_discarded_samples_total{reason,tenant} counter goes up by exactly one. Every row
// runs under its own tenant (-auth.multitenancy-enabled), so counters and stored series are
// independent; rows that need different limits use tenants with runtime-config overrides.
//
// §5 items left out, on purpose:
//   #27 (1 M distinct label values → per-tenant series cap, 429) needs storage with series
//       limits, which the ingest path does not have yet (GET /debug/ingested stands in for it).
//   #39 is about query APIs, not ingest.
//   #37's OTLP part: OTLP ingest is not served yet.
// Rows whose expectation goes beyond Pyroscope's behaviour follow the table's "Us" column.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';

import { describe as describeRes, RawConn, rawRequest, requestHead } from './lib/http.mjs';
import {
  assertAccepted, assertError, discarded, discardedByReason, getIngested, ingest, metricsText,
  multipart, push, seriesMatching, totalsMatching, uniqueTenant,
} from './lib/ingest.mjs';
import { buildProfile, encodeProfile } from './lib/pprof.mjs';
import { cat, fBytes, fMsg, fVarint, tag, varint, WT } from './lib/protowire.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';
import { gzipBomb } from './lib/bomb.mjs';

const T = { timeout: 30_000 };
const NOW_NS = () => BigInt(Date.now()) * 1_000_000n;
const CPU_ID = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const LABELS = { __name__: 'process_cpu', service_name: 'bad-inputs' };
const INT64_MAX = 9223372036854775807n;

// Tenants whose limits differ, from the runtime config file.
const OVERRIDES = {
  'body-1mb-ingest': { ingestion_body_limit_mb: 1 },
  'body-1mb-push': { ingestion_body_limit_mb: 1 },
  'sessions-4-valid': { max_sessions_per_series: 4 },
  'sessions-4-malformed': { max_sessions_per_series: 4 },
};

/** A fresh well-formed CPU profile (stored total 150 ns) for a row to break. */
function base(extra = {}) {
  return buildProfile({
    sampleTypes: [['cpu', 'nanoseconds']],
    periodType: ['cpu', 'nanoseconds'],
    period: 10_000_000,
    stacks: [{ frames: ['main', 'a', 'b'], values: [100] }, { frames: ['main', 'c'], values: [50] }],
    ...extra,
  });
}
const gz = (buf) => zlib.gzipSync(buf);

// Ways to send a payload.
const viaPush = (payload, labels = LABELS) => (srv, tenant) =>
  push(srv.baseUrl, [{ labels, samples: [{ rawProfile: payload }] }], { tenant });
const viaIngest = (payload, params = {}) => (srv, tenant) =>
  ingest(srv.baseUrl, { name: 'bad-inputs', format: 'pprof', ...params }, payload, { tenant });
const viaFolded = (text, params = {}) => (srv, tenant) =>
  ingest(srv.baseUrl, { name: 'bad-inputs.cpu', ...params }, text, { tenant });
const viaMultipart = (parts, params = {}) => (srv, tenant) => {
  const { body, contentType } = multipart(parts);
  return ingest(srv.baseUrl, { name: 'bad-inputs', spyName: 'gospy', ...params }, body, { tenant, contentType });
};
const profilePart = (body) => ({ name: 'profile', filename: 'profile.pprof', contentType: 'application/octet-stream', body });

/** Stored-state checks for accepted rows. */
const storedTotals = (match, totals) => async (ing) => {
  const got = totalsMatching(ing, match);
  assert.deepEqual(got, totals, `stored totals of ${JSON.stringify(match)}: expected ${fmt(totals)}, got ${fmt(got)}; all series: ${fmt(ing.series)}`);
};
const nothingStored = async (ing) => {
  assert.equal(ing.series.length, 0, `nothing should be stored; got ${fmt(ing.series)}`);
};
const fmt = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : x));

// Protobuf pieces for hand-made broken payloads.
const overlongVarint = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);

/**
 * The table. Fields:
 *   item: the §5 number; name; tenant (fixed name from OVERRIDES, else a fresh one);
 *   send(srv, tenant) → response;
 *   status, code, message: expected HTTP status, Connect code, message fragments (errors only);
 *   discard: the reason whose counter must go up by exactly 1 (and no other);
 *            null: no profile may be counted as discarded; 'unchecked': at most one, any reason;
 *   stored(ingested): checks on GET /debug/ingested (default for errors: nothing stored).
 */
const CASES = [
  // #1 Empty body / zero series.
  { item: 1, name: 'Push with zero series', send: (srv, t) => push(srv.baseUrl, [], { tenant: t }),
    status: 400, code: 'invalid_argument', message: ['no profiles received'], discard: null },
  { item: 1, name: 'Push with a series that has no samples', send: (srv, t) => push(srv.baseUrl, [{ labels: LABELS, samples: [] }], { tenant: t }),
    status: 400, code: 'invalid_argument', message: ['no profiles received'], discard: null },
  { item: 1, name: 'Push with an empty raw_profile', send: viaPush(Buffer.alloc(0)),
    status: 400, code: 'invalid_argument', message: ['empty profile'], discard: 'malformed_profile', noBytes: true },
  { item: 1, name: '/ingest?format=pprof with an empty body', send: viaIngest(Buffer.alloc(0)),
    status: 400, code: 'invalid_argument', message: ['empty profile'], discard: 'malformed_profile', noBytes: true },
  { item: 1, name: 'pprof with samples but no sample types (Push)', send: (() => {
      const p = base(); p.sampleType = []; p.sample.forEach((s) => { s.value = []; });
      return viaPush(gz(encodeProfile(p)));
    })(),
    status: 400, code: 'invalid_argument', message: ['empty profile'], discard: 'malformed_profile' },
  // Pyroscope answers an empty folded body with 200 and stores nothing; so do we (compat).
  { item: 1, name: 'folded /ingest with an empty body: 200, nothing stored', send: viaFolded(''),
    status: 200, discard: null, stored: nothingStored },

  // #2 Truncated gzip.
  ...(() => {
    const full = gz(encodeProfile(base()));
    const cut = full.subarray(0, Math.floor(full.length / 2));
    return [
      { item: 2, name: 'truncated gzip in /ingest?format=pprof', send: viaIngest(cut),
        status: 400, code: 'invalid_argument', message: [/gzip/i], discard: 'malformed_profile' },
      { item: 2, name: 'truncated gzip in Push raw_profile', send: viaPush(cut),
        status: 400, code: 'invalid_argument', message: [/gzip/i], discard: 'malformed_profile' },
      { item: 2, name: 'truncated gzip in the multipart profile part', send: viaMultipart([profilePart(cut)]),
        status: 400, code: 'invalid_argument', message: [/gzip/i], discard: 'malformed_profile' },
      { item: 2, name: 'Push body with Content-Encoding: gzip cut short',
        send: (srv, t) => push(srv.baseUrl, zlib.gzipSync(encodePushFor(full)).subarray(0, 20), { tenant: t, headers: { 'Content-Encoding': 'gzip' } }),
        status: 400, code: 'invalid_argument', message: [], discard: null },
    ];
  })(),

  // #3 Gzip bombs: 512 MiB of zeros in ~0.5 MB (the same 1000:1 ratio as the table's 1 MB → 1 GB); the cap is -validation.max-profile-size-bytes (4 MiB).
  { item: 3, name: 'gzip bomb (0.5 MB → 512 MiB) in /ingest?format=pprof', send: (srv, t) => viaIngest(BOMB())(srv, t),
    status: 400, code: 'invalid_argument', message: ['uncompressed profile payload size exceeds limit of'], discard: 'profile_size_limit' },
  { item: 3, name: 'gzip bomb in Push raw_profile', send: (srv, t) => viaPush(BOMB())(srv, t),
    status: 400, code: 'invalid_argument', message: ['uncompressed profile payload size exceeds limit of'], discard: 'profile_size_limit' },
  { item: 3, name: 'gzip bomb in the multipart profile part', send: (srv, t) => viaMultipart([profilePart(BOMB())])(srv, t),
    status: 400, code: 'invalid_argument', message: ['uncompressed profile payload size exceeds limit of'], discard: 'profile_size_limit' },
  // The Connect body itself inflating past -server.http-max-request-body-bytes: refused, not buffered.
  { item: 3, name: 'gzip bomb as the Push body (Content-Encoding: gzip)',
    send: (srv, t) => push(srv.baseUrl, BOMB(), { tenant: t, headers: { 'Content-Encoding': 'gzip' } }),
    status: [400, 413, 429], message: [], discard: null },

  // #4 Bodies over the limits.
  { item: 4, name: '/ingest body over the tenant ingestion_body_limit_mb (1 MiB) → 413', tenant: 'body-1mb-ingest',
    send: viaFolded(`main;big ${'1'.repeat(8)}\n`.repeat(100_000)),
    status: 413, message: ['request body too large'], discard: 'body_size_limit_exceeded' },
  { item: 4, name: 'Push whose decompressed profiles exceed the tenant ingestion_body_limit_mb (1 MiB) → 400', tenant: 'body-1mb-push',
    send: (() => {
      const p = base(); p.stringTable.push('x'.repeat(1_200_000)); // 1.2 MB uncompressed, under max_profile_size_bytes
      return viaPush(gz(encodeProfile(p)));
    })(),
    status: 400, code: 'invalid_argument', message: ['uncompressed batched profile payload size exceeds limit of'], discard: 'body_size_limit_exceeded' },
  // Content-Length above -server.http-max-request-body-bytes (256 MiB): refused from the headers,
  // before one body byte is sent. (Not counted: the server never read a profile.)
  { item: 4, name: 'Content-Length 300 MiB on /ingest → 413 before the body is sent',
    send: async (srv, t) => {
      const { conn, res } = await rawRequest(srv.port, requestHead('POST', '/ingest?name=big&format=pprof',
        { 'X-Scope-OrgID': t, 'Content-Length': String(300 << 20), 'Content-Type': 'application/octet-stream' }), { timeoutMs: 5000 });
      conn.destroy();
      return res;
    },
    status: 413, message: [], discard: 'unchecked' },

  // #5 Not gzip, not protobuf.
  { item: 5, name: 'text instead of a profile in /ingest?format=pprof', send: viaIngest(Buffer.from('this is not a profile\n'.repeat(50))),
    status: 400, code: 'invalid_argument', message: ['malformed pprof profile'], discard: 'malformed_profile' },
  { item: 5, name: 'text instead of a profile in Push raw_profile', send: viaPush(Buffer.from('this is not a profile\n'.repeat(50))),
    status: 400, code: 'invalid_argument', message: ['malformed pprof profile'], discard: 'malformed_profile' },
  { item: 5, name: 'Push body that is not a PushRequest (application/proto)',
    send: (srv, t) => push(srv.baseUrl, Buffer.from('\xff\xff\xff garbage', 'latin1'), { tenant: t }),
    status: 400, code: 'invalid_argument', message: [], discard: null },
  { item: 5, name: 'Push body that is not JSON (application/json)',
    send: (srv, t) => push(srv.baseUrl, '{"series": [', { tenant: t, json: true }),
    status: 400, code: 'invalid_argument', message: [], discard: null },

  // #6 String indexes out of range, and dangling location→mapping / line→function references.
  ...[
    ['sample type', (p) => { p.sampleType[0].type = 999; }],
    ['sample unit', (p) => { p.sampleType[0].unit = 999; }],
    ['function name', (p) => { p.function[0].name = 999; }],
    ['function system name', (p) => { p.function[0].systemName = 999; }],
    ['function filename', (p) => { p.function[0].filename = 999; }],
    ['mapping filename', (p) => { p.mapping[0].filename = 999; }],
    ['mapping build id', (p) => { p.mapping[0].buildId = 999; }],
    ['sample label key', (p) => { p.sample[0].label = [{ key: 999, str: 1 }]; }],
    ['sample label value', (p) => { p.sample[0].label = [{ key: 1, str: 999 }]; }],
  ].map(([what, breakIt]) => ({
    item: 6, name: `${what} string index out of range (Push)`,
    send: (() => { const p = base(); breakIt(p); return viaPush(gz(encodeProfile(p))); })(),
    status: 400, code: 'invalid_argument', message: ['string index out of range'], discard: 'malformed_profile',
  })),
  { item: 6, name: 'string index out of range in /ingest?format=pprof (function name)',
    send: (() => { const p = base(); p.function[1].name = 12345; return viaIngest(gz(encodeProfile(p))); })(),
    status: 400, code: 'invalid_argument', message: ['string index out of range'], discard: 'malformed_profile' },
  { item: 6, name: 'every location names a mapping that does not exist',
    send: (() => { const p = base(); p.location.forEach((l) => { l.mappingId = 77; }); return viaPush(gz(encodeProfile(p))); })(),
    status: 400, code: 'invalid_argument', message: [], discard: 'malformed_profile' },
  { item: 6, name: 'every line names a function that does not exist',
    send: (() => { const p = base(); p.location.forEach((l) => { l.line[0].functionId = 500 + l.id; }); return viaPush(gz(encodeProfile(p))); })(),
    status: 400, code: 'invalid_argument', message: [], discard: 'malformed_profile' },

  // #7 string_table[0] must be "".
  { item: 7, name: 'string_table[0] is not empty (Push)', send: (() => { const p = base(); p.stringTable[0] = 'oops'; return viaPush(gz(encodeProfile(p))); })(),
    status: 400, code: 'invalid_argument', message: ['string 0 should be empty string'], discard: 'malformed_profile' },
  { item: 7, name: 'string_table[0] is not empty (/ingest)', send: (() => { const p = base(); p.stringTable[0] = 'oops'; return viaIngest(gz(encodeProfile(p))); })(),
    status: 400, code: 'invalid_argument', message: ['string 0 should be empty string'], discard: 'malformed_profile' },

  // #8 Ids 0 (no .NET function-id shim is claimed, so /ingest rejects them as well).
  { item: 8, name: 'a location with id 0', send: (() => { const p = base(); p.location[0].id = 0; p.sample[0].locationId[p.sample[0].locationId.indexOf(1)] = 0; return viaPush(gz(encodeProfile(p))); })(),
    status: 400, code: 'invalid_argument', message: ['location id is 0'], discard: 'malformed_profile' },
  { item: 8, name: 'a sample that references location id 0', send: (() => { const p = base(); p.sample[1].locationId.push(0); return viaPush(gz(encodeProfile(p))); })(),
    status: 400, code: 'invalid_argument', message: ['location id is 0'], discard: 'malformed_profile' },
  { item: 8, name: 'a function with id 0 (Push)', send: (() => { const p = base(); p.function[0].id = 0; return viaPush(gz(encodeProfile(p))); })(),
    status: 400, code: 'invalid_argument', message: ['function id is 0'], discard: 'malformed_profile' },
  { item: 8, name: 'a function with id 0 (/ingest)', send: (() => { const p = base(); p.function[0].id = 0; return viaIngest(gz(encodeProfile(p))); })(),
    status: 400, code: 'invalid_argument', message: ['function id is 0'], discard: 'malformed_profile' },

  // #9 Samples that reference locations that do not exist.
  { item: 9, name: 'every sample references a missing location → 400', send: (() => { const p = base(); p.sample.forEach((s) => s.locationId.push(4242)); return viaPush(gz(encodeProfile(p))); })(),
    status: 400, code: 'invalid_argument', message: ['references a location that does not exist'], discard: 'malformed_profile' },
  { item: 9, name: 'one of two samples references a missing location → only the other is stored',
    send: (() => { const p = base(); p.sample[0].locationId.push(4242); return viaPush(gz(encodeProfile(p)), { ...LABELS, service_name: 'partial' }); })(),
    status: 200, discard: 'unchecked', stored: storedTotals({ service_name: 'partial' }, { [CPU_ID]: 50n }) },

  // #10 Value count differs from the sample type count.
  { item: 10, name: 'sample value length mismatch', send: (() => { const p = base(); p.sample[0].value = [1, 2]; return viaPush(gz(encodeProfile(p))); })(),
    status: 400, code: 'invalid_argument', message: ['sample value length mismatch'], discard: 'malformed_profile' },

  // #11 / #12 Negative and zero values are dropped, never stored.
  { item: 11, name: 'a sample with a negative value is dropped (the rest is stored)',
    send: (() => {
      const p = buildProfile({ sampleTypes: [['alloc_objects', 'count'], ['alloc_space', 'bytes']], periodType: ['space', 'bytes'], period: 512,
        stacks: [{ frames: ['main', 'ok'], values: [5, 50] }, { frames: ['main', 'neg'], values: [-3, 7] }] });
      return viaPush(gz(encodeProfile(p)), { __name__: 'memory', service_name: 'negative', __delta__: 'false' });
    })(),
    status: 200, discard: 'unchecked',
    stored: storedTotals({ service_name: 'negative' }, { 'memory:alloc_objects:count:space:bytes': 5n, 'memory:alloc_space:bytes:space:bytes': 50n }) },
  { item: 12, name: 'a profile whose values are all zero: 200, nothing stored',
    send: (() => { const p = base(); p.sample.forEach((s) => { s.value = [0]; }); return viaPush(gz(encodeProfile(p))); })(),
    status: 200, discard: null, stored: nothingStored },
  { item: 12, name: 'zero-valued samples next to a non-zero one: only that one is stored',
    send: (() => { const p = base(); p.sample[0].value = [0]; return viaPush(gz(encodeProfile(p)), { ...LABELS, service_name: 'zeros' }); })(),
    status: 200, discard: null, stored: storedTotals({ service_name: 'zeros' }, { [CPU_ID]: 50n }) },

  // #13 Too many samples (counted before merging duplicates).
  { item: 13, name: '16,001 samples → samples_limit',
    send: (() => viaPush(gz(encodeProfile(manySamples(16_001)))))(),
    status: 400, code: 'invalid_argument', message: ['exceeds the samples count limit', '16001', '16000'], discard: 'samples_limit' },
  { item: 13, name: '16,000 samples are accepted',
    send: (() => viaPush(gz(encodeProfile(manySamples(16_000))), { ...LABELS, service_name: 'max-samples' }))(),
    status: 200, discard: null, stored: storedTotals({ service_name: 'max-samples' }, { [CPU_ID]: 16_000n }) },

  // #14 Duplicate stacks whose sum overflows int64: saturates.
  { item: 14, name: 'duplicate stacks summing past int64 saturate at 2^63-1 (pprof)',
    send: (() => {
      const p = base({ stacks: [{ frames: ['main', 'hot'], values: [2n ** 62n] }, { frames: ['main', 'hot'], values: [2n ** 62n] }] });
      return viaPush(gz(encodeProfile(p)), { ...LABELS, service_name: 'overflow' });
    })(),
    status: 200, discard: null, stored: storedTotals({ service_name: 'overflow' }, { [CPU_ID]: INT64_MAX }) },
  { item: 14, name: 'duplicate folded lines summing past int64 saturate at 2^63-1',
    send: (srv, t) => ingest(srv.baseUrl, { name: 'overflow.alloc_space' }, `main;hot ${INT64_MAX}\nmain;hot 1\n`, { tenant: t }),
    status: 200, discard: null, stored: storedTotals({ service_name: 'overflow' }, { 'memory:alloc_space:bytes::': INT64_MAX }) },

  // #15 Very deep stacks are truncated (to -validation.max-profile-stacktrace-depth), not refused.
  { item: 15, name: 'a 10,000-frame stack (pprof) is accepted, value kept',
    send: (() => {
      const frames = Array.from({ length: 10_000 }, (_, i) => `f${i}`);
      return viaPush(gz(encodeProfile(base({ stacks: [{ frames, values: [777] }] }))), { ...LABELS, service_name: 'deep' });
    })(),
    status: 200, discard: null, stored: storedTotals({ service_name: 'deep' }, { [CPU_ID]: 777n }) },
  { item: 15, name: 'a 10,000-frame folded line is accepted, value kept',
    send: (srv, t) => ingest(srv.baseUrl, { name: 'deep.cpu' }, `${Array.from({ length: 10_000 }, (_, i) => `f${i}`).join(';')} 3\n`, { tenant: t }),
    status: 200, discard: null, stored: storedTotals({ service_name: 'deep' }, { [CPU_ID]: 30_000_000n }) },

  // #16 Too many labels on one sample.
  { item: 16, name: '101 labels on one sample → sample_labels_limit',
    send: (() => {
      const p = base();
      p.sample[0].label = Array.from({ length: 101 }, (_, i) => ({ key: p.stringTable.push(`k${i}`) - 1, str: p.stringTable.push(`v${i}`) - 1 }));
      return viaPush(gz(encodeProfile(p)));
    })(),
    status: 400, code: 'invalid_argument', message: ['exceeds the sample labels limit'], discard: 'sample_labels_limit' },

  // #17 Series label value that is not UTF-8.
  { item: 17, name: '/ingest name label value with invalid UTF-8 (%FF) → invalid_labels',
    send: (srv, t) => ingest(srv.baseUrl, 'name=bad-inputs.cpu%7Benv%3Dpro%FFd%7D', 'main;a 1\n', { tenant: t }),
    status: 400, code: 'invalid_argument', message: ['invalid'], discard: 'invalid_labels' },
  // A strict proto3 decoder refuses the whole PushRequest (string fields must be UTF-8), as
  // Pyroscope's does: 400, and no profile was read to count.
  { item: 17, name: 'Push label value with invalid UTF-8 bytes → 400',
    send: viaPush(gz(encodeProfile(base())), [['__name__', 'process_cpu'], ['service_name', 'x'], ['env', Buffer.from([0x70, 0xff, 0x64])]]),
    status: 400, code: 'invalid_argument', message: [], discard: 'unchecked' },

  // #18 Invalid UTF-8 in the string table.
  { item: 18, name: 'function name with invalid UTF-8 (Push)',
    send: (() => { const p = base(); p.stringTable[p.function[0].name] = Buffer.from([0x6d, 0x61, 0xc3, 0x28, 0x69, 0x6e]); return viaPush(gz(encodeProfile(p))); })(),
    status: 400, code: 'invalid_argument', message: ['invalid utf8 string hex:'], discard: 'malformed_profile' },
  { item: 18, name: 'function name with invalid UTF-8 (/ingest)',
    send: (() => { const p = base(); p.stringTable[p.function[0].name] = Buffer.from([0xfe, 0xfe]); return viaIngest(gz(encodeProfile(p))); })(),
    status: 400, code: 'invalid_argument', message: ['invalid utf8 string hex:'], discard: 'malformed_profile' },

  // #19 70,000-byte name of 4-byte characters: the kept tail (65,535 bytes) would start inside a
  // character; truncation must move to a character boundary, so the profile is accepted.
  { item: 19, name: '70,000-byte function name cut inside a 4-byte character is accepted',
    send: (() => {
      const p = base(); p.stringTable[p.function[0].name] = '\u{1F600}'.repeat(17_500);
      return viaPush(gz(encodeProfile(p)), { ...LABELS, service_name: 'long-symbol' });
    })(),
    status: 200, discard: null, stored: storedTotals({ service_name: 'long-symbol' }, { [CPU_ID]: 150n }) },
  { item: 19, name: '70,000-byte multibyte function name via /ingest is accepted',
    send: (() => { const p = base(); p.stringTable[p.function[1].name] = `x${'\u{1F600}'.repeat(17_500)}`; return viaIngest(gz(encodeProfile(p)), { name: 'long-symbol-ingest' }); })(),
    status: 200, discard: null, stored: storedTotals({ service_name: 'long-symbol-ingest' }, { [CPU_ID]: 150n }) },

  // #20 Label name / value length.
  { item: 20, name: 'label name of 1,025 bytes (Push) → label_name_too_long',
    send: viaPush(gz(encodeProfile(base())), { ...LABELS, ['n'.repeat(1025)]: 'v' }),
    status: 400, code: 'invalid_argument', message: ['label name too long'], discard: 'label_name_too_long' },
  { item: 20, name: 'label value of 2,049 bytes (Push) → label_value_too_long',
    send: viaPush(gz(encodeProfile(base())), { ...LABELS, env: 'v'.repeat(2049) }),
    status: 400, code: 'invalid_argument', message: ['label value too long'], discard: 'label_value_too_long' },
  { item: 20, name: 'label name of 1,025 bytes (/ingest name=) → label_name_too_long',
    send: viaFolded('main;a 1\n', { name: `bad-inputs.cpu{${'n'.repeat(1025)}=v}` }),
    status: 400, code: 'invalid_argument', message: ['label name too long'], discard: 'label_name_too_long' },
  { item: 20, name: 'label value of 2,049 bytes (/ingest name=) → label_value_too_long',
    send: viaFolded('main;a 1\n', { name: `bad-inputs.cpu{env=${'v'.repeat(2049)}}` }),
    status: 400, code: 'invalid_argument', message: ['label value too long'], discard: 'label_value_too_long' },
  { item: 20, name: 'label name of 1,024 and value of 2,048 bytes are accepted',
    send: viaPush(gz(encodeProfile(base())), { ...LABELS, service_name: 'max-lengths', ['n'.repeat(1024)]: 'v'.repeat(2048) }),
    status: 200, discard: null, stored: storedTotals({ service_name: 'max-lengths' }, { [CPU_ID]: 150n }) },

  // #21 Label names per series.
  { item: 21, name: '31 label names → max_label_names_per_series',
    send: viaPush(gz(encodeProfile(base())), { ...LABELS, ...Object.fromEntries(Array.from({ length: 29 }, (_, i) => [`l${String(i).padStart(2, '0')}`, 'v'])) }),
    status: 400, code: 'invalid_argument', message: ['has 31 label names; limit 30'], discard: 'max_label_names_per_series' },
  { item: 21, name: '30 label names are accepted',
    send: viaPush(gz(encodeProfile(base())), { ...LABELS, service_name: 'thirty', ...Object.fromEntries(Array.from({ length: 28 }, (_, i) => [`l${String(i).padStart(2, '0')}`, 'v'])) }),
    status: 200, discard: null, stored: storedTotals({ service_name: 'thirty' }, { [CPU_ID]: 150n }) },

  // #22 Duplicate label names.
  { item: 22, name: 'the same label name twice → duplicate_label_names',
    send: viaPush(gz(encodeProfile(base())), [['__name__', 'process_cpu'], ['service_name', 'x'], ['env', 'a'], ['env', 'b']]),
    status: 400, code: 'invalid_argument', message: ['duplicate label name'], discard: 'duplicate_label_names' },
  { item: 22, name: 'a.b and a_b with different values → duplicate_label_names',
    send: viaPush(gz(encodeProfile(base())), [['__name__', 'process_cpu'], ['service_name', 'x'], ['a.b', '1'], ['a_b', '2']]),
    status: 400, code: 'invalid_argument', message: ['duplicate label name', 'a_b'], discard: 'duplicate_label_names' },
  { item: 22, name: 'a.b and a_b with the same value: one a_b is kept',
    send: viaPush(gz(encodeProfile(base())), [['__name__', 'process_cpu'], ['service_name', 'same-value'], ['a.b', '1'], ['a_b', '1']]),
    status: 200, discard: null,
    stored: async (ing) => {
      const s = seriesMatching(ing, { service_name: 'same-value' });
      assert.equal(s.length, 1, `one series expected; got ${fmt(ing.series)}`);
      assert.deepEqual(s[0].labels, { __name__: 'process_cpu', a_b: '1', service_name: 'same-value' });
    } },

  // #23 No service_name: stored as unknown_service.
  { item: 23, name: 'Push without service_name is stored as service_name="unknown_service"',
    send: viaPush(gz(encodeProfile(base())), { __name__: 'process_cpu', env: 'no-service' }),
    status: 200, discard: null,
    stored: async (ing) => {
      assert.deepEqual(ing.series.map((s) => s.labels), [{ __name__: 'process_cpu', env: 'no-service', service_name: 'unknown_service' }]);
      assert.deepEqual(ing.series[0].totals, { [CPU_ID]: 150n });
    } },

  // #24 Sample type with '-': refused on Push, rewritten to '_' on /ingest.
  { item: 24, name: 'sample type alloc-space on Push → 400',
    send: viaPush(gz(encodeProfile(buildProfile({ sampleTypes: [['alloc-space', 'bytes']], periodType: ['space', 'bytes'], period: 1, stacks: [{ frames: ['m', 'a'], values: [9] }] }))), { __name__: 'memory', service_name: 'dash' }),
    status: 400, code: 'invalid_argument', message: ['sample type contains -'], discard: 'malformed_profile' },
  { item: 24, name: 'sample type alloc-space on /ingest is stored as alloc_space',
    send: viaIngest(gz(encodeProfile(buildProfile({ sampleTypes: [['alloc-space', 'bytes']], periodType: ['space', 'bytes'], period: 1, stacks: [{ frames: ['m', 'a'], values: [9] }] }))), { name: 'dash' }),
    status: 200, discard: null, stored: storedTotals({ service_name: 'dash' }, { 'memory:alloc_space:bytes:space:bytes': 9n }) },

  // #25 Duplicate sample type.
  { item: 25, name: 'the same sample type twice → 400',
    send: viaPush(gz(encodeProfile(buildProfile({ sampleTypes: [['cpu', 'nanoseconds'], ['cpu', 'nanoseconds']], periodType: ['cpu', 'nanoseconds'], period: 1, stacks: [{ frames: ['m'], values: [1, 2] }] })))),
    status: 400, code: 'invalid_argument', message: ['duplicate sample type'], discard: 'malformed_profile' },

  // #26 Ingestion window (-validation.reject-older-than 1h, -validation.reject-newer-than 10m).
  { item: 26, name: 'time_nanos 2 h old → not_in_ingestion_window',
    send: (srv, t) => viaPush(gz(encodeProfile(base({ timeNanos: NOW_NS() - 7_200_000_000_000n }))))(srv, t),
    status: 400, code: 'invalid_argument', message: ['is outside of ingestion window'], discard: 'not_in_ingestion_window' },
  { item: 26, name: 'time_nanos 1 h in the future → not_in_ingestion_window',
    send: (srv, t) => viaPush(gz(encodeProfile(base({ timeNanos: NOW_NS() + 3_600_000_000_000n }))))(srv, t),
    status: 400, code: 'invalid_argument', message: ['is outside of ingestion window'], discard: 'not_in_ingestion_window' },
  { item: 26, name: 'time_nanos in milliseconds on Push → not_in_ingestion_window',
    send: (srv, t) => viaPush(gz(encodeProfile(base({ timeNanos: BigInt(Date.now()) }))))(srv, t),
    status: 400, code: 'invalid_argument', message: ['is outside of ingestion window'], discard: 'not_in_ingestion_window' },
  { item: 26, name: 'time_nanos in milliseconds on /ingest is replaced by from= and accepted',
    send: (srv, t) => viaIngest(gz(encodeProfile(base({ timeNanos: BigInt(Date.now()) }))), { name: 'ms-time', from: String(Math.floor(Date.now() / 1000) - 10) })(srv, t),
    status: 200, discard: null, stored: storedTotals({ service_name: 'ms-time' }, { [CPU_ID]: 150n }) },
  { item: 26, name: 'time_nanos 0 means now',
    send: viaPush(gz(encodeProfile(base({ timeNanos: 0 }))), { ...LABELS, service_name: 'time-zero' }),
    status: 200, discard: null, stored: storedTotals({ service_name: 'time-zero' }, { [CPU_ID]: 150n }) },
  { item: 26, name: 'folded /ingest with from=now-2h → not_in_ingestion_window',
    send: viaFolded('main;a 1\n', { from: String(Math.floor(Date.now() / 1000) - 7200), until: String(Math.floor(Date.now() / 1000) - 7190) }),
    status: 400, code: 'invalid_argument', message: ['is outside of ingestion window'], discard: 'not_in_ingestion_window' },

  // #28 __session_id__: dropped by default; with max_sessions_per_series=N folded to id mod N
  // (16 hex digits = 8 bytes little-endian, as Pyroscope's SessionID); unparsable ids dropped.
  { item: 28, name: 'a malformed __session_id__ is dropped (default limits)',
    send: viaFolded('main;a 1\n', { name: 'sess.cpu{__session_id__=not-a-session,env=x}' }),
    status: 200, discard: null,
    stored: async (ing) => { assert.deepEqual(ing.series.map((s) => s.labels.__session_id__), [undefined], fmt(ing.series)); } },
  { item: 28, name: 'max_sessions_per_series=4: __session_id__ 0700000000000000 (7) becomes 0300000000000000', tenant: 'sessions-4-valid',
    send: viaFolded('main;a 1\n', { name: 'sess.cpu{__session_id__=0700000000000000}' }),
    status: 200, discard: null,
    stored: async (ing) => { assert.deepEqual(ing.series.map((s) => s.labels.__session_id__), ['0300000000000000'], fmt(ing.series)); } },
  { item: 28, name: 'max_sessions_per_series=4: an unparsable __session_id__ is dropped', tenant: 'sessions-4-malformed',
    send: viaFolded('main;a 1\n', { name: 'sess.cpu{__session_id__=zz00000000000000}' }),
    status: 200, discard: null,
    stored: async (ing) => { assert.deepEqual(ing.series.map((s) => s.labels.__session_id__), [undefined], fmt(ing.series)); } },

  // #29 / #30 Folded lines without a count or with a bad one: 400 naming the line.
  { item: 29, name: 'folded line without a count', send: viaFolded('main;a 1\nmain;b;c\n'),
    status: 400, code: 'invalid_argument', message: ['folded line 2'], discard: 'malformed_profile' },
  { item: 30, name: 'folded count that is not an integer', send: viaFolded('main;a 1\nmain;b 2\nmain;c x1\n'),
    status: 400, code: 'invalid_argument', message: ['folded line 3: count "x1" is not a non-negative integer'], discard: 'malformed_profile' },
  { item: 30, name: 'negative folded count', send: viaFolded('main;a -5\n'),
    status: 400, code: 'invalid_argument', message: ['folded line 1', '-5'], discard: 'malformed_profile' },
  { item: 30, name: 'folded count above int64', send: viaFolded('main;a 9223372036854775808\n', { name: 'big.alloc_space' }),
    status: 400, code: 'invalid_argument', message: ['folded line 1'], discard: 'malformed_profile' },
  { item: 30, name: 'folded count 1.5', send: viaFolded('main;a 1.5\n'),
    status: 400, code: 'invalid_argument', message: ['folded line 1'], discard: 'malformed_profile' },

  // #31 A folded line over 64 KiB is read whole, and the lines after it too.
  { item: 31, name: 'a 100 KiB folded line and the lines after it are all stored',
    send: viaFolded(`main;${'x'.repeat(100 * 1024)} 2\nmain;b 3\nmain;c 4\n`, { name: 'longline.cpu' }),
    status: 200, discard: null, stored: storedTotals({ service_name: 'longline' }, { [CPU_ID]: 90_000_000n }) },

  // #32 Odd folded text: normalised or refused, deterministically. CRLF and a BOM are
  // normalised (same totals as the plain text); for empty frames, a trailing ';' and NUL bytes
  // the server may store or refuse, but must answer the same way twice.
  { item: 32, name: 'folded text with CRLF line ends', send: viaFolded('main;a 1\r\nmain;b 2\r\n', { name: 'crlf.cpu' }),
    status: 200, discard: null, stored: storedTotals({ service_name: 'crlf' }, { [CPU_ID]: 30_000_000n }) },
  { item: 32, name: 'folded text starting with a UTF-8 BOM', send: viaFolded('\uFEFFmain;a 1\nmain;b 2\n', { name: 'bom.cpu' }),
    status: 200, discard: null, stored: storedTotals({ service_name: 'bom' }, { [CPU_ID]: 30_000_000n }) },
  ...[
    ['an empty frame (a;;b)', 'main;;b 2\n'],
    ['a trailing ;', 'main;b; 2\n'],
    ['NUL bytes in a frame', 'main;b\u0000c 2\n'],
    ['a leading ;', ';main;b 2\n'],
  ].map(([what, body]) => ({
    item: 32, name: `folded text with ${what}: same answer twice`,
    send: async (srv, t) => {
      const first = await viaFolded(body, { name: 'odd.cpu' })(srv, t);
      const second = await viaFolded(body, { name: 'odd.cpu' })(srv, t);
      assert.equal(second.status, first.status, `the same body got ${first.status} then ${second.status}`);
      assert.ok([200, 400].includes(first.status), `expected 200 (normalised) or 400 (refused); got ${describeRes(first)}`);
      return { ...second, status: 200, text: '', firstStatus: first.status };
    },
    status: 200, discard: 'unchecked', maxDiscards: 2,
    stored: async (ing) => {
      const totals = totalsMatching(ing, { service_name: 'odd' });
      const stored = totals[CPU_ID] ?? 0n;
      assert.ok(stored === 0n || stored === 40_000_000n, `either both stored (4e7 ns) or neither; got ${fmt(ing.series)}`);
    },
  })),

  // #33 Wire variations a proto3 decoder must accept.
  { item: 33, name: 'unpacked repeated location_id / value',
    send: viaPush(gz(encodeProfile(base(), { packed: false })), { ...LABELS, service_name: 'unpacked' }),
    status: 200, discard: null, stored: storedTotals({ service_name: 'unpacked' }, { [CPU_ID]: 150n }) },
  { item: 33, name: 'unknown fields of every wire type, top level and nested',
    send: (() => {
      const p = base();
      const unknown = cat(fVarint(100, 7), fBytes(101, 'hello'), Buffer.concat([tag(102, WT.I64), Buffer.alloc(8, 1)]), Buffer.concat([tag(103, WT.I32), Buffer.alloc(4, 2)]));
      // A sample with an extra unknown field inside it.
      const extraSample = fMsg(2, [fVarint(1, 1), fVarint(1, 2), fVarint(1, 3), fBytes(2, varint(25)), fVarint(99, 1), fBytes(98, 'x')]);
      return viaPush(gz(encodeProfile(p, { extra: cat(unknown, extraSample) })), { ...LABELS, service_name: 'unknown-fields' });
    })(),
    status: 200, discard: null, stored: storedTotals({ service_name: 'unknown-fields' }, { [CPU_ID]: 175n }) },
  { item: 33, name: 'fields out of order (string table first, samples last)',
    send: viaIngest(gz(encodeProfile(base(), { order: ['stringTable', 'scalars', 'function', 'location', 'mapping', 'sampleType', 'sample'] })), { name: 'out-of-order' }),
    status: 200, discard: null, stored: storedTotals({ service_name: 'out-of-order' }, { [CPU_ID]: 150n }) },
  { item: 33, name: 'uncompressed pprof in Push raw_profile and /ingest',
    send: async (srv, t) => {
      const raw = encodeProfile(base());
      const a = await viaPush(raw, { ...LABELS, service_name: 'raw-pprof' })(srv, t);
      if (a.status !== 200) return a;
      return viaIngest(raw, { name: 'raw-pprof' })(srv, t);
    },
    status: 200, discard: null,
    stored: async (ing) => {
      assert.deepEqual(totalsMatching(ing, { service_name: 'raw-pprof' }), { [CPU_ID]: 300n }, fmt(ing.series));
    } },

  // #34 Broken varints and lengths.
  { item: 34, name: 'an 11-byte varint', send: viaPush(gz(cat(encodeProfile(base()), tag(9, WT.VARINT), overlongVarint))),
    status: 400, code: 'invalid_argument', message: ['malformed pprof profile'], discard: 'malformed_profile' },
  { item: 34, name: 'a string length beyond the end of the message', send: viaPush(gz(cat(encodeProfile(base()), tag(6, WT.LEN), varint(1000), Buffer.from('short')))),
    status: 400, code: 'invalid_argument', message: ['malformed pprof profile'], discard: 'malformed_profile' },
  { item: 34, name: 'a claimed length of 2^62 bytes', send: viaPush(gz(cat(encodeProfile(base()), tag(2, WT.LEN), varint(2n ** 62n), Buffer.from([8, 1])))),
    status: 400, code: 'invalid_argument', message: ['malformed pprof profile'], discard: 'malformed_profile' },
  { item: 34, name: 'a nested message longer than its parent',
    send: viaPush(gz(cat(encodeProfile(base()), tag(2, WT.LEN), varint(4), tag(3, WT.LEN), varint(50), Buffer.from([1, 2])))),
    status: 400, code: 'invalid_argument', message: ['malformed pprof profile'], discard: 'malformed_profile' },
  { item: 34, name: 'a start-group wire type with no end', send: viaPush(gz(cat(encodeProfile(base()), tag(50, WT.SGROUP), fVarint(1, 1)))),
    status: 400, code: 'invalid_argument', message: ['malformed pprof profile'], discard: 'malformed_profile' },
  { item: 34, name: '1,000-deep nesting inside an unknown field is skipped, not recursed into',
    send: (() => {
      let nested = fVarint(1, 1);
      for (let i = 0; i < 1000; i += 1) nested = fBytes(15, nested);
      return viaPush(gz(encodeProfile(base(), { extra: fBytes(120, nested) })), { ...LABELS, service_name: 'nested' });
    })(),
    status: 200, discard: null, stored: storedTotals({ service_name: 'nested' }, { [CPU_ID]: 150n }) },

  // #35 Tenant ids that are not safe: refused before anything is written.
  ...['../x', 'a/b', 'a|b', 'x'.repeat(151), '..'].map((bad) => ({
    item: 35, name: `X-Scope-OrgID ${JSON.stringify(bad.length > 20 ? `${bad.slice(0, 5)}…(${bad.length} chars)` : bad)} on /ingest and Push`,
    send: async (srv) => {
      const a = await ingest(srv.baseUrl, { name: 'tenant.cpu' }, 'main;a 1\n', { tenant: bad });
      assert.ok([400, 401].includes(a.status), `/ingest with X-Scope-OrgID ${bad}: expected 400 or 401; got ${describeRes(a)}`);
      const b = await viaPush(gz(encodeProfile(base())))(srv, bad);
      assert.ok([400, 401].includes(b.status), `Push with X-Scope-OrgID ${bad}: expected 400 or 401; got ${describeRes(b)}`);
      return b;
    },
    status: [400, 401], code: ['unauthenticated', 'invalid_argument'], message: [], discard: null })),

  // #36 Unknown format / wrong Content-Type.
  { item: 36, name: 'unknown format= on /ingest', send: viaFolded('main;a 1\n', { format: 'xml' }),
    status: 400, code: 'invalid_argument', message: ['unknown format'], discard: 'unchecked' },
  { item: 36, name: 'Push with Content-Type text/plain → 415 (Connect)',
    send: (srv, t) => push(srv.baseUrl, encodePushFor(gz(encodeProfile(base()))), { tenant: t, contentType: 'text/plain' }),
    status: 415, message: [], discard: null },

  // #37 Invalid payloads of the other formats. (Broken JFR recordings built from real ones are
  // in ingest-jfr.test.mjs.)
  { item: 37, name: 'invalid speedscope JSON → 400 (needs speedscope format)',
    send: viaFolded('{"$schema": "https://www.speedscope.app/file-format-schema.json", "profiles": [', { format: 'speedscope', name: 'ss' }),
    status: 400, code: 'invalid_argument', message: [], discard: 'malformed_profile' },
  { item: 37, name: 'speedscope JSON with the wrong $schema → 400 (needs speedscope format)',
    send: viaFolded(JSON.stringify({ $schema: 'https://example.com/other.json', profiles: [], shared: { frames: [] } }), { format: 'speedscope', name: 'ss' }),
    status: 400, code: 'invalid_argument', message: [], discard: 'malformed_profile' },
  { item: 37, name: 'truncated tree bytes → 400 (needs tree format)',
    send: (srv, t) => ingest(srv.baseUrl, { name: 'tree.cpu', format: 'tree' }, Buffer.from([0x00, 0x00, 0x02, 0x04, 0x6d, 0x61]), { tenant: t }),
    status: 400, code: 'invalid_argument', message: [], discard: 'malformed_profile' },
  { item: 37, name: 'truncated trie bytes → 400 (needs trie format)',
    send: (srv, t) => ingest(srv.baseUrl, { name: 'trie.cpu' }, Buffer.from([0x05, 0x6d, 0x61]), { tenant: t, contentType: 'binary/octet-stream+trie' }),
    status: 400, code: 'invalid_argument', message: [], discard: 'malformed_profile' },
  { item: 37, name: 'truncated JFR (8 bytes of a chunk header) → 400 naming JFR',
    send: (srv, t) => ingest(srv.baseUrl, { name: 'jfr', format: 'jfr' }, Buffer.from('FLR\0\0\x02\0\x01'), { tenant: t }),
    status: 400, code: 'invalid_argument', message: [/jfr/i], discard: 'malformed_profile' },

  // #38 Slow-loris body: 408 once -server.http-read-timeout (2 s here) passes.
  { item: 38, name: 'a body that stops arriving gets 408',
    send: async (srv, t) => {
      const conn = await RawConn.connect(srv.port);
      await conn.write(requestHead('POST', '/ingest?name=slow.cpu', { 'X-Scope-OrgID': t, 'Content-Length': '1000' }));
      await conn.write('main;a 1\n');
      const res = await conn.readResponse({ timeoutMs: 8000 });
      conn.destroy();
      return res;
    },
    status: 408, message: [], discard: 'unchecked' },

  // #40 Multipart forms.
  { item: 40, name: 'multipart without a profile part → 400',
    send: viaMultipart([{ name: 'sample_type_config', filename: 'sample_type_config.json', body: '{}' }]),
    status: 400, code: 'invalid_argument', message: ['profile'], discard: 'malformed_profile' },
  { item: 40, name: 'multipart whose profile part is a plain field (no filename) counts as missing → 400',
    send: viaMultipart([{ name: 'profile', body: 'x' }]),
    status: 400, code: 'invalid_argument', message: ['profile'], discard: 'malformed_profile' },
  { item: 40, name: 'multipart with 10,000 parts → 400',
    send: viaMultipart([profilePart(gz(encodeProfile(base()))), ...Array.from({ length: 9_999 }, (_, i) => ({ name: `p${i}`, filename: `f${i}`, body: 'x' }))]),
    status: 400, code: 'invalid_argument', message: ['parts'], discard: 'malformed_profile' },
  { item: 40, name: 'multipart with 17 parts → 400',
    send: viaMultipart([profilePart(gz(encodeProfile(base()))), ...Array.from({ length: 16 }, (_, i) => ({ name: `p${i}`, filename: `f${i}`, body: 'x' }))]),
    status: 400, code: 'invalid_argument', message: ['parts'], discard: 'malformed_profile' },
  { item: 40, name: 'multipart with a prev_profile part → 400',
    send: viaMultipart([profilePart(gz(encodeProfile(base()))), { name: 'prev_profile', filename: 'profile.pprof', body: gz(encodeProfile(base())) }]),
    status: 400, code: 'invalid_argument', message: ['prev_profile'], discard: 'malformed_profile' },
  { item: 40, name: 'multipart with an empty profile part: 200, nothing stored',
    send: viaMultipart([profilePart(Buffer.alloc(0))]),
    status: 200, discard: null, stored: nothingStored },
  { item: 40, name: 'multipart with no boundary in Content-Type → 400',
    send: (srv, t) => ingest(srv.baseUrl, { name: 'mp' }, 'whatever', { tenant: t, contentType: 'multipart/form-data' }),
    status: 400, code: 'invalid_argument', message: [], discard: 'unchecked' },
];

/** A PushRequest (binary) with one series and one raw profile. */
function encodePushFor(rawProfile) {
  return fMsg(1, [fMsg(1, [fBytes(1, '__name__'), fBytes(2, 'process_cpu')]), fMsg(1, [fBytes(1, 'service_name'), fBytes(2, 'x')]), fMsg(2, [fBytes(1, rawProfile)])]);
}

/** n distinct two-frame samples of value 1 each. */
function manySamples(n) {
  const stacks = Array.from({ length: n }, (_, i) => ({ frames: [`r${i >> 7}`, `l${i & 127}`], values: [1] }));
  return base({ stacks });
}

let bomb;
const BOMB = () => (bomb ??= gzipBomb(512 << 20));

describe('bad ingest inputs (spec §5), one tenant per row', () => {
  let srv;
  before(async () => {
    const dir = await makeTempDir('flamedb-bad-');
    const overrides = path.join(dir, 'overrides.yaml');
    writeFileSync(overrides, `overrides:\n${Object.entries(OVERRIDES).map(([t, l]) =>
      `  ${t}:\n${Object.entries(l).map(([k, v]) => `    ${k}: ${v}`).join('\n')}`).join('\n')}\n`);
    srv = await startServer(['-auth.multitenancy-enabled', `-runtime-config.file=${overrides}`, '-server.http-read-timeout=2s']);
  });
  after(async () => { await srv?.stop(); });

  for (const c of CASES) {
    test(`#${c.item} ${c.name}`, T, async () => {
      const tenant = c.tenant ?? uniqueTenant(`bad${c.item}`);
      const what = `#${c.item} ${c.name}`;
      const res = await c.send(srv, tenant);
      const statuses = [].concat(c.status);
      if (statuses.length === 1 && statuses[0] === 200) {
        assertAccepted(res, what);
      } else {
        assert.ok(statuses.includes(res.status), `${what}: expected HTTP ${statuses.join(' or ')}; got ${describeRes(res)}`);
        assert.ok(res.status < 500 || res.status === 501, `${what}: a client mistake must never be a 5xx; got ${describeRes(res)}`);
        if (c.code !== undefined || c.message?.length) {
          assert.match(res.headers['content-type'] ?? '', /^application\/json\b/, `${what}: the error body should be JSON; got ${describeRes(res)}`);
          const body = JSON.parse(res.text);
          if (c.code !== undefined) {
            assert.ok([].concat(c.code).includes(body.code), `${what}: code should be ${[].concat(c.code).join(' or ')}; got ${res.text}`);
          }
          for (const f of c.message ?? []) {
            if (f instanceof RegExp) assert.match(body.message, f, `${what}: message should match ${f}; got ${JSON.stringify(body.message)}`);
            else assert.ok(body.message.includes(f), `${what}: message should contain ${JSON.stringify(f)}; got ${JSON.stringify(body.message)}`);
          }
        }
      }
      // What was counted as discarded for this tenant.
      const text = await metricsText(srv.baseUrl);
      const byReason = await discardedByReason(srv.baseUrl, tenant, text);
      const total = Object.values(byReason).reduce((a, b) => a + b, 0);
      if (c.discard === null) {
        assert.deepEqual(byReason, {}, `${what}: nothing should be counted in pyroscope_discarded_samples_total{tenant="${tenant}"}; got ${fmt(byReason)}`);
      } else if (c.discard === 'unchecked') {
        assert.ok(total <= (c.maxDiscards ?? 1), `${what}: at most ${c.maxDiscards ?? 1} discarded profile(s); got ${fmt(byReason)}`);
      } else {
        assert.deepEqual(byReason, { [c.discard]: 1 },
          `${what}: pyroscope_discarded_samples_total{reason="${c.discard}",tenant="${tenant}"} should be 1 and no other reason counted; got ${fmt(byReason)}`);
        const { bytes } = await discarded(srv.baseUrl, c.discard, tenant, text);
        if (!c.noBytes) assert.ok(bytes > 0, `${what}: pyroscope_discarded_bytes_total{reason="${c.discard}",tenant="${tenant}"} should be > 0; got ${bytes}`);
      }
      // What was stored.
      const ing = await getIngested(srv.baseUrl, tenant);
      if (c.stored) await c.stored(ing);
      else if (res.status !== 200) await nothingStored(ing);
    });
  }

  test('#3 bombs: peak server memory stays near the 4 MiB profile limit (4 concurrent 512 MiB bombs)', T, async () => {
    const hwm = async () => {
      const status = await readFile(`/proc/${srv.proc.pid}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) * 1024;
    };
    const before = await hwm();
    const tenant = uniqueTenant('bomb-mem');
    const results = await Promise.all([
      viaIngest(BOMB())(srv, tenant), viaPush(BOMB())(srv, tenant),
      viaMultipart([profilePart(BOMB())])(srv, tenant), viaIngest(BOMB())(srv, tenant),
    ]);
    for (const r of results) assertError(r, 400, 'invalid_argument', 'exceeds limit', 'concurrent bomb');
    const grown = (await hwm()) - before;
    assert.ok(grown < 128 << 20, `peak RSS grew by ${(grown / 1048576).toFixed(1)} MiB for 4 bombs of 512 MiB each; the cap should keep it near 4 × 4 MiB`);
  });

  test('after every bad input the server is ready and still accepts a good profile', T, async () => {
    const ready = await fetch(`${srv.baseUrl}/ready`);
    assert.equal(ready.status, 200, 'GET /ready after the bad inputs');
    const tenant = uniqueTenant('good-after');
    assertAccepted(await viaPush(gz(encodeProfile(base())))(srv, tenant), 'good Push after the bad inputs');
    assertAccepted(await viaFolded('main;a 2\n')(srv, tenant), 'good folded /ingest after the bad inputs');
    const ing = await getIngested(srv.baseUrl, tenant);
    assert.deepEqual(totalsMatching(ing, { service_name: 'bad-inputs' }), { [CPU_ID]: 150n + 20_000_000n }, fmt(ing.series));
    await delay(0);
  });
});
