// Reads the primitive encodings of a JFR chunk (docs/jfr.md): big-endian fixed-width integers, or
// LEB128-style compressed ones when the chunk says so. Failure is sticky: after a read past the
// end (or a malformed integer) every read returns 0 and ok() is false, so callers check once
// after a group of reads instead of after each.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace flamedb::ingest::jfr {

class Reader {
 public:
  Reader(std::string_view data, bool compressed)
      : data_(reinterpret_cast<const uint8_t*>(data.data())),
        size_(data.size()),
        compressed_(compressed) {}

  bool ok() const { return ok_; }
  size_t pos() const { return pos_; }
  size_t size() const { return size_; }
  size_t remaining() const { return size_ - pos_; }
  void Seek(size_t pos) { pos <= size_ ? void(pos_ = pos) : Fail(); }
  void Fail() {
    ok_ = false;
    pos_ = size_;
  }

  uint8_t U8() {
    if (pos_ >= size_) return Fail(), 0;
    return data_[pos_++];
  }
  void Skip(size_t n) { n <= remaining() ? void(pos_ += n) : Fail(); }
  std::string_view Bytes(size_t n) {
    if (n > remaining()) return Fail(), std::string_view();
    std::string_view out(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return out;
  }

  // A long (varlong, or 8 bytes). Compressed: 7 bits per byte, low group first, at most nine
  // bytes, the ninth contributing all its 8 bits.
  int64_t Long() {
    if (!compressed_) return static_cast<int64_t>(Fixed(8));
    uint64_t v = 0;
    for (int shift = 0; shift < 56; shift += 7) {
      const uint8_t b = U8();
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) return static_cast<int64_t>(v);
    }
    return static_cast<int64_t>(v | static_cast<uint64_t>(U8()) << 56);
  }
  // An int, short or char: compressed like a long; fixed 4 or 2 bytes otherwise.
  int64_t Int() { return compressed_ ? static_cast<int32_t>(Long()) : static_cast<int32_t>(Fixed(4)); }
  int64_t Short() { return compressed_ ? static_cast<int16_t>(Long()) : static_cast<int16_t>(Fixed(2)); }
  uint64_t Fixed(int bytes) {
    if (static_cast<size_t>(bytes) > remaining()) return Fail(), 0;
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = v << 8 | data_[pos_++];
    return v;
  }

  // A count of elements that follow, each at least `min_bytes` long: fails (and returns 0) when
  // the claim is negative or more than the remaining bytes could hold, so that no caller sizes
  // anything by a count the input cannot back.
  uint32_t Count(size_t min_bytes = 1) {
    const int64_t n = Int();
    if (n < 0 || static_cast<uint64_t>(n) * min_bytes > remaining()) return Fail(), 0;
    return static_cast<uint32_t>(n);
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  bool compressed_;
  bool ok_ = true;
};

}  // namespace flamedb::ingest::jfr
