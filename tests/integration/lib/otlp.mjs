// OTLP profiles (opentelemetry-proto v1.10.0) requests for the ingest tests: a builder that
// fills one request-wide dictionary, the protobuf encoding (protobufjs loading our proto/ files)
// and the OTLP/JSON encoding, and the result a Pyroscope-compatible server must store for a
// request, computed from the request itself.
//
// A request is a plain object in protobufjs' camelCase field names (see encodeRequest). Every
// 64-bit integer field holds a BigInt, every bytes field a Uint8Array/Buffer, everything else a
// JS number, string or boolean; the encoders check this against the schema and throw on any
// field the schema does not have, so a typo cannot silently drop data.
import path from 'node:path';
import zlib from 'node:zlib';

import protobuf from 'protobufjs';

import { protoDir } from './paths.mjs';

export const OTLP_HTTP_PATH = '/v1development/profiles';
export const OTLP_EXPORT_PATH = '/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export';
export const OTLP_SERVICE_PROTO = 'opentelemetry/proto/collector/profiles/v1development/profiles_service.proto';
const COLLECTOR_PKG = 'opentelemetry.proto.collector.profiles.v1development';
export const REQUEST_TYPE = `${COLLECTOR_PKG}.ExportProfilesServiceRequest`;
export const RESPONSE_TYPE = `${COLLECTOR_PKG}.ExportProfilesServiceResponse`;

// ---------------------------------------------------------------------------------------------
// Schema and encoders

let root;

/** The protobufjs Root of our OTLP protos (loaded once, imports resolved under protoDir). */
export function otlpRoot() {
  if (!root) {
    const r = new protobuf.Root();
    r.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(protoDir, target));
    r.loadSync(OTLP_SERVICE_PROTO, { keepCase: false });
    r.resolveAll();
    root = r;
  }
  return root;
}

const INT64_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
// OTLP/JSON writes these ids as hex, not base64 (the OTLP spec for trace/span ids; the
// collector does the same for profile ids).
const HEX_BYTES_FIELDS = new Set(['traceId', 'spanId', 'profileId']);

const isBytes = (v) => v instanceof Uint8Array;

/**
 * Walks `obj` as a message of `type`, checking every field, and returns a copy converted for
 * `mode`: 'json' (OTLP/JSON: int64 as strings, trace/span/profile ids as hex, other bytes as
 * base64) or 'pbjs' (what protobufjs' fromObject takes: int64 as strings, bytes as is).
 */
function convert(type, obj, mode, where) {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || isBytes(obj)) {
    throw new TypeError(`${where}: expected a ${type.fullName} object, got ${describeValue(obj)}`);
  }
  const out = {};
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    const field = type.fields[key];
    if (!field) throw new TypeError(`${where}: ${type.fullName} has no field "${key}"`);
    field.resolve();
    const one = (v, at) => {
      if (field.resolvedType instanceof protobuf.Type) return convert(field.resolvedType, v, mode, at);
      if (field.resolvedType) throw new TypeError(`${at}: enums are not used by these messages`);
      if (INT64_TYPES.has(field.type)) {
        if (typeof v !== 'bigint') throw new TypeError(`${at}: ${field.type} must be a BigInt, got ${describeValue(v)}`);
        return v.toString();
      }
      if (field.type === 'bytes') {
        if (!isBytes(v)) throw new TypeError(`${at}: bytes must be a Uint8Array, got ${describeValue(v)}`);
        if (mode === 'pbjs') return v;
        const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
        return HEX_BYTES_FIELDS.has(field.name) ? b.toString('hex') : b.toString('base64');
      }
      if (field.type === 'string') {
        if (typeof v !== 'string') throw new TypeError(`${at}: string expected, got ${describeValue(v)}`);
        return v;
      }
      if (field.type === 'bool') {
        if (typeof v !== 'boolean') throw new TypeError(`${at}: boolean expected, got ${describeValue(v)}`);
        return v;
      }
      if (typeof v !== 'number') throw new TypeError(`${at}: ${field.type} must be a number, got ${describeValue(v)}`);
      if (field.type !== 'double' && field.type !== 'float' && !Number.isInteger(v)) {
        throw new TypeError(`${at}: ${field.type} must be an integer, got ${v}`);
      }
      return v;
    };
    const at = `${where}.${key}`;
    if (field.map) throw new TypeError(`${at}: map fields are not used by these messages`);
    if (field.repeated) {
      if (!Array.isArray(value)) throw new TypeError(`${at}: repeated field needs an array`);
      out[field.name] = value.map((v, i) => one(v, `${at}[${i}]`));
    } else {
      out[field.name] = one(value, at);
    }
  }
  return out;
}

