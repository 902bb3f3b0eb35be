#include "block/coding.h"

#include <xxhash.h>
#include <zstd.h>

#include <algorithm>
#include <memory>

namespace flamedb::block {

uint64_t Hash64(std::string_view data) { return XXH64(data.data(), data.size(), 0); }

struct StreamHash64::State {
  XXH64_state_t* xxh = XXH64_createState();
  ~State() { XXH64_freeState(xxh); }
};

StreamHash64::StreamHash64() : state_(std::make_unique<State>()) { XXH64_reset(state_->xxh, 0); }
StreamHash64::~StreamHash64() = default;
void StreamHash64::Update(std::string_view data) {
  XXH64_update(state_->xxh, data.data(), data.size());
}
uint64_t StreamHash64::Digest() const { return XXH64_digest(state_->xxh); }

std::string Compress(std::string_view raw, int level) {
  std::string buffer;
  return std::string(CompressInto(raw, level, buffer));
}

std::string_view CompressInto(std::string_view raw, int level, std::string& buffer) {
  // One context per thread, reused: making one per section costs more than small sections.
  static thread_local const std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> ctx(
      ZSTD_createCCtx(), ZSTD_freeCCtx);
  const size_t bound = ZSTD_compressBound(raw.size());
  if (buffer.size() < bound) buffer.resize(bound);
  const size_t n = ctx == nullptr
                       ? ZSTD_compress(buffer.data(), bound, raw.data(), raw.size(), level)
                       : ZSTD_compressCCtx(ctx.get(), buffer.data(), bound, raw.data(),
                                           raw.size(), level);
  // Compression into a buffer of compressBound bytes cannot fail.
  return std::string_view(buffer.data(), ZSTD_isError(n) ? 0 : n);
}

Result<std::string> Decompress(std::string_view compressed, uint64_t raw_size,
                               uint64_t max_bytes, std::string_view what) {
  if (raw_size > max_bytes) {
    return DataLossError("block: " + std::string(what) + " claims " + std::to_string(raw_size) +
                         " bytes, over the limit of " + std::to_string(max_bytes));
  }
  // One context per thread, reused (its window buffers are allocated once, not per section);
  // reset, since a damaged frame may have left the last call's stream half-read.
  static thread_local const std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(
      ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (ctx == nullptr) return ResourceExhaustedError("block: no memory for a zstd context");
  ZSTD_DCtx_reset(ctx.get(), ZSTD_reset_session_only);
  std::string out;
  const uint64_t cap = raw_size + 1;  // One byte more than claimed detects a longer frame.
  // Start from what the input could plausibly hold; grow only as output appears.
  out.resize(std::min<uint64_t>(cap, compressed.size() * 8 + 4096));
  ZSTD_inBuffer in{compressed.data(), compressed.size(), 0};
  size_t produced = 0;
  const std::string mismatch = "block: " + std::string(what) +
                               " does not decompress to the " + std::to_string(raw_size) +
                               " bytes its header claims";
  while (true) {
    if (produced == out.size()) {
      if (out.size() >= cap) {
        return DataLossError(mismatch);
      }
      out.resize(std::min<uint64_t>(cap, std::max<uint64_t>(out.size() * 2, 4096)));
    }
    ZSTD_outBuffer o{out.data(), out.size(), produced};
    const size_t rc = ZSTD_decompressStream(ctx.get(), &o, &in);
    produced = o.pos;
    if (ZSTD_isError(rc)) {
      return DataLossError("block: " + std::string(what) + " does not decompress: " +
                           ZSTD_getErrorName(rc));
    }
    if (rc == 0) {
      break;  // End of the frame.
    }
    if (in.pos == in.size && produced < out.size()) {
      return DataLossError("block: " + std::string(what) + " is cut short");
    }
  }
  if (produced != raw_size || in.pos != in.size) {
    return DataLossError(mismatch);
  }
  out.resize(produced);
  return out;
}

}  // namespace flamedb::block
