// Helpers for the ingest tests: sending /ingest and Push requests, reading back what the server
// accepted (GET /debug/ingested, exact int64 totals) and its discard counters (/metrics).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';

import { connectUnary, describe as describeRes, httpRequest } from './http.mjs';
import { sampleValue } from './metrics.mjs';
import { cat, fBytes, fMsg } from './protowire.mjs';

const tenantHeader = (tenant) => (tenant === undefined ? {} : { 'X-Scope-OrgID': tenant });

/**
 * POST /ingest?<params> (params: object or URLSearchParams, sent in insertion order; a string
 * is sent verbatim, so tests can put bytes such as %FF on the wire).
 * opts: contentType, tenant, headers, path ('/ingest' or '/pyroscope/ingest'), timeoutMs.
 */
export function ingest(baseUrl, params, body, { contentType, tenant, headers = {}, path = '/ingest', timeoutMs } = {}) {
  const qs = typeof params === 'string' ? params : new URLSearchParams(params).toString();
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body ?? '', 'utf8');
  return httpRequest(baseUrl, `${path}?${qs}`, {
    method: 'POST',
    headers: {
      ...(contentType ? { 'Content-Type': contentType } : {}),
      'Content-Length': String(buf.length),
      ...tenantHeader(tenant),
      ...headers,
    },
    body: buf,
    timeoutMs,
  });
}

/**
 * series: [{ labels: {name: value} | [[name, value], ...] (values may be Buffers: raw bytes),
 *            samples: [{ rawProfile: Buffer, id?: string }] }]
 * Returns the binary push.v1.PushRequest.
 */
export function encodePushRequest(series) {
  return cat(...series.map((s) => {
    const labels = Array.isArray(s.labels) ? s.labels : Object.entries(s.labels ?? {});
    return fMsg(1, [
      ...labels.map(([n, v]) => fMsg(1, [fBytes(1, n), fBytes(2, v)])),
      ...(s.samples ?? []).map((smp) => fMsg(2, [fBytes(1, smp.rawProfile ?? Buffer.alloc(0)), ...(smp.id ? [fBytes(2, smp.id)] : [])])),
    ]);
  }));
}

/** The same request in Connect's JSON form (protojson names: rawProfile base64, ID). */
export function pushRequestJson(series) {
  return JSON.stringify({
    series: series.map((s) => ({
      labels: (Array.isArray(s.labels) ? s.labels : Object.entries(s.labels ?? {})).map(([name, value]) => ({ name, value })),
      samples: (s.samples ?? []).map((smp) => ({ rawProfile: Buffer.from(smp.rawProfile).toString('base64'), ...(smp.id ? { ID: smp.id } : {}) })),
    })),
  });
}

/**
 * Connect unary POST /push.v1.PusherService/Push.
 * body: series array (encoded here) or a Buffer/string sent as is.
 * opts: json (application/json), gzip (Content-Encoding: gzip), tenant, contentType, headers.
 */
export function push(baseUrl, body, { json = false, gzip = false, tenant, contentType, headers = {}, timeoutMs } = {}) {
  let bytes;
  if (Array.isArray(body)) bytes = json ? Buffer.from(pushRequestJson(body)) : encodePushRequest(body);
  else bytes = Buffer.isBuffer(body) ? body : Buffer.from(body ?? '', 'utf8');
  if (gzip) bytes = zlib.gzipSync(bytes);
  return connectUnary(baseUrl, '/push.v1.PusherService/Push', bytes, {
    contentType: contentType ?? (json ? 'application/json' : 'application/proto'),
    headers: { 'Connect-Protocol-Version': '1', ...(gzip ? { 'Content-Encoding': 'gzip' } : {}), ...tenantHeader(tenant), ...headers },
    timeoutMs,
  });
}

/**
 * multipart/form-data body. parts: [{ name, filename?, contentType?, body }]; parts without a
 * filename are plain form fields. Returns { body, contentType }.
 */
