#include "base/utf8.h"

#include <cstdint>

namespace flamedb::base {

size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) {
    return 1;
  }
  size_t n = 0;
  uint32_t min = 0;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    n = 2, min = 0x80;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    n = 3, min = 0x800;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    n = 4, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) {
    return 0;
  }
  uint32_t cp = b0 & (0x7f >> n);
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xc0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return n;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    // ASCII runs are the common case in symbol names: skip 8 bytes at a time.
    while (i + 8 <= s.size()) {
      uint64_t chunk;
      __builtin_memcpy(&chunk, s.data() + i, 8);
      if (chunk & 0x8080808080808080ULL) {
        break;
      }
      i += 8;
    }
    if (i >= s.size()) {
      break;
    }
    const size_t n = Utf8SequenceLength(s, i);
    if (n == 0) {
      return false;
    }
    i += n;
  }
  return true;
}

std::string_view Utf8Tail(std::string_view s, size_t max) {
  if (s.size() <= max) {
    return s;
  }
  std::string_view tail = s.substr(s.size() - max);
  while (!tail.empty() && (static_cast<uint8_t>(tail.front()) & 0xc0) == 0x80) {
    tail.remove_prefix(1);  // A continuation byte: the character started before the cut.
  }
  return tail;
}

}  // namespace flamedb::base
