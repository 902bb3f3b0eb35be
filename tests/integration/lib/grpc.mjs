// Real gRPC unary calls (HTTP/2 prior knowledge, no TLS) with @grpc/grpc-js, for the server's
// gRPC endpoints. Message types come from our proto/ files through @grpc/proto-loader, so the
// client speaks exactly the schema the server compiles; grpcUnaryRaw sends bytes as they are.
//
// Below the grpc-js calls, for what a well-behaved client cannot do:
//  - h2Request: one request with node:http2 (any headers, body sent in timed chunks), reporting
//    exactly what came back (response HEADERS and whether they ended the stream, DATA, trailers,
//    RST_STREAM code, GOAWAY);
//  - H2Raw: a raw TCP connection speaking HTTP/2 frames by hand (preface, SETTINGS, HEADERS with
//    an uncompressed HPACK encoding and CONTINUATION, DATA, anything malformed), with a parser
//    of the frames the server sends;
//  - bufCurl: `buf curl` (the @bufbuild/buf npm package) as a third, independent client.
import { execFile } from 'node:child_process';
import http2 from 'node:http2';
import net from 'node:net';
import path from 'node:path';

import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

import { integrationDir, protoDir } from './paths.mjs';

export { grpc };

/** proto-loader options: camelCase fields, int64 as decimal strings, bytes as Buffers. */
const LOADER_OPTIONS = {
  keepCase: false,
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: false,
  oneofs: true,
};

const definitions = new Map();

/** The package definition of `files` (paths relative to protoDir), loaded once per set. */
export function loadGrpcDefinition(files) {
  const key = [...files].sort().join('\n');
  if (!definitions.has(key)) {
    definitions.set(key, protoLoader.loadSync(files, { ...LOADER_OPTIONS, includeDirs: [protoDir] }));
  }
  return definitions.get(key);
}

/**
 * The proto-loader method definition of `service`/`method` in `files`: { path,
 * requestSerialize, responseDeserialize, ... } (unary methods only).
 */
export function grpcMethod(files, service, method) {
  const def = loadGrpcDefinition(files)[service];
  if (!def) throw new Error(`${service} is not defined by ${files.join(', ')}`);
  const m = def[method];
  if (!m) throw new Error(`${service} has no method ${method}`);
  if (m.requestStream || m.responseStream) throw new Error(`${service}/${method} is not unary`);
  return m;
}

/**
 * BigInts anywhere in `v` become decimal strings (protobufjs takes strings for 64-bit fields):
 * what grpcUnary hands to proto-loader's serializer.
 */
export function plain(v) {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

function toMetadata(obj = {}) {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(obj)) {
    for (const one of [].concat(v)) md.add(k.toLowerCase(), one);
  }
  return md;
}

/**
 * Runs one unary call and settles with everything the server said:
 *   { response, headers (grpc.Metadata), status: { code, details, metadata } }
 * A non-OK status rejects with grpc-js' error (err.code, err.details, err.metadata) carrying
 * `headers` too. `serialize`/`deserialize` turn the request/response into/from bytes.
 */
function call({ address, path, serialize, deserialize, request, metadata, deadlineMs, channelOptions, client: shared }) {
  const client = shared ?? new grpc.Client(address, grpc.credentials.createInsecure(), channelOptions);
  return new Promise((resolve, reject) => {
    let headers = null;
    let status = null;
    let response;
    let error = null;
    let done = 0;
    const finish = () => {
      if (++done < 2) return;  // both the callback and the 'status' event
      if (!shared) client.close();
      if (error) {
        error.headers = headers;
        reject(error);
      } else {
        resolve({ response, headers, status });
      }
    };
    const c = client.makeUnaryRequest(path, serialize, deserialize, request, toMetadata(metadata),
      { deadline: Date.now() + deadlineMs }, (err, res) => {
        error = err;
        response = res;
        finish();
      });
    c.on('metadata', (md) => { headers = md; });
    c.on('status', (s) => { status = s; finish(); });
  });
}

