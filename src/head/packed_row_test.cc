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

// Samples packed in ascending stack order, then unpacked.
struct RoundTrip {
  size_t packed_bytes = 0;
  int64_t total = 0;
  std::vector<uint32_t> stacks;
  std::vector<int64_t> values;
  std::vector<uint64_t> spans;
  std::vector<model::TraceId> traces;
};

RoundTrip PackAndUnpack(const std::vector<uint32_t>& stacks, const std::vector<int64_t>& values,
                        const std::vector<uint64_t>& spans = {},
                        const std::vector<model::TraceId>& traces = {}) {
  RoundTrip r;
  base::ByteWriter writer;
  writer.Raw("before");  // Packing appends: what the writer held stays and is not viewed.
  const PackedSamples packed =
      PackSamples(AscendingStackOrder(stacks), stacks, values, spans, traces, writer, r.total);
  EXPECT_EQ(writer.view().substr(0, 6), "before");
  EXPECT_EQ(packed.bytes.data(), writer.view().data() + 6);
  r.packed_bytes = packed.bytes.size();
  UnpackSamples(packed, r.stacks, r.values, r.spans, r.traces);
  return r;
}

TEST(PackedRowTest, RoundTripsInStackOrderDroppingZeroValues) {
  const std::vector<uint32_t> stacks = {9, 3, 3, 70000, 1};
  const std::vector<int64_t> values = {20, -10, 0, 5000000000, 30};

  const RoundTrip r = PackAndUnpack(stacks, values);

  EXPECT_THAT(r.stacks, ElementsAre(1, 3, 9, 70000));
  EXPECT_THAT(r.values, ElementsAre(30, -10, 20, 5000000000));
  EXPECT_TRUE(r.spans.empty());
  EXPECT_EQ(r.total, 30 - 10 + 20 + 5000000000);
}

TEST(PackedRowTest, SpansStayWithTheirSamples) {
  const std::vector<uint32_t> stacks = {5, 2};
  const std::vector<int64_t> values = {1, 2};
  const std::vector<uint64_t> spans = {0, 0xfeedface12345678};

  const RoundTrip r = PackAndUnpack(stacks, values, spans);

  EXPECT_THAT(r.stacks, ElementsAre(2, 5));
  EXPECT_THAT(r.spans, ElementsAre(0xfeedface12345678, 0));
  EXPECT_TRUE(r.traces.empty());
}

// Trace ids, shared by several samples, stay with their samples through the packing's table;
// samples without one come back without one, and zero-valued samples are dropped with theirs.
TEST(PackedRowTest, TraceIdsStayWithTheirSamples) {
  const model::TraceId a{0x4bf92f3577b34da6, 0xa3ce929d0e0e4736};
  const model::TraceId b{1, 2};
  const std::vector<uint32_t> stacks = {7, 4, 1, 9};
  const std::vector<int64_t> values = {1, 2, 0, 3};
  const std::vector<model::TraceId> traces = {a, model::TraceId{}, b, a};

  const RoundTrip r = PackAndUnpack(stacks, values, {}, traces);

  EXPECT_THAT(r.stacks, ElementsAre(4, 7, 9));
  EXPECT_THAT(r.traces, ElementsAre(model::TraceId{}, a, a));
  EXPECT_TRUE(r.spans.empty());
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

  const RoundTrip r = PackAndUnpack(stacks, values);

  std::multimap<uint32_t, int64_t> got;
  for (size_t i = 0; i < r.stacks.size(); ++i) got.emplace(r.stacks[i], r.values[i]);
  EXPECT_TRUE(std::is_sorted(r.stacks.begin(), r.stacks.end()));
  using Pairs = std::multiset<std::pair<uint32_t, int64_t>>;
  EXPECT_EQ(Pairs(got.begin(), got.end()), Pairs(want.begin(), want.end()));
  EXPECT_LE(r.packed_bytes, 2 * stacks.size() + 16);  // vs 12 bytes as plain arrays
}

}  // namespace
}  // namespace flamedb::head