function describeValue(v) {
  if (v === null) return 'null';
  if (isBytes(v)) return `bytes(${v.length})`;
  if (Array.isArray(v)) return 'an array';
  return `${typeof v} ${String(v).slice(0, 40)}`;
}

/** The request (or any message of `typeName`) as protobuf bytes. */
export function encodeRequest(req, typeName = REQUEST_TYPE) {
  const T = otlpRoot().lookupType(typeName);
  const msg = T.fromObject(convert(T, req, 'pbjs', T.name));
  return Buffer.from(T.encode(msg).finish());
}

/** The request (or any message of `typeName`) as an OTLP/JSON object (JSON.stringify it to send). */
export function requestJson(req, typeName = REQUEST_TYPE) {
  const T = otlpRoot().lookupType(typeName);
  return convert(T, req, 'json', T.name);
}

/** The request as OTLP/JSON text. */
export const encodeRequestJson = (req, typeName = REQUEST_TYPE) => Buffer.from(JSON.stringify(requestJson(req, typeName)));

/**
 * Decodes protobuf bytes of `typeName` (default ExportProfilesServiceResponse) into a plain
 * object: int64 as decimal strings, bytes as Buffers, absent fields absent.
 */
export function decodeMessage(bytes, typeName = RESPONSE_TYPE) {
  const T = otlpRoot().lookupType(typeName);
  return T.toObject(T.decode(bytes), { longs: String, bytes: Buffer });
}

/**
 * The body and headers to POST a request: codec 'proto' or 'json', contentType (default
 * application/x-protobuf or application/json), gzip (adds Content-Encoding: gzip).
 */