/**
 * A typed unary call:
 *   grpcUnary({ port, host = '127.0.0.1', files: ['a/b.proto'], service: 'pkg.Service',
 *               method: 'Export', request: {...}, metadata: { 'x-scope-orgid': 't' },
 *               deadlineMs = 10000, channelOptions, client })
 * `client` (a grpc.Client, e.g. from grpcClient()) reuses one channel and is left open;
 * without it each call opens and closes its own. `request` uses camelCase field names; 64-bit
 * values may be BigInts, numbers or strings; bytes are Buffers. Resolves { response (int64 as strings, bytes as Buffers), headers, status };
 * rejects with the gRPC error for a non-OK status (err.code is a grpc.status value).
 */
export function grpcUnary({
  port, host = '127.0.0.1', files, service, method, request = {}, metadata = {}, deadlineMs = 10_000, channelOptions = {}, client,
}) {
  const m = grpcMethod(files, service, method);
  return call({
    client,
    address: `${host}:${port}`,
    path: m.path,
    serialize: m.requestSerialize,
    deserialize: m.responseDeserialize,
    request: plain(request),
    metadata,
    deadlineMs,
    channelOptions,
  });
}

/**
 * A unary call with a body given as bytes (sent as is, e.g. a deliberately broken message)
 * to `path` ('/pkg.Service/Method'). Resolves { response: Buffer, headers, status }.
 */
export function grpcUnaryRaw({
  port, host = '127.0.0.1', path, body, metadata = {}, deadlineMs = 10_000, channelOptions = {}, client,
}) {
  return call({
    client,
    address: `${host}:${port}`,
    path,
    serialize: (b) => Buffer.from(b),
    deserialize: (b) => b,
    request: body,
    metadata,
    deadlineMs,
    channelOptions,
  });
}

/** A grpc-js Client (one channel, one HTTP/2 connection) for many calls: pass it as `client`. */
export function grpcClient({ port, host = '127.0.0.1', channelOptions = {} }) {
  return new grpc.Client(`${host}:${port}`, grpc.credentials.createInsecure(), channelOptions);
}

// ---------------------------------------------------------------------------------------------
// Status codes

/** gRPC status codes by name (grpc/grpc doc/statuscodes.md). */
export const GRPC = Object.freeze({
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5,
  ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9,
  ABORTED: 10, OUT_OF_RANGE: 11, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
});

/** The name of a gRPC status code (for messages). */
export const grpcCodeName = (code) => Object.keys(GRPC).find((k) => GRPC[k] === Number(code)) ?? `code ${code}`;

/** A Connect error code ("invalid_argument") as its gRPC number (3); undefined if unknown. */
export const grpcCodeOfConnect = (code) => GRPC[String(code).toUpperCase()];

// ---------------------------------------------------------------------------------------------
// gRPC message framing (doc/PROTOCOL-HTTP2.md: Length-Prefixed-Message)

