#include "head/packed_row.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <random>

namespace flamedb::head {
namespace {

using ::testing::ElementsAre;

TEST(PackedRowTest, RoundTripsInStackOrderDroppingZeroValues) {
  const std::vector<uint32_t> stacks = {9, 3, 3, 70000, 1};
  const std::vector<int64_t> values = {20, -10, 0, 5000000000, 30};
  int64_t total = 0;

  const PackedSamples packed =
      PackSamples(AscendingStackOrder(stacks), stacks, values, {}, total);
  std::vector<uint32_t> s;
  std::vector<int64_t> v;
  std::vector<uint64_t> spans;
  UnpackSamples(packed, s, v, spans);

  EXPECT_THAT(s, ElementsAre(1, 3, 9, 70000));
  EXPECT_THAT(v, ElementsAre(30, -10, 20, 5000000000));
  EXPECT_TRUE(spans.empty());
  EXPECT_EQ(total, 30 - 10 + 20 + 5000000000);
}

TEST(PackedRowTest, SpansStayWithTheirSamples) {
  const std::vector<uint32_t> stacks = {5, 2};
  const std::vector<int64_t> values = {1, 2};
  const std::vector<uint64_t> spans = {0, 0xfeedface12345678};
  int64_t total = 0;

  const PackedSamples packed =
      PackSamples(AscendingStackOrder(stacks), stacks, values, spans, total);
  std::vector<uint32_t> s;
  std::vector<int64_t> v;
  std::vector<uint64_t> out;
  UnpackSamples(packed, s, v, out);

  EXPECT_THAT(s, ElementsAre(2, 5));
  EXPECT_THAT(out, ElementsAre(0xfeedface12345678, 0));
}

// Thousands of samples (the radix sort path) with repeated stacks and period-multiple values:
// every (stack, value) pair survives, and the packing is a few bytes per sample.
TEST(PackedRowTest, LargeRowsKeepEverySampleInFewBytes) {
  std::mt19937 rng(7);
  std::vector<uint32_t> stacks(6000);
  std::vector<int64_t> values(6000);
  std::multimap<uint32_t, int64_t> want;
  for (size_t i = 0; i < stacks.size(); ++i) {
    stacks[i] = rng() % 3000;
    values[i] = (1 + rng() % 20) * 10000000;
    want.emplace(stacks[i], values[i]);
  }
  int64_t total = 0;

  const PackedSamples packed =
      PackSamples(AscendingStackOrder(stacks), stacks, values, {}, total);
  std::vector<uint32_t> s;
  std::vector<int64_t> v;
  std::vector<uint64_t> spans;
  UnpackSamples(packed, s, v, spans);

  std::multimap<uint32_t, int64_t> got;
  for (size_t i = 0; i < s.size(); ++i) got.emplace(s[i], v[i]);
  EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
  using Pairs = std::multiset<std::pair<uint32_t, int64_t>>;
  EXPECT_EQ(Pairs(got.begin(), got.end()), Pairs(want.begin(), want.end()));
  EXPECT_LE(packed.bytes.size(), 2 * stacks.size() + 16);  // vs 12 bytes as plain arrays
}

}  // namespace
}  // namespace flamedb::head