export function multipart(parts, boundary = `----flamedb${randomBytes(8).toString('hex')}`) {
  const chunks = [];
  for (const p of parts) {
    const disp = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    const head = `--${boundary}\r\nContent-Disposition: ${disp}\r\n${p.contentType ? `Content-Type: ${p.contentType}\r\n` : ''}\r\n`;
    chunks.push(Buffer.from(head), Buffer.isBuffer(p.body) ? p.body : Buffer.from(p.body ?? ''), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * JSON.parse that keeps every integer of 16+ digits exact as a BigInt (profile totals are int64).
 * Totals are returned as BigInt whatever their size.
 */
export function parseIngested(text) {
  const quoted = text.replace(/:(-?\d{16,})(?=[,}\]])/g, ':"$1"');
  const doc = JSON.parse(quoted);
  for (const s of doc.series ?? []) {
    for (const k of Object.keys(s.totals ?? {})) s.totals[k] = BigInt(s.totals[k]);
  }
  return doc;
}

/** GET /debug/ingested for a tenant: { series: [{labels, profiles, totals: {id: BigInt}}], untracked_profiles }. */
export async function getIngested(baseUrl, tenant) {
  const res = await httpRequest(baseUrl, '/debug/ingested', { headers: tenantHeader(tenant) });
  assert.equal(res.status, 200, `GET /debug/ingested (tenant ${tenant}) should be 200; got ${describeRes(res)}`);
  return parseIngested(res.text);
}

/** The series whose labels include every pair of `match`. */
export function seriesMatching(ingested, match = {}) {
  return ingested.series.filter((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** Sums totals per profile type id over the series that match: { id: BigInt }. */
export function totalsMatching(ingested, match = {}) {
  const out = {};
  for (const s of seriesMatching(ingested, match)) {
    for (const [id, v] of Object.entries(s.totals)) out[id] = (out[id] ?? 0n) + v;
  }
  return out;
}

/** Profiles accepted into the series that match. */
export const profilesMatching = (ingested, match = {}) =>
  seriesMatching(ingested, match).reduce((n, s) => n + s.profiles, 0);

/** The /metrics text. */
export async function metricsText(baseUrl) {
  const res = await httpRequest(baseUrl, '/metrics');
  assert.equal(res.status, 200, `GET /metrics should be 200; got ${describeRes(res)}`);
  return res.text;
}

/** { profiles, bytes } of pyroscope_discarded_{samples,bytes}_total{reason,tenant} (0 when absent). */
export async function discarded(baseUrl, reason, tenant, text) {
  const t = text ?? (await metricsText(baseUrl));
  return {
    profiles: sampleValue(t, 'pyroscope_discarded_samples_total', { reason, tenant }) ?? 0,
    bytes: sampleValue(t, 'pyroscope_discarded_bytes_total', { reason, tenant }) ?? 0,
  };
}

/** Every pyroscope_discarded_samples_total series of one tenant: { reason: count }. */
export async function discardedByReason(baseUrl, tenant, text) {
  const { samples } = await import('./metrics.mjs');
  const t = text ?? (await metricsText(baseUrl));
  const out = {};
  for (const s of samples(t, 'pyroscope_discarded_samples_total')) {
    if (s.labels.tenant === tenant && s.value > 0) out[s.labels.reason] = s.value;
  }
  return out;
}

/**
 * Asserts a Connect-style JSON error: the status, {"code": code, "message": ...} and that the
 * message contains every fragment (string or RegExp). Returns the message.
 */
export function assertError(res, status, code, fragments, what) {
  assert.equal(res.status, status, `${what}: expected HTTP ${status}; got ${describeRes(res)}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json\b/, `${what}: the error body should be JSON; got ${describeRes(res)}`);
  const body = res.json();
  if (code) assert.equal(body.code, code, `${what}: code should be ${JSON.stringify(code)}; got ${res.text}`);
  assert.equal(typeof body.message, 'string', `${what}: the error should carry a message; got ${res.text}`);
  for (const f of [].concat(fragments ?? [])) {
    if (f instanceof RegExp) assert.match(body.message, f, `${what}: message should match ${f}; got ${JSON.stringify(body.message)}`);
    else assert.ok(body.message.includes(f), `${what}: message should contain ${JSON.stringify(f)}; got ${JSON.stringify(body.message)}`);
  }
  return body.message;
}

/** Asserts a successful ingest: 200 and an empty body (/ingest) or an empty message (Push). */
export function assertAccepted(res, what) {
  assert.equal(res.status, 200, `${what}: expected 200; got ${describeRes(res)}`);
  const text = res.text.trim();
  assert.ok(text === '' || text === '{}', `${what}: a success should have an empty body (or {} on Push); got ${JSON.stringify(text.slice(0, 200))}`);
}

/** A fresh tenant id per call: tenant-scoped counters and series start at zero. */
let tenantSeq = 0;
export function uniqueTenant(prefix = 't') {
  tenantSeq += 1;
  return `${prefix}-${process.pid}-${tenantSeq}`;
}

/** Folded text helpers: the sum of counts in a folded body. */
export function foldedSum(text) {
  let sum = 0n;
  for (const line of text.split('\n')) {
    const t = line.replace(/\r$/, '');
    if (!t.trim()) continue;
    const i = t.lastIndexOf(' ');
    sum += BigInt(t.slice(i + 1));
  }
  return sum;
}
