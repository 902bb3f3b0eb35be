#include "base/chunk_arena.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace flamedb::base {
namespace {

TEST(ChunkArenaTest, CopiesStayIntactAndInPlaceAsTheArenaGrows) {
  ChunkArena arena(4096);
  std::vector<std::pair<std::string, std::string_view>> copies;
  for (int i = 0; i < 500; ++i) {
    // Sizes around the quarter-chunk bound and up to several chunks.
    const size_t size = i % 7 == 0 ? 1000 + i * 40 : 1 + i % 1100;
    std::string bytes(size, static_cast<char>('a' + i % 26));
    bytes[0] = static_cast<char>(i);
    const std::string_view copy = arena.Copy(bytes);
    EXPECT_NE(copy.data(), bytes.data());
    copies.emplace_back(std::move(bytes), copy);
  }
  for (const auto& [bytes, copy] : copies) EXPECT_EQ(copy, bytes);
}

TEST(ChunkArenaTest, HoldsWhatItHandedOutAndTheEndsOfFullChunks) {
  ChunkArena arena(4096);
  EXPECT_EQ(arena.held_bytes(), 0u);
  EXPECT_TRUE(arena.Copy("").empty());
  EXPECT_EQ(arena.held_bytes(), 0u);

  (void)arena.Copy(std::string(100, 'x'));
  (void)arena.Copy(std::string(900, 'y'));  // The same chunk.
  EXPECT_EQ(arena.held_bytes(), 1000u);
  (void)arena.Copy(std::string(5000, 'z'));  // Over a quarter chunk: a mapping of its own.
  EXPECT_EQ(arena.held_bytes(), 1000u + 8192u);
  for (int i = 0; i < 3; ++i) (void)arena.Copy(std::string(1000, 'w'));  // 4,000 in the chunk.
  EXPECT_EQ(arena.held_bytes(), 4000u + 8192u);
  (void)arena.Copy(std::string(1000, 'v'));  // 96 bytes left: a new chunk; the 96 stay held.
  EXPECT_EQ(arena.held_bytes(), 4096u + 8192u + 1000u);
}

}  // namespace
}  // namespace flamedb::base
