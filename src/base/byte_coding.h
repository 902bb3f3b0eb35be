// LEB128 varints, zig-zag and fixed-width integers over a string: the block format's byte
// coding (docs/block-format.md), also used by the head's packed rows. The reader checks every
// bound, since the bytes may come from storage and be damaged.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace flamedb::base {

// Appends to a string.
class ByteWriter {
 public:
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void Signed(int64_t v) {
    Varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  void Fixed32(uint32_t v) { out_.append(reinterpret_cast<const char*>(&v), 4); }
  void Fixed64(uint64_t v) { out_.append(reinterpret_cast<const char*>(&v), 8); }
  void Bytes(std::string_view s) {
    Varint(s.size());
    out_.append(s);
  }
  void Raw(std::string_view s) { out_.append(s); }
  std::string& str() { return out_; }
  size_t size() const { return out_.size(); }

 private:
  std::string out_;
};

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
