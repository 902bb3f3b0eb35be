#include "base/default_init.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace flamedb::base {
namespace {

// Only value-initialization is skipped: explicit values and non-trivial types are constructed
// as std::allocator constructs them.
TEST(DefaultInitAllocator, ConstructsWhatItIsGiven) {
  std::vector<int64_t, DefaultInitAllocator<int64_t>> v;
  v.push_back(5);
  v.resize(4, 7);
  v.emplace_back(9);
  EXPECT_EQ((std::vector<int64_t>(v.begin(), v.end())), (std::vector<int64_t>{5, 7, 7, 7, 9}));
  std::vector<std::string, DefaultInitAllocator<std::string>> s(3);
  for (const std::string& e : s) EXPECT_TRUE(e.empty());
  s[1] = "kept";
  s.resize(10);
  EXPECT_EQ(s[1], "kept");
  EXPECT_TRUE(s[9].empty());
}

TEST(DefaultInitAllocator, ResizedElementsCanBeFilledThroughData) {
  std::vector<uint32_t, DefaultInitAllocator<uint32_t>> v = {1, 2};
  v.resize(6);
  for (size_t i = 2; i < v.size(); ++i) v.data()[i] = static_cast<uint32_t>(i * 10);
  EXPECT_EQ((std::vector<uint32_t>(v.begin(), v.end())),
            (std::vector<uint32_t>{1, 2, 20, 30, 40, 50}));
}

}  // namespace
}  // namespace flamedb::base
