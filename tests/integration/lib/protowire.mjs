// A hand protobuf encoder with full control over the wire: field order, packed or unpacked
// repeated scalars, unknown fields, bad lengths and overlong varints. The tests use it to build
// pprof profiles and push.v1.PushRequest bodies that no well-behaved library would produce.
//
// Every function returns a Buffer; messages are built by concatenating fields.

/** Wire types. */
export const WT = Object.freeze({ VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 });

/** Base-128 varint of a number or bigint; negatives become their 64-bit two's complement (10 bytes). */
export function varint(value) {
  let v = BigInt.asUintN(64, BigInt(value));
  const out = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return Buffer.from(out);
}

/** The key of a field: (number << 3) | wire type. */
export function tag(field, wireType) {
  return varint((BigInt(field) << 3n) | BigInt(wireType));
}

function bytesOf(data) {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (Array.isArray(data)) return Buffer.concat(data.map(bytesOf));
  throw new TypeError(`cannot encode ${typeof data} as bytes`);
}

/** A varint field; omitted (proto3 default) when value is 0/false/undefined unless `always`. */
export function fVarint(field, value, { always = false } = {}) {
  if (value === undefined || value === null) return Buffer.alloc(0);
  const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  if (!always && BigInt(v) === 0n) return Buffer.alloc(0);
  return Buffer.concat([tag(field, WT.VARINT), varint(v)]);
}

/** A length-delimited field (bytes, string or an embedded message given as its bytes or parts). */
export function fBytes(field, data) {
  const b = bytesOf(data);
  return Buffer.concat([tag(field, WT.LEN), varint(b.length), b]);
}

/** An embedded message field from a list of already-encoded fields. */
export const fMsg = (field, parts) => fBytes(field, Buffer.concat(parts.map(bytesOf)));

/** A repeated varint field, packed (one LEN record) or not (one record per value). */
export function fRepeatedVarint(field, values, { packed = true } = {}) {
  if (!values || values.length === 0) return Buffer.alloc(0);
  if (packed) return fBytes(field, Buffer.concat(values.map(varint)));
  return Buffer.concat(values.map((v) => fVarint(field, v, { always: true })));
}

/** A fixed64 field (little-endian). */
export function fFixed64(field, value) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(value)));
  return Buffer.concat([tag(field, WT.I64), b]);
}

/** A fixed32 field (little-endian). */
export function fFixed32(field, value) {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0);
  return Buffer.concat([tag(field, WT.I32), b]);
}

/** Concatenates encoded pieces. */
export const cat = (...parts) => Buffer.concat(parts.map(bytesOf));
