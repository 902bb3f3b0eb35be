#include "base/crc32.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>

namespace flamedb::base {
namespace {

TEST(Crc32, MatchesTheStandardCheckValue) {
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(Crc32(""), 0u);
}

// Stored checksums were written with zlib's crc32: every length and alignment must agree.
TEST(Crc32, AgreesWithZlibAtEveryLengthAndOffset) {
  std::mt19937 rng(7);
  std::string bytes(70000, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  for (size_t offset = 0; offset < 16; ++offset) {
    for (size_t length : {size_t{1}, size_t{15}, size_t{64}, size_t{255}, size_t{4096},
                          size_t{65537}}) {
      const std::string_view part = std::string_view(bytes).substr(offset, length);
      const auto zlib = static_cast<uint32_t>(
          crc32(0, reinterpret_cast<const Bytef*>(part.data()), static_cast<uInt>(part.size())));
      ASSERT_EQ(Crc32(part), zlib) << "offset " << offset << " length " << length;
    }
  }
}

}  // namespace
}  // namespace flamedb::base
