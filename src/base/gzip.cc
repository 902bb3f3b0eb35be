#include "base/gzip.h"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <memory>
#include <optional>

namespace flamedb::base {

bool LooksGzipped(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

namespace {

// Owns a z_stream set up for gzip decoding; ends it on destruction.
class Inflater {
 public:
  Inflater() { ok_ = inflateInit2(&zs_, 16 + MAX_WBITS) == Z_OK; }
  ~Inflater() {
    if (ok_) {
      inflateEnd(&zs_);
    }
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  bool ok() const { return ok_; }
  z_stream& zs() { return zs_; }

 private:
  z_stream zs_{};
  bool ok_ = false;
};

// deflate cannot expand more than about 1032:1; a size claim beyond that is a lie.
constexpr size_t kMaxDeflateRatio = 1032;

struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

// The common case in one call: a single gzip member whose trailer states its size (ISIZE) within
// the limit, decompressed by libdeflate into a buffer of exactly that size (2-3x zlib's speed).
// The claim is only trusted up to the limit and deflate's ratio, and libdeflate checks it: a
// false claim, a second member or any error returns nullopt and the caller takes the streaming
// zlib path, which gives the precise error.
std::optional<std::string> GunzipOneMember(std::string_view data, size_t max_output) {
  if (data.size() < 18 || !LooksGzipped(data)) return std::nullopt;
  const auto* tail = reinterpret_cast<const unsigned char*>(data.data() + data.size() - 4);
  const size_t claimed = static_cast<size_t>(tail[0]) | static_cast<size_t>(tail[1]) << 8 |
                         static_cast<size_t>(tail[2]) << 16 | static_cast<size_t>(tail[3]) << 24;
  if (claimed > max_output || claimed > data.size() * kMaxDeflateRatio) return std::nullopt;
  thread_local std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> decompressor(
      libdeflate_alloc_decompressor());
  if (decompressor == nullptr) return std::nullopt;
  std::string out(claimed, '\0');
  size_t consumed = 0, produced = 0;
  const libdeflate_result rc = libdeflate_gzip_decompress_ex(
      decompressor.get(), data.data(), data.size(), out.data(), out.size(), &consumed, &produced);
  if (rc != LIBDEFLATE_SUCCESS || consumed != data.size() || produced != claimed) {
    return std::nullopt;
  }
  return out;
}

}  // namespace

Result<std::string> GunzipCapped(std::string_view data, size_t max_output) {
  if (std::optional<std::string> out = GunzipOneMember(data, max_output)) return *std::move(out);
  Inflater inflater;
  if (!inflater.ok()) {
    return InternalError("zlib: inflateInit2 failed");
  }
  z_stream& zs = inflater.zs();
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  // Grow geometrically from a small start: never trust the stream's own size claims.
  out.resize(std::min<size_t>(std::max<size_t>(data.size() * 4, 4096), max_output + 1));
  size_t produced = 0;
  while (true) {
    if (produced == out.size()) {
      if (out.size() > max_output) {
        return ResourceExhaustedError("decompressed size exceeds the limit of " +
                                      std::to_string(max_output) + " bytes");
      }
      out.resize(std::min(out.size() * 2, max_output + 1));
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(out.size() - produced);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    produced = out.size() - zs.avail_out;
    if (produced > max_output) {
      return ResourceExhaustedError("decompressed size exceeds the limit of " +
                                    std::to_string(max_output) + " bytes");
    }
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0 || !LooksGzipped(std::string_view(
                                  reinterpret_cast<const char*>(zs.next_in), zs.avail_in))) {
        break;  // Done; trailing non-gzip bytes after a member are ignored like gzip(1) does.
      }
      inflateReset(&zs);  // Another concatenated member follows.
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      return InvalidArgumentError("invalid gzip data: unexpected end of stream");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return InvalidArgumentError(std::string("invalid gzip data: ") +
                                  (zs.msg != nullptr ? zs.msg : "corrupt stream"));
    }
  }
  out.resize(produced);
  return out;
}

std::string Gzip(std::string_view data, int level) {
  z_stream zs{};
  deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out;
  out.resize(deflateBound(&zs, data.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  FLAMEDB_CHECK(rc == Z_STREAM_END);  // deflateBound guarantees room.
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace flamedb::base
