// A bounds-checked reader of the protobuf wire format (protobuf.dev/programming-guides/encoding),
// for the hand-written decoders of hot payloads (pprof now, OTLP later). It never allocates and
// never trusts a length beyond the bytes that are there.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace flamedb::pprof {

enum class WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

// Reads fields from `data`. Every Read* returns false (and reads nothing more) on malformed or
// truncated input; ok() stays false after the first failure.
class WireReader {
 public:
  explicit WireReader(std::string_view data)
      : begin_(reinterpret_cast<const uint8_t*>(data.data())),
        p_(begin_),
        end_(p_ + data.size()) {}

  bool done() const { return p_ == end_; }
  bool ok() const { return ok_; }
  // Offset of the next unread byte from the start of `data`, for error messages.
  size_t offset() const { return static_cast<size_t>(p_ - begin_); }

  // Marks the input malformed: every later read fails, and ForEachField returns false. Returns
  // false, so that a field callback can `return r.Fail();`.
  bool Fail() {
    ok_ = false;
    p_ = end_;
    return false;
  }

  bool ReadVarint(uint64_t& v) {
    // Fast path: a one-byte varint (small ids, string indexes, most values).
    if (p_ < end_ && *p_ < 0x80) {
      v = *p_++;
      return true;
    }
    return ReadVarintSlow(v);
  }

  // Reads a field key. REQUIRES: !done().
  bool ReadTag(uint32_t& field, WireType& type) {
    uint64_t key = 0;
    if (!ReadVarint(key) || (key >> 3) == 0 || (key >> 3) > 0x1fffffff) {
      return Fail();
    }
    field = static_cast<uint32_t>(key >> 3);
    type = static_cast<WireType>(key & 7);
    return true;
  }

  bool ReadLengthDelimited(std::string_view& out) {
    uint64_t len = 0;
    if (!ReadVarint(len) || len > static_cast<uint64_t>(end_ - p_)) {
      return Fail();
    }
    out = std::string_view(reinterpret_cast<const char*>(p_), static_cast<size_t>(len));
    p_ += len;
    return true;
  }

  // Reads `len` raw bytes (a length read separately, as in formats that borrow varints).
  bool ReadBytes(uint64_t len, std::string_view& out) {
    if (len > static_cast<uint64_t>(end_ - p_)) {
      return Fail();
    }
    out = std::string_view(reinterpret_cast<const char*>(p_), static_cast<size_t>(len));
    p_ += len;
    return true;
  }

  bool ReadFixed64(uint64_t& v) {
    if (end_ - p_ < 8) {
      return Fail();
    }
    std::memcpy(&v, p_, 8);  // The wire is little-endian, as are our targets.
    p_ += 8;
    return true;
  }

  bool ReadFixed32(uint32_t& v) {
    if (end_ - p_ < 4) {
      return Fail();
    }
    std::memcpy(&v, p_, 4);
    p_ += 4;
    return true;
  }

  // Skips a field of `type` (unknown fields must be skipped, not rejected). Groups, which
  // proto3 payloads never contain, are malformed input here.
  bool Skip(WireType type) {
    uint64_t u64 = 0;
    uint32_t u32 = 0;
    std::string_view bytes;
    switch (type) {
      case WireType::kVarint:
        return ReadVarint(u64);
      case WireType::kFixed64:
        return ReadFixed64(u64);
      case WireType::kLengthDelimited:
        return ReadLengthDelimited(bytes);
      case WireType::kFixed32:
        return ReadFixed32(u32);
      default:
        return Fail();
    }
  }

 private:
  bool ReadVarintSlow(uint64_t& v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) {
        return Fail();
      }
      const uint8_t byte = *p_++;
      result |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (byte < 0x80) {
        v = result;
        return true;
      }
    }
    return Fail();  // More than 10 bytes.
  }


  const uint8_t* begin_;
  const uint8_t* p_;
  const uint8_t* end_;
  bool ok_ = true;
};

// Calls fn(field, type, reader) for each field of the message `bytes`: fn reads the value and
// returns true, or returns false to have it skipped. False when the message is malformed (fn
// reports its own failures with `return r.Fail();`).
template <typename Fn>
bool ForEachField(std::string_view bytes, Fn&& fn) {
  WireReader r(bytes);
  while (!r.done()) {
    uint32_t field = 0;
    WireType type;
    if (!r.ReadTag(field, type)) return false;
    if (!fn(field, type, r) && !r.Skip(type)) return false;
  }
  return r.ok();
}

}  // namespace flamedb::pprof