export function exportBody(req, { codec = 'proto', contentType, gzip = false } = {}) {
  let body = codec === 'json' ? encodeRequestJson(req) : encodeRequest(req);
  if (gzip) body = zlib.gzipSync(body);
  return {
    body,
    headers: {
      'Content-Type': contentType ?? (codec === 'json' ? 'application/json' : 'application/x-protobuf'),
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Building requests

/** An AnyValue for a JS value: string, BigInt (int), boolean, number (double), array, bytes. */
export function anyValue(v) {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'bigint') return { intValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return { doubleValue: v };
  if (isBytes(v)) return { bytesValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  throw new TypeError(`no AnyValue for ${describeValue(v)}`);
}

/** KeyValue list from {key: value} (insertion order kept). */
export const keyValues = (attrs = {}) => Object.entries(attrs).map(([key, value]) => ({ key, value: anyValue(value) }));

const hexBytes = (hex) => Buffer.from(hex, 'hex');

/**
 * Fills the dictionary of one request. Every table starts with its empty entry 0. Frames are
 * given root first, as in folded text:
 *   'name'                         one function on the default mapping
 *   { fn: 'name', mapping: 'm' }   on another mapping
 *   { inline: ['outer', 'inner'], mapping? }   one location whose lines are `inner` inlined
 *                                  into `outer` (the location's last line is the caller)
 */
export class OtlpBuilder {
  constructor() {
    this.dictionary = {
      mappingTable: [{}],
      locationTable: [{}],
      functionTable: [{}],
      linkTable: [{}],
      stringTable: [''],
      attributeTable: [{}],
      stackTable: [{}],
    };
    this.resourceProfiles = [];
    this.index = { str: new Map([['', 0]]), attr: new Map(), fn: new Map(), loc: new Map(), stack: new Map(), link: new Map(), mapping: new Map() };
    this.defaultMapping = null;
  }

  str(s) {
    const m = this.index.str;
    if (!m.has(s)) { m.set(s, this.dictionary.stringTable.length); this.dictionary.stringTable.push(s); }
    return m.get(s);
  }

  /** attribute_table index of key=value (value as for anyValue), with an optional unit. */
  attr(key, value, unit) {
    const k = JSON.stringify([key, typeof value === 'bigint' ? `${value}n` : value, unit ?? '']);
    const m = this.index.attr;
    if (!m.has(k)) {
      m.set(k, this.dictionary.attributeTable.length);
      this.dictionary.attributeTable.push({ keyStrindex: this.str(key), value: anyValue(value), ...(unit ? { unitStrindex: this.str(unit) } : {}) });
    }
    return m.get(k);
  }

  attrs(obj = {}) {
    return Object.entries(obj).map(([k, v]) => this.attr(k, v));
  }

  /** Adds a mapping called `name` (the first one added is the default for frames). */
  mapping(name, { filename, buildId, memoryStart = 0n, memoryLimit = 0n, fileOffset = 0n, attributes = {} }) {
    const attributeIndices = [
      ...(buildId ? [this.attr('process.executable.build_id.gnu', buildId)] : []),
      ...this.attrs(attributes),
    ];
    this.index.mapping.set(name, this.dictionary.mappingTable.length);
    this.dictionary.mappingTable.push({ memoryStart, memoryLimit, fileOffset, filenameStrindex: this.str(filename), attributeIndices });
    this.defaultMapping ??= name;
    return this.index.mapping.get(name);
  }

  fn(name, filename = '') {
    const k = `${name}\0${filename}`;
    const m = this.index.fn;
    if (!m.has(k)) {
      const i = this.dictionary.functionTable.length;
      m.set(k, i);
      this.dictionary.functionTable.push({
        nameStrindex: this.str(name), systemNameStrindex: this.str(name), filenameStrindex: this.str(filename), startLine: BigInt(10 * i),
      });
    }
    return m.get(k);
  }

  /** location_table index of one frame spec (see the class comment). */
  location(frame) {
    const spec = typeof frame === 'string' ? { fn: frame } : frame;
    const mappingName = spec.mapping ?? this.defaultMapping;
    const mappingIndex = mappingName ? this.index.mapping.get(mappingName) : 0;
    if (mappingIndex === undefined) throw new Error(`unknown mapping ${mappingName}`);
    const names = spec.inline ?? [spec.fn];  // root first
    const k = JSON.stringify([mappingIndex, names]);
    const m = this.index.loc;
    if (!m.has(k)) {
      const i = this.dictionary.locationTable.length;
      const mapping = this.dictionary.mappingTable[mappingIndex];
      const filename = mappingName && mappingName !== this.defaultMapping ? '' : 'src/app.c';
      m.set(k, i);
      this.dictionary.locationTable.push({
        mappingIndex,
        address: (mapping.memoryStart ?? 0n) + 0x1000n + BigInt(i) * 0x10n,
        // Leaf first: the inlined callee, then its caller.
        lines: [...names].reverse().map((n, j) => {
          const functionIndex = this.fn(n, filename);
          return { functionIndex, line: BigInt(100 + functionIndex), ...(j === 0 ? { column: BigInt(4 + i) } : {}) };
        }),
      });
    }
    return m.get(k);
  }

  /** stack_table index of frames given root first (stored leaf first). */
  stack(frames) {
    const locationIndices = frames.map((f) => this.location(f)).reverse();
    const k = locationIndices.join(',');
    const m = this.index.stack;
    if (!m.has(k)) { m.set(k, this.dictionary.stackTable.length); this.dictionary.stackTable.push({ locationIndices }); }
    return m.get(k);
  }

  /** link_table index of a (trace id, span id) pair given in hex. */
  link(traceIdHex, spanIdHex) {
    const k = `${traceIdHex}/${spanIdHex}`;
    const m = this.index.link;
    if (!m.has(k)) { m.set(k, this.dictionary.linkTable.length); this.dictionary.linkTable.push({ traceId: hexBytes(traceIdHex), spanId: hexBytes(spanIdHex) }); }
    return m.get(k);
  }

  /**
   * A Profile message:
   *   { sampleType: [type, unit], periodType?: [type, unit], period?: BigInt, timeUnixNano?,
   *     durationNano?, profileIdHex?, attributes?: {k: v}, originalPayloadFormat?, originalPayload?,
   *     samples: [{ stack: frames, values?: [BigInt], timestamps?: [BigInt], attributes?: {k: v},
   *                 link?: [traceIdHex, spanIdHex] }] }
   */
  profile(spec) {
    const p = {
      sampleType: { typeStrindex: this.str(spec.sampleType[0]), unitStrindex: this.str(spec.sampleType[1]) },
      samples: spec.samples.map((s) => ({
        stackIndex: this.stack(s.stack),
        ...(s.attributes ? { attributeIndices: this.attrs(s.attributes) } : {}),
        ...(s.link ? { linkIndex: this.link(...s.link) } : {}),
        ...(s.values ? { values: s.values } : {}),
        ...(s.timestamps ? { timestampsUnixNano: s.timestamps } : {}),
      })),
      timeUnixNano: spec.timeUnixNano ?? 0n,
      durationNano: spec.durationNano ?? 0n,
      ...(spec.periodType ? { periodType: { typeStrindex: this.str(spec.periodType[0]), unitStrindex: this.str(spec.periodType[1]) } } : {}),
      period: spec.period ?? 0n,
      ...(spec.profileIdHex ? { profileId: hexBytes(spec.profileIdHex) } : {}),
      droppedAttributesCount: 0,
      ...(spec.originalPayloadFormat ? { originalPayloadFormat: spec.originalPayloadFormat, originalPayload: spec.originalPayload } : {}),
      ...(spec.attributes ? { attributeIndices: this.attrs(spec.attributes) } : {}),
    };
    return p;
  }

  /**
   * Adds a ResourceProfiles: resource { attributes: {k: v}, schemaUrl? } and scopes
   * [{ name?, version?, attributes?, schemaUrl?, noScope?, profiles: [profile spec] }].
   */
  resource({ attributes = {}, schemaUrl } = {}, scopes = []) {
    this.resourceProfiles.push({
      resource: { attributes: keyValues(attributes), droppedAttributesCount: 0 },
      scopeProfiles: scopes.map((sc) => ({
        ...(sc.noScope ? {} : { scope: { name: sc.name ?? '', version: sc.version ?? '', attributes: keyValues(sc.attributes), droppedAttributesCount: 0 } }),
        profiles: sc.profiles.map((p) => this.profile(p)),
        ...(sc.schemaUrl ? { schemaUrl: sc.schemaUrl } : {}),
      })),
      ...(schemaUrl ? { schemaUrl } : {}),
    });
    return this;
  }

  /** The ExportProfilesServiceRequest. */
  build() {
    return { resourceProfiles: this.resourceProfiles, dictionary: this.dictionary };
  }
}

export const SPAN_A = ['5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b174'];
export const SPAN_B = ['5b8efff798038103d269b633813fc60c', '00f067aa0ba902b7'];
export const SPAN_C = ['0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331'];

/** Adds the two mappings every sample request uses: 'app' (the default) and 'libc'. */
function addMappings(b) {
  b.mapping('app', { filename: '/usr/bin/otlp-demo', buildId: 'b1d0c0ffee0123456789abcdef012345', memoryStart: 0x400000n, memoryLimit: 0x4a0000n });
  b.mapping('libc', {
    filename: '/usr/lib/x86_64-linux-gnu/libc.so.6', buildId: '7e2a7f6c5b4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f',
    memoryStart: 0x7f0000000000n, memoryLimit: 0x7f0000200000n, fileOffset: 0x28000n,
  });
}

/**
 * The request most tests send: four resources, one request-wide dictionary.
 *  - otlp-api (resource service.name; host.name, deployment.environment.name, an int
 *    process.pid; scope attributes, one repeating host.name): a samples:count profile with
 *    period type cpu:nanoseconds (→ process_cpu, × period) whose samples carry thread.name
 *    attributes, links to two spans, an inlined frame, a libc frame and a timestamps-only
 *    sample; and a cpu:nanoseconds profile (→ __name__ "cpu") with a link.
 *  - otlp-worker: a samples:count profile with period type wall:nanoseconds (→ "wall", values
 *    as sent) and, in a second scope without attributes, an off_cpu:nanoseconds profile with no
 *    period (→ "off_cpu").
 *  - no service.name but process.executable.name=batchjob: samples with a service.name
 *    attribute (otlp-sampled) and without (unknown_service:batchjob); time 0 (→ now).
 *  - only host.name and no scope message: unknown_service.
 * `nowMs` fixes the profile times (30 s and 20 s before it).
 */
export function sampleRequest({ nowMs = Date.now() } = {}) {
  const b = new OtlpBuilder();
  addMappings(b);
  const ns = (ms) => BigInt(ms) * 1_000_000n;
  const t1 = ns(nowMs - 30_000);
  const t2 = ns(nowMs - 20_000);
  const ten = 10_000_000_000n;
  b.resource({
    attributes: { 'service.name': 'otlp-api', 'host.name': 'node-1', 'deployment.environment.name': 'prod', 'process.pid': 4242n },
    schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
  }, [{
    name: 'go.opentelemetry.io/ebpf-profiler', version: 'v0.0.1', attributes: { 'profiler.mode': 'sampling', 'host.name': 'scope-host' },
    profiles: [
      {
        sampleType: ['samples', 'count'], periodType: ['cpu', 'nanoseconds'], period: 10_000_000n,
        timeUnixNano: t1, durationNano: ten, profileIdHex: '0102030405060708090a0b0c0d0e0f10',
        attributes: { 'profile.note': 'flamedb integration test' },
        originalPayloadFormat: 'none', originalPayload: Buffer.from('not kept'),
        samples: [
          { stack: ['main', 'serve', 'handle', 'parse'], values: [3n], attributes: { 'thread.name': 'worker-1' }, link: SPAN_A },
          { stack: ['main', 'serve', 'handle', { inline: ['encode', 'writeByte'] }], values: [2n], attributes: { 'thread.name': 'worker-1' }, link: SPAN_B },
          { stack: ['main', 'serve', { fn: 'memcpy', mapping: 'libc' }], values: [5n], attributes: { 'thread.name': 'worker-2' } },
          { stack: ['main', 'gc'], timestamps: [t1 + 1n, t1 + 2n, t1 + 3n, t1 + 4n] },
          { stack: ['main', 'serve', 'handle', 'parse'], values: [1n], attributes: { 'thread.name': 'worker-2' }, link: SPAN_A },
        ],
      },
      {
        sampleType: ['cpu', 'nanoseconds'], periodType: ['cpu', 'nanoseconds'], period: 1_000_000n, timeUnixNano: t2, durationNano: ten,
        samples: [
          { stack: ['main', 'serve', 'handle', 'db.query'], values: [7_000_000n], link: SPAN_A },
          // Values win over timestamps when both are present.
          { stack: ['main', 'serve', 'handle'], values: [2_000_000n], timestamps: [t2 + 5n] },
        ],
      },
    ],
  }]);
  b.resource({ attributes: { 'service.name': 'otlp-worker', 'k8s.pod.name': 'worker-7d9f' } }, [
    {
      name: 'jvm-profiler', version: '1.0',
      profiles: [{
        sampleType: ['samples', 'count'], periodType: ['wall', 'nanoseconds'], period: 10_000_000n, timeUnixNano: t1, durationNano: ten,
        samples: [
          { stack: ['Thread.run', 'Worker.loop', 'Queue.take'], values: [6n] },
          { stack: ['Thread.run', 'Worker.loop', 'Job.exec'], values: [9n], link: SPAN_C },
        ],
      }],
    },
    {
      name: 'offcpu', schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
      profiles: [{
        sampleType: ['off_cpu', 'nanoseconds'], timeUnixNano: t2, durationNano: ten,
        samples: [
          { stack: ['Thread.run', 'Worker.loop', 'Queue.take', { fn: 'futex_wait', mapping: 'libc' }], values: [1_500_000n] },
          { stack: ['Thread.run', 'Worker.loop', 'Job.exec', { fn: 'read', mapping: 'libc' }], values: [250_000n] },
        ],
      }],
    },
  ]);
  b.resource({ attributes: { 'process.executable.name': 'batchjob', 'host.name': 'node-3' } }, [{
    name: 'sampler', attributes: { 'profiler.mode': 'sampling' },
    profiles: [{
      sampleType: ['samples', 'count'], periodType: ['cpu', 'nanoseconds'], period: 5_000_000n,
      samples: [
        { stack: ['main', 'run', 'crunch'], values: [2n], attributes: { 'service.name': 'otlp-sampled' } },
        { stack: ['main', 'run', 'io'], values: [3n], attributes: { 'service.name': 'otlp-sampled', 'thread.name': 'io-1' } },
        { stack: ['main', 'run', 'crunch'], values: [4n] },
      ],
    }],
  }]);
  b.resource({ attributes: { 'host.name': 'node-4' } }, [{
    noScope: true,
    profiles: [{
      sampleType: ['cpu', 'nanoseconds'], periodType: ['cpu', 'nanoseconds'], period: 1_000_000n, timeUnixNano: t2, durationNano: ten,
      samples: [{ stack: ['start', 'loop'], values: [3_000_000n] }],
    }],
  }]);
  return b.build();
}

/**
 * A request with one resource (service.name = `service`) and one samples:count / cpu profile
 * of two stacks, plus the builder (to add broken entries to the same dictionary).
 */
export function smallRequest({ service = 'otlp-small', nowMs = Date.now() } = {}) {
  const b = new OtlpBuilder();
  addMappings(b);
  b.resource({ attributes: { 'service.name': service } }, [{
    name: 'small',
    profiles: [smallProfileSpec(nowMs)],
  }]);
  return { req: b.build(), builder: b };
}

export function smallProfileSpec(nowMs = Date.now()) {
  return {
    sampleType: ['samples', 'count'], periodType: ['cpu', 'nanoseconds'], period: 10_000_000n,
    timeUnixNano: BigInt(nowMs - 10_000) * 1_000_000n, durationNano: 10_000_000_000n,
    samples: [
      { stack: ['main', 'small', 'a'], values: [2n] },
      { stack: ['main', 'small', 'b'], values: [5n], link: SPAN_A },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// What a Pyroscope-compatible server stores for a request

const SERVICE_NAME = 'service.name';

/** Pyroscope's string form of an attribute value: strings and ints (or a one-element array of one); else ''. */
function attrString(v) {
  if (!v) return '';
  const single = (x) => {
    if (!x) return '';
    if (typeof x.stringValue === 'string') return x.stringValue;
    if (typeof x.intValue === 'bigint') return x.intValue.toString();
    return '';
  };
  const s = single(v);
  if (s !== '') return s;
  if (v.arrayValue?.values?.length === 1) return single(v.arrayValue.values[0]);
  return '';
}

/** Label names: dots become underscores. */
export const sanitizeLabelName = (n) => n.replaceAll('.', '_');

function hex(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Stable key of a label set. */
export const labelsKey = (labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

const addTo = (map, key, v) => map.set(key, (map.get(key) ?? 0n) + v);

/**
 * The profile type id and value multiplier of an OTLP profile under Pyroscope's rules:
 * samples:count with period type cpu:nanoseconds → process_cpu:cpu:nanoseconds:cpu:nanoseconds
 * with values × period; off_cpu:nanoseconds without period → off_cpu; otherwise __name__ is
 * the period type. (The period type decides only when the period is non-zero.)
 */
export function profileTypeOf(profile, strings) {
  const s = (i) => strings[i ?? 0];
  const sampleType = [s(profile.sampleType.typeStrindex), s(profile.sampleType.unitStrindex)];
  const period = profile.period ?? 0n;
  const stored = profile.periodType ? [s(profile.periodType.typeStrindex), s(profile.periodType.unitStrindex)] : ['', ''];
  const decides = period !== 0n ? stored : ['', ''];
  const key = [...sampleType, ...decides].join(':');
  let name;
  let type = sampleType;
  let multiplier = 1n;
  if (key === 'samples:count:cpu:nanoseconds') {
    name = 'process_cpu';
    type = ['cpu', 'nanoseconds'];
    multiplier = period;
  } else if (key === 'off_cpu:nanoseconds::') {
    name = 'off_cpu';
  } else {
    name = decides[0];
  }
  return { name, id: `${name}:${type[0]}:${type[1]}:${stored[0]}:${stored[1]}`, multiplier };
}

/**
 * Everything the server must store for `req` (all profiles valid), computed from the request:
 *  - byServiceType: Map "service\ttypeId" → { service, typeId, total, folded: Map "a;b;c" → value,
 *    labelNames: Set (series label names of that service and type), mappings: Set (mapping_table
 *    indices its stacks use) }
 *  - series: Map labelsKey → { labels, totals: { typeId: BigInt } } (the series after the split
 *    by sample labels; span_id/trace_id stay with the samples)
 *  - spans: Map "typeId\tspanHex" → { typeId, spanId, traceId, total, folded } over all services
 *  - traces: Map "typeId\ttraceHex" → { typeId, traceId, total, folded } over all services
 *  - services: sorted service names; types: sorted type ids
 */
export function expectedFromRequest(req) {
  const d = req.dictionary;
  const strings = d.stringTable;
  const byServiceType = new Map();
  const series = new Map();
  const spans = new Map();
  const traces = new Map();
  for (const rp of req.resourceProfiles ?? []) {
    const resAttrs = rp.resource?.attributes ?? [];
    let resService = '';
    let fallback = 'unknown_service';
    for (const kv of resAttrs) {
      if (kv.key === SERVICE_NAME && attrString(kv.value) !== '' && resService === '') resService = attrString(kv.value);
      if (kv.key === 'process.executable.name' && attrString(kv.value) !== '') fallback += `:${attrString(kv.value)}`;
    }
    if (resService === '') resService = fallback;
    for (const sp of rp.scopeProfiles ?? []) {
      // Resource then scope attributes; the first of a key wins; only non-empty values.
      const base = [];
      const seen = new Set(['__name__']);
      for (const kv of [...resAttrs, ...(sp.scope?.attributes ?? [])]) {
        const v = attrString(kv.value);
        if (seen.has(kv.key) || v === '') continue;
        seen.add(kv.key);
        base.push([kv.key, v]);
      }
      for (const p of sp.profiles ?? []) {
        const type = profileTypeOf(p, strings);
        for (const smp of p.samples ?? []) {
          const attrs = (smp.attributeIndices ?? []).map((i) => d.attributeTable[i]);
          const svcAttr = attrs.find((a) => strings[a.keyStrindex] === SERVICE_NAME);
          const service = (svcAttr && attrString(svcAttr.value)) || resService;
          const raw = smp.values?.length ? smp.values[0] : BigInt(smp.timestampsUnixNano?.length ?? 0);
          const value = raw * type.multiplier;
          // Series labels: __otel__, __name__, resource/scope attributes, service_name, then
          // the sample's attributes (except service.name) where the name is still free.
          const labels = {};
          const put = (k, v, { overwrite = false } = {}) => {
            const name = sanitizeLabelName(k);
            if (name in labels && labels[name] !== v && !overwrite) {
              throw new Error(`test request bug: label ${name} would be both ${labels[name]} and ${v}`);
            }
            labels[name] = v;
          };
          put('__otel__', 'true');
          put('__name__', type.name);
          for (const [k, v] of base) put(k, v);
          put('service_name', service);
          for (const a of attrs) {
            const k = strings[a.keyStrindex];
            const v = attrString(a.value);
            if (k === SERVICE_NAME || v === '' || sanitizeLabelName(k) in labels) continue;
            put(k, v);
          }
          const frames = [];
          for (const li of d.stackTable[smp.stackIndex ?? 0].locationIndices ?? []) {
            for (const line of d.locationTable[li].lines ?? []) frames.push(strings[d.functionTable[line.functionIndex ?? 0].nameStrindex ?? 0]);
          }
          const stack = frames.reverse().join(';');

          const stKey = `${service}\t${type.id}`;
          if (!byServiceType.has(stKey)) {
            byServiceType.set(stKey, { service, typeId: type.id, total: 0n, folded: new Map(), labelNames: new Set(), mappings: new Set() });
          }
          const st = byServiceType.get(stKey);
          st.total += value;
          addTo(st.folded, stack, value);
          for (const k of Object.keys(labels)) st.labelNames.add(k);
          for (const li of d.stackTable[smp.stackIndex ?? 0].locationIndices ?? []) st.mappings.add(d.locationTable[li].mappingIndex ?? 0);

          const lk = labelsKey(labels);
          if (!series.has(lk)) series.set(lk, { labels, totals: {} });
          const se = series.get(lk);
          se.totals[type.id] = (se.totals[type.id] ?? 0n) + value;

          if (smp.linkIndex) {
            const spanId = hex(d.linkTable[smp.linkIndex].spanId);
            const traceId = hex(d.linkTable[smp.linkIndex].traceId);
            const spKey = `${type.id}\t${spanId}`;
            if (!spans.has(spKey)) spans.set(spKey, { typeId: type.id, spanId, traceId, total: 0n, folded: new Map() });
            const s = spans.get(spKey);
            s.total += value;
            addTo(s.folded, stack, value);
            const trKey = `${type.id}\t${traceId}`;
            if (!traces.has(trKey)) traces.set(trKey, { typeId: type.id, traceId, total: 0n, folded: new Map() });
            const t = traces.get(trKey);
            t.total += value;
            addTo(t.folded, stack, value);
          }
        }
      }
    }
  }
  const services = [...new Set([...byServiceType.values()].map((x) => x.service))].sort();
  const types = [...new Set([...byServiceType.values()].map((x) => x.typeId))].sort();
  return { byServiceType, series, spans, traces, services, types };
}

/**
 * The mappings of a request as { filename, buildId } (build id from the mapping's
 * process.executable.build_id.gnu attribute), indexed like mapping_table (entry 0 included).
 */
export function mappingsOf(req) {
  const d = req.dictionary;
  return d.mappingTable.map((m) => {
    const bid = (m.attributeIndices ?? []).map((i) => d.attributeTable[i])
      .find((a) => d.stringTable[a.keyStrindex] === 'process.executable.build_id.gnu');
    return { filename: d.stringTable[m.filenameStrindex ?? 0], buildId: bid ? attrString(bid.value) : '' };
  });
}
