// Byte-level encoding for the block format (docs/block-format.md): LEB128 varints, zig-zag,
// checksums and zstd frames. The reader side checks every bound, since block bytes come from
// storage and may be damaged.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "base/byte_coding.h"
#include "base/crc32.h"
#include "base/status.h"

namespace flamedb::block {

// LEB128 varints and zig-zag, shared with the head's packed rows (base/byte_coding.h).
using base::ByteReader;
using base::ByteWriter;

// zlib's CRC-32, the checksum of every section and the table of contents.
using base::Crc32;
uint64_t Hash64(std::string_view data);

// Hash64 of bytes fed in pieces: Digest() equals Hash64 of everything Update saw, in order.
class StreamHash64 {
 public:
  StreamHash64();
  ~StreamHash64();
  StreamHash64(const StreamHash64&) = delete;
  StreamHash64& operator=(const StreamHash64&) = delete;
  void Update(std::string_view data);
  uint64_t Digest() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// zstd at `level`.
std::string Compress(std::string_view raw, int level);
// The same into `buffer`, which is grown when too small and otherwise reused as it is: a writer
// compressing section after section allocates and clears its buffer once, not per section.
// The view points into `buffer`.
std::string_view CompressInto(std::string_view raw, int level, std::string& buffer);
// Decompresses one zstd frame that must hold exactly `raw_size` bytes, at most `max_bytes`.
// Memory grows with the output actually produced, never with `raw_size` (untrusted).
// Errors: kDataLoss naming `what`.
Result<std::string> Decompress(std::string_view compressed, uint64_t raw_size,
                               uint64_t max_bytes, std::string_view what);

}  // namespace flamedb::block
