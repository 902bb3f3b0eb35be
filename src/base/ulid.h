// ULIDs (https://github.com/ulid/spec): 48 bits of milliseconds and 80 random bits, written as
// 26 Crockford base32 characters. Block ids are ULIDs, so they sort by creation time.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flamedb::base {

class Ulid {
 public:
  // A new id for time `now`, with random bits from the OS.
  static Ulid New(std::chrono::system_clock::time_point now);
  // Parses 26 Crockford base32 characters (case-insensitive); nullopt for anything else.
  static std::optional<Ulid> Parse(std::string_view text);

  std::string ToString() const;
  int64_t UnixMillis() const;
  friend auto operator<=>(const Ulid&, const Ulid&) = default;

 private:
  std::array<uint8_t, 16> bytes_{};
};

}  // namespace flamedb::base
