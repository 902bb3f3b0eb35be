// pprof (perftools.profiles.Profile / google.v1.Profile) payloads for ingest tests.
//
// buildProfile() makes a well-formed profile from stacks of frame names and returns it as a
// plain object that a test may then break on purpose (an out-of-range string index, a location
// id 0, ...); encodeProfile() writes any such object with the hand encoder of protowire.mjs,
// so nothing is "repaired" on the way (string_table[0] may be non-empty, strings may be invalid
// UTF-8 Buffers, ids may dangle). Field numbers are profile.proto's.
import zlib from 'node:zlib';

import { cat, fBytes, fMsg, fRepeatedVarint, fVarint } from './protowire.mjs';

const valueType = (field, vt) => (vt ? fMsg(field, [fVarint(1, vt.type), fVarint(2, vt.unit)]) : Buffer.alloc(0));

/**
 * Encodes a profile object:
 *   { sampleType: [{type, unit}], sample: [{locationId: [], value: [], label: [{key, str, num, numUnit}]}],
 *     mapping: [{id, memoryStart, memoryLimit, fileOffset, filename, buildId, hasFunctions}],
 *     location: [{id, mappingId, address, line: [{functionId, line}]}],
 *     function: [{id, name, systemName, filename, startLine}],
 *     stringTable: [string | Buffer], timeNanos, durationNanos, periodType: {type, unit}, period,
 *     defaultSampleType }
 * opts.packed (default true): pack repeated location_id / value.
 * opts.order: the top-level field groups in the order to write them (default profile.proto's).
 * opts.extra: bytes appended at the end of the message (unknown fields, garbage).
 */
export function encodeProfile(p, { packed = true, order, extra } = {}) {
  const groups = {
    sampleType: () => cat(...(p.sampleType ?? []).map((vt) => valueType(1, vt))),
    sample: () => cat(...(p.sample ?? []).map((s) => fMsg(2, [
      fRepeatedVarint(1, s.locationId ?? [], { packed }),
      fRepeatedVarint(2, s.value ?? [], { packed }),
      ...(s.label ?? []).map((l) => fMsg(3, [fVarint(1, l.key), fVarint(2, l.str), fVarint(3, l.num), fVarint(4, l.numUnit)])),
    ]))),
    mapping: () => cat(...(p.mapping ?? []).map((m) => fMsg(3, [
      fVarint(1, m.id), fVarint(2, m.memoryStart), fVarint(3, m.memoryLimit), fVarint(4, m.fileOffset),
      fVarint(5, m.filename), fVarint(6, m.buildId), fVarint(7, m.hasFunctions),
    ]))),
    location: () => cat(...(p.location ?? []).map((loc) => fMsg(4, [
      fVarint(1, loc.id), fVarint(2, loc.mappingId), fVarint(3, loc.address),
      ...(loc.line ?? []).map((ln) => fMsg(4, [fVarint(1, ln.functionId), fVarint(2, ln.line)])),
    ]))),
    function: () => cat(...(p.function ?? []).map((f) => fMsg(5, [
      fVarint(1, f.id), fVarint(2, f.name), fVarint(3, f.systemName), fVarint(4, f.filename), fVarint(5, f.startLine),
    ]))),
    // Strings are written even when empty: string_table[0] = "" must be present on the wire.
    stringTable: () => cat(...(p.stringTable ?? []).map((s) => fBytes(6, s))),
    scalars: () => cat(
      fVarint(9, p.timeNanos), fVarint(10, p.durationNanos), valueType(11, p.periodType),
      fVarint(12, p.period), fVarint(14, p.defaultSampleType),
    ),
  };
  const names = order ?? ['sampleType', 'sample', 'mapping', 'location', 'function', 'stringTable', 'scalars'];
  return cat(...names.map((n) => groups[n]()), extra ?? Buffer.alloc(0));
}

/**
 * A well-formed profile from stacks:
 *   buildProfile({ sampleTypes: [['cpu', 'nanoseconds']], periodType: ['cpu', 'nanoseconds'], period: 1e7,
 *                  timeNanos, durationNanos, stacks: [{ frames: ['main', 'work', 'leaf'], values: [10], labels: {k: 'v'} }] })
 * Frames are root first (as in folded text); each distinct frame gets one function and one
 * location (mapping 1, has_functions). timeNanos defaults to now.
 */
export function buildProfile({
  sampleTypes = [['cpu', 'nanoseconds']],
  periodType,
  period = 0,
  timeNanos = BigInt(Date.now()) * 1_000_000n,
  durationNanos = 0,
  stacks = [],
} = {}) {
  const strings = [''];
  const index = new Map([['', 0]]);
  const str = (s) => {
    if (!index.has(s)) { index.set(s, strings.length); strings.push(s); }
    return index.get(s);
  };
  const locations = [];
  const functions = [];
  const locOf = new Map();
  const loc = (name) => {
    if (!locOf.has(name)) {
      const id = locations.length + 1;
      functions.push({ id, name: str(name), systemName: str(name), filename: str('app.go') });
      locations.push({ id, mappingId: 1, address: 0, line: [{ functionId: id, line: id }] });
      locOf.set(name, id);
    }
    return locOf.get(name);
  };
  const p = {
    sampleType: sampleTypes.map(([t, u]) => ({ type: str(t), unit: str(u) })),
    sample: stacks.map((s) => ({
      locationId: [...s.frames].reverse().map(loc), // leaf first, as pprof stores it
      value: s.values,
      label: Object.entries(s.labels ?? {}).map(([k, v]) => ({ key: str(k), str: str(v) })),
    })),
    mapping: [{ id: 1, memoryStart: 0, memoryLimit: 0, fileOffset: 0, filename: str('app'), buildId: 0, hasFunctions: true }],
    location: locations,
    function: functions,
    stringTable: strings,
    timeNanos,
    durationNanos,
    periodType: periodType ? { type: str(periodType[0]), unit: str(periodType[1]) } : undefined,
    period,
  };
  p.str = str; // lets a test add strings later (not encoded: encodeProfile reads stringTable)
  return p;
}

/** Sum of each sample type over the stacks given to buildProfile, as bigints. */
export function stackTotals(stacks, nTypes) {
  const sums = Array.from({ length: nTypes }, () => 0n);
  for (const s of stacks) s.values.forEach((v, i) => { sums[i] += BigInt(v); });
  return sums;
}

/** The profile in gzip (what SDKs send). */
export const gzipProfile = (p, opts) => zlib.gzipSync(encodeProfile(p, opts));

/** A small valid CPU profile (one stack per entry of `counts`, values in nanoseconds). */
export function cpuProfile({ counts = [3, 5], period = 10_000_000, timeNanos } = {}) {
  const stacks = counts.map((c, i) => ({ frames: ['main', `work${i}`, `leaf${i}`], values: [c, c * period] }));
  const p = buildProfile({
    sampleTypes: [['samples', 'count'], ['cpu', 'nanoseconds']],
    periodType: ['cpu', 'nanoseconds'],
    period,
    timeNanos,
    stacks,
  });
  return { profile: p, totals: stackTotals(stacks, 2) };
}
