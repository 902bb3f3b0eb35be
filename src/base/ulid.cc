#include "base/ulid.h"

#include <random>

namespace flamedb::base {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int DecodeChar(char c) {
  if (c >= 'a' && c <= 'z') {
    c = static_cast<char>(c - 'a' + 'A');
  }
  for (int i = 0; i < 32; ++i) {
    if (kAlphabet[i] == c) {
      return i;
    }
  }
  return -1;
}

}  // namespace

Ulid Ulid::New(std::chrono::system_clock::time_point now) {
  Ulid id;
  const auto ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  for (int i = 0; i < 6; ++i) {
    id.bytes_[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  }
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const uint64_t a = rng();
  const uint64_t b = rng();
  for (int i = 0; i < 8; ++i) {
    id.bytes_[6 + i] = static_cast<uint8_t>(a >> (8 * i));
  }
  id.bytes_[14] = static_cast<uint8_t>(b);
  id.bytes_[15] = static_cast<uint8_t>(b >> 8);
  return id;
}

// 128 bits as 26 five-bit groups over 130 bits, the first two of which are 0 (so the first
// character is at most '7').
std::string Ulid::ToString() const {
  std::string out(26, '0');
  for (int c = 0; c < 26; ++c) {
    int value = 0;
    for (int k = 0; k < 5; ++k) {
      const int pos = c * 5 + k - 2;  // Position among the 128 real bits.
      value = value << 1 | (pos >= 0 ? (bytes_[pos / 8] >> (7 - pos % 8)) & 1 : 0);
    }
    out[c] = kAlphabet[value];
  }
  return out;
}

std::optional<Ulid> Ulid::Parse(std::string_view text) {
  if (text.size() != 26 || DecodeChar(text[0]) > 7) {
    return std::nullopt;
  }
  Ulid id;
  for (int c = 0; c < 26; ++c) {
    const int value = DecodeChar(text[c]);
    if (value < 0) {
      return std::nullopt;
    }
    for (int k = 0; k < 5; ++k) {
      const int pos = c * 5 + k - 2;
      if (pos >= 0 && (value >> (4 - k) & 1)) {
        id.bytes_[pos / 8] |= static_cast<uint8_t>(1 << (7 - pos % 8));
      }
    }
  }
  return id;
}

int64_t Ulid::UnixMillis() const {
  uint64_t ms = 0;
  for (int i = 0; i < 6; ++i) {
    ms = ms << 8 | bytes_[i];
  }
  return static_cast<int64_t>(ms);
}

}  // namespace flamedb::base
