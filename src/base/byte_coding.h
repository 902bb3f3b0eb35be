// LEB128 varints, zig-zag and fixed-width integers over a string: the block format's byte
// coding (docs/block-format.md), also used by the head's packed rows. The reader checks every
// bound, since the bytes may come from storage and be damaged.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace flamedb::base {

// Appends to a string. The string is grown in doubling steps and written through a pointer,
// so a varint costs a few stores, not a push_back (capacity check, terminator) per byte.
class ByteWriter {
 public:
  // Inlined: the cut and compaction call it several times per sample.
  [[gnu::always_inline]] void Varint(uint64_t v) {
    char* p = Room(10);
    while (v >= 0x80) {
      *p++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p++ = static_cast<char>(v);
    len_ = static_cast<size_t>(p - out_.data());
  }
  [[gnu::always_inline]] void Signed(int64_t v) {
    Varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  void Fixed32(uint32_t v) { Raw(std::string_view(reinterpret_cast<const char*>(&v), 4)); }
  void Fixed64(uint64_t v) { Raw(std::string_view(reinterpret_cast<const char*>(&v), 8)); }
  void Bytes(std::string_view s) {
    Varint(s.size());
    Raw(s);
  }
  void Raw(std::string_view s) {
    if (s.empty()) return;
    std::memcpy(Room(s.size()), s.data(), s.size());
    len_ += s.size();
  }
  // Room for `n` more bytes up front, when the caller knows about how many come.
  void Reserve(size_t n) { Room(n); }
  // What was written. The writer may be used again after (the string is grown again then).
  std::string& str() {
    out_.resize(len_);
    return out_;
  }
  // What was written, without giving up the room after it (str() does).
  std::string_view view() const { return std::string_view(out_.data(), len_); }
  // Starts over, keeping the room: the next writes reuse the bytes already allocated.
  void Clear() { len_ = 0; }
  size_t capacity() const { return out_.size(); }
  size_t size() const { return len_; }

 private:
  // A pointer to at least `n` writable bytes at the end of what was written.
  [[gnu::always_inline]] char* Room(size_t n) {
    if (out_.size() - len_ < n) [[unlikely]] Grow(n);
    return out_.data() + len_;
  }
  [[gnu::noinline]] void Grow(size_t n) { out_.resize(std::max(out_.size() * 2, len_ + n + 48)); }

  std::string out_;  // Bytes [0, len_) are written; the rest is room.
  size_t len_ = 0;
};

// For writers kept from call to call (per thread): lets go of the room once one large input
// grew it past `limit`, so that one 100 MB push does not pin 100 MB to a thread for good. The
// default keeps a typical push's record (0.1-0.3 MB) and bounds 16 handler threads' two
// writers each to 32 MiB.
inline void ReleaseIfLarge(ByteWriter& w, size_t limit = 1 << 20) {
  if (w.capacity() > limit) w = ByteWriter();
}

// Reads what ByteWriter wrote. Errors are sticky: after the first bad read every read returns
// 0 or empty and ok() is false, so decoders check once at the end of a loop.
class ByteReader {
 public:
  explicit ByteReader(std::string_view data) : data_(data) {}

  uint64_t Varint() {
    // Most stored varints (stack id deltas, scaled values) are one byte.
    if (pos_ < data_.size() && static_cast<uint8_t>(data_[pos_]) < 0x80) [[likely]] {
      return static_cast<uint8_t>(data_[pos_++]);
    }
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) {
        return Fail();
      }
      const auto b = static_cast<uint8_t>(data_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) {
        return v;
      }
    }
    return Fail();
  }
  int64_t Signed() {
    const uint64_t v = Varint();
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }
  // A varint that must be below `limit` (a count or an id into a table of that size).
  uint64_t Below(uint64_t limit) {
    const uint64_t v = Varint();
    return v < limit ? v : Fail();
  }
  uint32_t Fixed32() {
    uint32_t v = 0;
    if (data_.size() - pos_ < 4) {
      return static_cast<uint32_t>(Fail());
    }
    std::memcpy(&v, data_.data() + pos_, 4);
    pos_ += 4;
    return v;
  }
  uint64_t Fixed64() {
    uint64_t v = 0;
    if (data_.size() - pos_ < 8) {
      return Fail();
    }
    std::memcpy(&v, data_.data() + pos_, 8);
    pos_ += 8;
    return v;
  }
  std::string_view Bytes() { return Take(Varint()); }
  // The next `n` bytes.
  std::string_view Take(uint64_t n) {
    if (!ok_ || n > data_.size() - pos_) {
      Fail();
      return {};
    }
    const std::string_view s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  bool ok() const { return ok_; }
  bool done() const { return pos_ == data_.size(); }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  uint64_t Fail() {
    ok_ = false;
    pos_ = data_.size();
    return 0;
  }
  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace flamedb::base