/** One length-prefixed message: flags byte (1 = compressed), 4-byte big-endian length, payload. */
export function grpcFrame(message, { compressed = false, flags } = {}) {
  const payload = Buffer.from(message);
  const head = Buffer.alloc(5);
  head[0] = flags ?? (compressed ? 1 : 0);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/**
 * Splits a gRPC (or gRPC-Web) body into its frames [{ flags, data }]. Throws on a truncated
 * frame, so a response that is not well-framed fails loudly.
 */
export function parseGrpcFrames(body) {
  const out = [];
  let pos = 0;
  while (pos < body.length) {
    if (body.length - pos < 5) throw new Error(`truncated gRPC frame header at byte ${pos} of ${body.length}`);
    const len = body.readUInt32BE(pos + 1);
    if (body.length - pos - 5 < len) throw new Error(`gRPC frame at byte ${pos} claims ${len} bytes; ${body.length - pos - 5} follow`);
    out.push({ flags: body[pos], data: Buffer.from(body.subarray(pos + 5, pos + 5 + len)) });
    pos += 5 + len;
  }
  return out;
}

/** gRPC-Web trailer frame text ("k: v\r\n"...) as { k: v } (lower-case names). */
export function parseGrpcWebTrailer(data) {
  const out = {};
  for (const line of data.toString('latin1').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

/** grpc-message is percent-encoded (doc/PROTOCOL-HTTP2.md); undefined stays undefined. */
export function decodeGrpcMessage(v) {
  if (v === undefined) return undefined;
  try {
    return decodeURIComponent(String(v));
  } catch {
    return String(v);
  }
}

// ---------------------------------------------------------------------------------------------
// node:http2 requests

/** Opens an h2c (prior knowledge) session to 127.0.0.1:port; resolves once connected. */
export function h2Connect(port, { host = '127.0.0.1', settings, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${host}:${port}`, settings ? { settings } : {});
    const timer = setTimeout(() => { session.destroy(); reject(new Error(`h2c connect to ${host}:${port}: no SETTINGS within ${timeoutMs} ms`)); }, timeoutMs);
    session.once('connect', () => { clearTimeout(timer); session.removeListener('error', onError); resolve(session); });
    const onError = (err) => { clearTimeout(timer); reject(err); };
    session.once('error', onError);
    session.on('error', () => {});  // later session errors show up on the requests
  });
}

/**
 * One HTTP/2 request on `session` (or on a session opened for it, and closed after, when
 * `port` is given instead). `headers` may hold pseudo-headers (:method defaults to POST when a
 * body is given, else GET). `body` is a Buffer or an array of { delayMs, data } chunks written
 * in order after their delays; the stream ends after the last chunk.
 *
 * Resolves (never rejects for HTTP-level outcomes) with
 *   { status, headers, headersEndStream (the response HEADERS carried END_STREAM: a
 *     Trailers-Only response), data: Buffer, trailers (null if none), rstCode (the
 *     RST_STREAM code the stream closed with, 0 for a clean end), error (a stream/session
 *     error, if any), grpcStatus, grpcMessage (from the trailers, or from the headers for
 *     Trailers-Only; percent-decoded), frames (gRPC frames of data when it parses), elapsedMs }.
 */
export async function h2Request({ session, port, headers = {}, body, timeoutMs = 10_000 }) {
  const own = !session;
  const s = session ?? (await h2Connect(port));
  const started = Date.now();
  try {
    return await new Promise((resolve) => {
      const chunks = Array.isArray(body) ? body : body === undefined ? [] : [{ delayMs: 0, data: body }];
      const reqHeaders = { ':method': chunks.length ? 'POST' : 'GET', ':path': '/', ...headers };
      const out = {
        status: undefined, headers: null, headersEndStream: false, data: Buffer.alloc(0), trailers: null,
        rstCode: undefined, error: null, grpcStatus: undefined, grpcMessage: undefined, frames: null, elapsedMs: 0,
      };
      let settled = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        out.elapsedMs = Date.now() - started;
        const src = out.trailers ?? (out.headersEndStream ? out.headers : null);
        if (src && src['grpc-status'] !== undefined) {
          out.grpcStatus = Number(src['grpc-status']);
          out.grpcMessage = decodeGrpcMessage(src['grpc-message']);
        }
        try { out.frames = parseGrpcFrames(out.data); } catch { out.frames = null; }
        resolve(out);
      };
      const timer = setTimeout(() => {
        out.error = new Error(`no end of stream within ${timeoutMs} ms`);
        req.close(http2.constants.NGHTTP2_CANCEL);
        finish();
      }, timeoutMs);
      let req;
      try {
        req = s.request(reqHeaders, { endStream: chunks.length === 0 });
      } catch (err) {
        out.error = err;
        finish();
        return;
      }
      req.on('response', (h, flags) => {
        out.headers = h;
        out.status = h[':status'];
        out.headersEndStream = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      });
      req.on('trailers', (t) => { out.trailers = t; });
      req.on('data', (d) => { out.data = Buffer.concat([out.data, d]); });
      req.on('error', (err) => { out.error ??= err; });
      req.on('close', () => { out.rstCode = req.rstCode; finish(); });
      (async () => {
        for (let i = 0; i < chunks.length; i++) {
          const { delayMs = 0, data } = chunks[i];
          if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
          if (req.destroyed || req.closed) return;
          if (i === chunks.length - 1) req.end(data); else req.write(data);
        }
      })().catch((err) => { out.error ??= err; });
    });
  } finally {
    if (own) s.close();
  }
}

/**
 * A gRPC unary call by hand over node:http2: POST `path` with content-type `contentType`
 * (default application/grpc), te: trailers, extra `headers` (e.g. grpc-timeout,
 * grpc-encoding, x-scope-orgid), and `body` (a Buffer sent as is, or an array of timed chunks;
 * build frames with grpcFrame). Resolves what h2Request does.
 */
export function grpcH2({ session, port, path: urlPath, contentType = 'application/grpc', headers = {}, body, timeoutMs }) {
  return h2Request({
    session, port, timeoutMs, body: body ?? Buffer.alloc(0),
    headers: { ':method': 'POST', ':path': urlPath, 'content-type': contentType, te: 'trailers', ...headers },
  });
}

/** A one-line description of an h2Request result for assertion messages. */
export function describeH2(r) {
  const h = r.headers ? Object.fromEntries(Object.entries(r.headers).filter(([k]) => k !== 'date')) : null;
  return JSON.stringify({
    status: r.status, headers: h, headersEndStream: r.headersEndStream, trailers: r.trailers, rstCode: r.rstCode,
    error: r.error?.code ?? r.error?.message, data: r.data.subarray(0, 200).toString('latin1'), grpcStatus: r.grpcStatus,
    grpcMessage: r.grpcMessage,
  });
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP/2 frames

export const H2 = Object.freeze({
  PREFACE: Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'),
  // Frame types (RFC 9113 §6).
  DATA: 0x0, HEADERS: 0x1, PRIORITY: 0x2, RST_STREAM: 0x3, SETTINGS: 0x4, PUSH_PROMISE: 0x5, PING: 0x6,
  GOAWAY: 0x7, WINDOW_UPDATE: 0x8, CONTINUATION: 0x9,
  // Flags.
  END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8,
  // SETTINGS identifiers.
  SETTINGS_HEADER_TABLE_SIZE: 0x1, SETTINGS_ENABLE_PUSH: 0x2, SETTINGS_MAX_CONCURRENT_STREAMS: 0x3,
  SETTINGS_INITIAL_WINDOW_SIZE: 0x4, SETTINGS_MAX_FRAME_SIZE: 0x5, SETTINGS_MAX_HEADER_LIST_SIZE: 0x6,
  // Error codes.
  NO_ERROR: 0x0, PROTOCOL_ERROR: 0x1, INTERNAL_ERROR: 0x2, FLOW_CONTROL_ERROR: 0x3, SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5, FRAME_SIZE_ERROR: 0x6, REFUSED_STREAM: 0x7, CANCEL: 0x8, COMPRESSION_ERROR: 0x9,
  ENHANCE_YOUR_CALM: 0xb,
});

/** One frame: 24-bit length, type, flags, 31-bit stream id, payload. */
export function h2Frame(type, flags, streamId, payload = Buffer.alloc(0), { length } = {}) {
  const p = Buffer.from(payload);
  const head = Buffer.alloc(9);
  head.writeUIntBE(length ?? p.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, p]);
}

/** A SETTINGS frame of { id: value } (empty by default). */
export function h2Settings(values = {}) {
  const p = Buffer.alloc(6 * Object.keys(values).length);
  Object.entries(values).forEach(([id, v], i) => { p.writeUInt16BE(Number(id), 6 * i); p.writeUInt32BE(v, 6 * i + 2); });
  return h2Frame(H2.SETTINGS, 0, 0, p);
}

function hpackInt(value, prefixBits, firstByte = 0) {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([firstByte | value]);
  const out = [firstByte | max];
  let v = value - max;
  while (v >= 128) { out.push((v % 128) + 128); v = Math.floor(v / 128); }
  out.push(v);
  return Buffer.from(out);
}

/**
 * An HPACK header block of "literal header field without indexing, new name" entries, no
 * Huffman coding (RFC 7541 §6.2.2): valid for any decoder, and as large as the headers.
 * `headers` is an object or [[name, value]...]; names should be lower case, pseudo-headers first.
 */
export function hpackLiteral(headers) {
  const parts = [];
  for (const [name, value] of Array.isArray(headers) ? headers : Object.entries(headers)) {
    const n = Buffer.from(String(name), 'latin1');
    const v = Buffer.from(String(value), 'latin1');
    parts.push(Buffer.from([0x00]), hpackInt(n.length, 7), n, hpackInt(v.length, 7), v);
  }
  return Buffer.concat(parts);
}

/**
 * HEADERS (+ CONTINUATION frames when the block is longer than maxFrameSize) opening
 * `streamId` with `headers`; END_STREAM when endStream.
 */
export function h2Headers(streamId, headers, { endStream = false, maxFrameSize = 16384 } = {}) {
  const block = hpackLiteral(headers);
  const frames = [];
  for (let pos = 0, first = true; first || pos < block.length; first = false) {
    const piece = block.subarray(pos, pos + maxFrameSize);
    pos += piece.length;
    const last = pos >= block.length;
    const flags = (last ? H2.END_HEADERS : 0) | (first && endStream ? H2.END_STREAM : 0);
    frames.push(h2Frame(first ? H2.HEADERS : H2.CONTINUATION, flags, streamId, piece));
  }
  return Buffer.concat(frames);
}

// Huffman codes of the characters a :status value uses (RFC 7541 Appendix B): enough to read
// a status code the server's HPACK encoder chose to Huffman-code.
const HUFFMAN_DIGITS = new Map([
  ['00000', '0'], ['00001', '1'], ['00010', '2'], ['011001', '3'], ['011010', '4'], ['011011', '5'],
  ['011100', '6'], ['011101', '7'], ['011110', '8'], ['011111', '9'],
]);
// Static table entries 8-14 (RFC 7541 Appendix A) are ":status" with these values.
const STATIC_STATUS = { 8: 200, 9: 204, 10: 206, 11: 304, 12: 400, 13: 404, 14: 500 };

function hpackReadInt(buf, pos, prefixBits) {
  const max = (1 << prefixBits) - 1;
  let v = buf[pos] & max;
  pos += 1;
  if (v < max) return [v, pos];
  let m = 0;
  for (;;) {
    const b = buf[pos++];
    v += (b & 0x7f) * 2 ** m;
    m += 7;
    if ((b & 0x80) === 0) return [v, pos];
  }
}

/**
 * The :status of a response header block, read from its first field as servers write it
 * (nghttp2 puts :status first): an indexed static entry, or a literal with a :status name
 * index and a plain or Huffman-coded value of digits. undefined when it cannot tell.
 */
export function hpackStatus(block) {
  if (!block?.length) return undefined;
  const b = block[0];
  if (b & 0x80) return STATIC_STATUS[b & 0x7f];
  let prefix;
  if ((b & 0xc0) === 0x40) prefix = 6;             // literal with incremental indexing
  else if ((b & 0xf0) === 0x00 || (b & 0xf0) === 0x10) prefix = 4;  // without / never indexed
  else return undefined;
  let [nameIndex, pos] = hpackReadInt(block, 0, prefix);
  if (!STATIC_STATUS[nameIndex]) return undefined;
  const huffman = (block[pos] & 0x80) !== 0;
  let len;
  [len, pos] = hpackReadInt(block, pos, 7);
  const raw = block.subarray(pos, pos + len);
  if (!huffman) return Number(raw.toString('latin1'));
  let bits = [...raw].map((x) => x.toString(2).padStart(8, '0')).join('');
  let text = '';
  while (bits.length >= 5) {
    const five = HUFFMAN_DIGITS.get(bits.slice(0, 5));
    if (five) { text += five; bits = bits.slice(5); continue; }
    const six = HUFFMAN_DIGITS.get(bits.slice(0, 6));
    if (six) { text += six; bits = bits.slice(6); continue; }
    break;  // EOS padding (all ones) or something else
  }
  return text.length === 3 ? Number(text) : undefined;
}

/**
 * A raw TCP connection that speaks HTTP/2 frames by hand. Everything the server sends is
 * parsed into `frames` ({ type, flags, streamId, length, payload }); `goaway` holds the first
 * GOAWAY ({ lastStreamId, errorCode, debug }); `closed` turns true when the server closes.
 * Bytes that do not parse as frames (e.g. an HTTP/1.1 answer) stay in `rawText()`.
 */
export class H2Raw {
  static connect(port, { host = '127.0.0.1', timeoutMs = 5000 } = {}) {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host, port });
      const timer = setTimeout(() => { sock.destroy(); reject(new Error(`connect to ${host}:${port} timed out`)); }, timeoutMs);
      sock.once('connect', () => { clearTimeout(timer); sock.removeListener('error', onError); resolve(new H2Raw(sock)); });
      const onError = (err) => { clearTimeout(timer); reject(err); };
      sock.once('error', onError);
    });
  }

  constructor(sock) {
    this.sock = sock;
    this.all = Buffer.alloc(0);  // every byte received
    this.pending = Buffer.alloc(0);
    this.frames = [];
    this.goaway = null;
    this.closed = false;
    this.error = null;
    this.waiters = new Set();
    sock.setNoDelay(true);
    sock.on('data', (d) => {
      this.all = Buffer.concat([this.all, d]);
      this.pending = Buffer.concat([this.pending, d]);
      this.#parse();
      this.#notify();
    });
    const closed = () => { this.closed = true; this.#notify(); };
    sock.on('end', closed);
    sock.on('close', closed);
    sock.on('error', (err) => { this.error = err; closed(); });
  }

  #parse() {
    // The server's first frame is SETTINGS (or a GOAWAY); anything else (e.g. "HTTP/1.1 400")
    // is not HTTP/2 and is left unparsed.
    if (this.frames.length === 0 && this.pending.length >= 4 && this.pending[3] !== H2.SETTINGS && this.pending[3] !== H2.GOAWAY) return;
    while (this.pending.length >= 9) {
      const length = this.pending.readUIntBE(0, 3);
      if (this.pending.length < 9 + length) break;
      const f = {
        length, type: this.pending[3], flags: this.pending[4], streamId: this.pending.readUInt32BE(5) & 0x7fffffff,
        payload: Buffer.from(this.pending.subarray(9, 9 + length)),
      };
      this.pending = this.pending.subarray(9 + length);
      if (f.type === H2.GOAWAY && !this.goaway) {
        this.goaway = {
          lastStreamId: f.payload.readUInt32BE(0) & 0x7fffffff, errorCode: f.payload.readUInt32BE(4),
          debug: f.payload.subarray(8).toString('utf8'),
        };
      }
      if (f.type === H2.RST_STREAM) f.errorCode = f.payload.readUInt32BE(0);
      if (f.type === H2.PING && !(f.flags & H2.ACK) && !this.sock.destroyed) {
        this.sock.write(h2Frame(H2.PING, H2.ACK, 0, f.payload));
      }
      this.frames.push(f);
    }
  }

  #notify() {
    for (const w of this.waiters) w();
  }

  /** The bytes received, as latin1 text (for messages and for an HTTP/1.1 answer). */
  rawText() {
    return this.all.toString('latin1');
  }

  /** Writes bytes; resolves with the write error (the server may have closed), or null. */
  write(data) {
    return new Promise((resolve) => {
      if (this.sock.destroyed) { resolve(this.error ?? new Error('socket destroyed')); return; }
      this.sock.write(data, (err) => { if (err) this.error ??= err; resolve(err ?? null); });
    });
  }

  /** Resolves with predicate(this) once it is truthy; rejects after timeoutMs. */
  waitFor(predicate, timeoutMs = 5000, what = 'condition') {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = predicate(this);
        if (v) finish(null, v);
      };
      const timer = setTimeout(() => finish(new Error(`${what}: not within ${timeoutMs} ms; got ${this.describe()}`)), timeoutMs);
      const finish = (err, v) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err); else resolve(v);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves true once the server has closed the connection, false if still open after timeoutMs. */
  async waitClosed(timeoutMs = 5000) {
    try {
      await this.waitFor((c) => c.closed, timeoutMs, 'close');
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Sends the client preface and `settings`, waits for the server's SETTINGS, ACKs it (unless
   * ack is false: then the server's settings are not in force yet) and returns its values as
   * { id: value }.
   */
  async handshake(settings = {}, { ack = true, timeoutMs = 5000 } = {}) {
    await this.write(Buffer.concat([H2.PREFACE, h2Settings(settings)]));
    const f = await this.waitFor((c) => c.frames.find((x) => x.type === H2.SETTINGS && !(x.flags & H2.ACK)), timeoutMs, 'server SETTINGS');
    if (ack) await this.write(h2Frame(H2.SETTINGS, H2.ACK, 0));
    const values = {};
    for (let i = 0; i + 6 <= f.payload.length; i += 6) values[f.payload.readUInt16BE(i)] = f.payload.readUInt32BE(i + 2);
    return values;
  }

  /** Frames of one stream. */
  streamFrames(streamId) {
    return this.frames.filter((f) => f.streamId === streamId);
  }

  /** Whether the stream has ended (a frame with END_STREAM, or RST_STREAM). */
  streamEnded(streamId) {
    return this.streamFrames(streamId).some((f) => f.type === H2.RST_STREAM
      || ((f.type === H2.DATA || f.type === H2.HEADERS || f.type === H2.CONTINUATION) && (f.flags & H2.END_STREAM)));
  }

  /** The concatenated DATA payloads of a stream. */
  streamData(streamId) {
    return Buffer.concat(this.streamFrames(streamId).filter((f) => f.type === H2.DATA).map((f) => f.payload));
  }

  /** The :status of the stream's first response HEADERS, if it can be read (see hpackStatus). */
  streamStatus(streamId) {
    const h = this.streamFrames(streamId).find((f) => f.type === H2.HEADERS);
    if (!h) return undefined;
    let block = h.payload;
    if (h.flags & H2.PADDED) block = block.subarray(1, block.length - block[0]);
    if (h.flags & 0x20) block = block.subarray(5);  // PRIORITY
    return hpackStatus(block);
  }

  /** Short description for assertion messages. */
  describe() {
    const counts = {};
    for (const f of this.frames) counts[f.type] = (counts[f.type] ?? 0) + 1;
    const parsed = this.frames.length > 0;
    return JSON.stringify({
      closed: this.closed, error: this.error?.code, goaway: this.goaway, frameTypes: counts,
      ...(parsed ? {} : { raw: this.rawText().slice(0, 200) }),
    });
  }

  destroy() {
    this.sock.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// buf curl

/** The buf CLI from the @bufbuild/buf npm package. */
export const bufBin = path.join(integrationDir, 'node_modules', '.bin', 'buf');

/**
 * `buf curl --schema <protoDir> --protocol <protocol> [--http2-prior-knowledge] -d <json>
 *  [-H k: v]... <url>`: resolves { code (exit code), stdout, stderr, json (parsed stdout, or
 * null), error (the parsed {code, message} buf prints for an RPC error, or null), grpcCode (the
 * gRPC number of error.code, 0 on success) }. `cacheDir` is where buf may keep its cache.
 */
export function bufCurl({
  port, host = '127.0.0.1', path: urlPath, data = {}, headers = {}, protocol = 'grpc', http2PriorKnowledge = true, cacheDir,
  timeoutMs = 30_000, extraArgs = [],
}) {
  const args = ['curl', '--schema', protoDir, '--protocol', protocol];
  if (http2PriorKnowledge) args.push('--http2-prior-knowledge');
  args.push('-d', typeof data === 'string' ? data : JSON.stringify(data));
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push(...extraArgs, `http://${host}:${port}${urlPath}`);
  return new Promise((resolve, reject) => {
    execFile(bufBin, args, {
      timeout: timeoutMs, maxBuffer: 256 << 20,
      env: { ...process.env, ...(cacheDir ? { BUF_CACHE_DIR: cacheDir } : {}), BUF_LOG_FORMAT: 'text' },
    }, (err, stdout, stderr) => {
      if (err && err.code === 'ENOENT') {
        reject(new Error(`${bufBin} is missing: run \`npm ci\` in ${integrationDir} (scripts/setup does)`));
        return;
      }
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      let json = null;
      try { json = stdout.trim() ? JSON.parse(stdout) : null; } catch { json = null; }
      let error = null;
      const m = /\{[\s\S]*"code"[\s\S]*\}/.exec(stderr);
      if (m) { try { error = JSON.parse(m[0]); } catch { error = null; } }
      const grpcCode = code === 0 ? 0 : error ? grpcCodeOfConnect(error.code) : undefined;
      resolve({ code, stdout, stderr, json, error, grpcCode, args, killed: err?.killed ?? false });
    });
  });
}
