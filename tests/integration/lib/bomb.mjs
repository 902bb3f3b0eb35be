// Gzip bombs made cheaply: deflate 1 MiB of zeros once with a full flush (which resets the
// window, so every such block is byte-identical), repeat that block, close the stream with an
// empty final block and a correct CRC-32/ISIZE trailer. 1 GiB of zeros costs ~1 MB of gzip and
// ~0.2 s (the CRC) to build; the result is a valid gzip file that inflates to `bytes` zeros.
import zlib from 'node:zlib';

const MiB = 1 << 20;
let block;

/** The raw-deflate bytes of 1 MiB of zeros ending on a full-flush boundary (not final). */
function zeroBlock() {
  if (block) return block;
  // finishFlush Z_FULL_FLUSH instead of Z_FINISH: no final block, byte-aligned, window reset.
  block = zlib.deflateRawSync(Buffer.alloc(MiB), { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH });
  return block;
}

/** A gzip member that inflates to `bytes` (a multiple of 1 MiB) zero bytes. */
export function gzipBomb(bytes = 1 << 30) {
  const n = Math.ceil(bytes / MiB);
  const zero = Buffer.alloc(MiB);
  let crc = 0;
  for (let i = 0; i < n; i += 1) crc = zlib.crc32(zero, crc);
  const head = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(crc >>> 0, 0);
  tail.writeUInt32LE((n * MiB) >>> 0, 4);
  const b = zeroBlock();
  return Buffer.concat([head, ...Array(n).fill(b), Buffer.from([0x03, 0x00]), tail]);
}
