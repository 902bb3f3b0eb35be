// Real gRPC unary calls (HTTP/2 prior knowledge, no TLS) with @grpc/grpc-js, for the server's
// gRPC endpoints. Message types come from our proto/ files through @grpc/proto-loader, so the
// client speaks exactly the schema the server compiles; grpcUnaryRaw sends bytes as they are.
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

import { protoDir } from './paths.mjs';

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

/** BigInts anywhere in `v` become decimal strings (protobufjs takes strings for 64-bit fields). */
function plain(v) {
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
function call({ address, path, serialize, deserialize, request, metadata, deadlineMs, channelOptions }) {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), channelOptions);
  return new Promise((resolve, reject) => {
    let headers = null;
    let status = null;
    let response;
    let error = null;
    let done = 0;
    const finish = () => {
      if (++done < 2) return;  // both the callback and the 'status' event
      client.close();
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
 *               deadlineMs = 10000, channelOptions })
 * `request` uses camelCase field names; 64-bit values may be BigInts, numbers or strings; bytes
 * are Buffers. Resolves { response (int64 as strings, bytes as Buffers), headers, status };
 * rejects with the gRPC error for a non-OK status (err.code is a grpc.status value).
 */
export function grpcUnary({
  port, host = '127.0.0.1', files, service, method, request = {}, metadata = {}, deadlineMs = 10_000, channelOptions = {},
}) {
  const def = loadGrpcDefinition(files)[service];
  if (!def) throw new Error(`${service} is not defined by ${files.join(', ')}`);
  const m = def[method];
  if (!m) throw new Error(`${service} has no method ${method}`);
  if (m.requestStream || m.responseStream) throw new Error(`${service}/${method} is not unary`);
  return call({
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
  port, host = '127.0.0.1', path, body, metadata = {}, deadlineMs = 10_000, channelOptions = {},
}) {
  return call({
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
