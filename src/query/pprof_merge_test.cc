#include "query/pprof_merge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "block/reader.h"
#include "block/writer.h"
#include "head/head.h"
#include "pprof/decoder.h"
#include "testing/pprof_stacks.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::query {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr char kCpu[] = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
constexpr int64_t kMs = 1000000;

model::Profile Cpu(int64_t time_ms, const std::vector<std::pair<std::vector<std::string>, int64_t>>& s) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10000000);
  for (const auto& [stack, v] : s) b.Sample(stack, {v});
  return b.TimeNanos(time_ms * kMs).Build();
}

model::Labels L(const std::string& pod) {
  return {{"__name__", "process_cpu"}, {"pod", pod}, {"service_name", "api"}};
}

// One head and one block with overlapping stacks: equal stacks become one sample.
class MergeProfileTest : public ::testing::Test {
 protected:
  MergeProfileTest() {
    head::Head old;
    EXPECT_THAT(old.Append(L("a"), Cpu(1000, {{{"work", "main"}, 30}, {{"idle", "main"}, 10}}), {}),
                IsOk());
    auto encoded = block::EncodeBlock(old, block::BlockMeta{});
    block_ = block::BlockReader::Open(block::StringSource(encoded->data)).value();
    EXPECT_THAT(head_.Append(L("b"), Cpu(2000, {{{"work", "main"}, 5}, {{"gc", "run", "main"}, 1}}), {}),
                IsOk());
    sources_ = {&head_, block_.get()};
  }
  MergeProfileQuery Query(const std::string& selector = "{}") {
    return {{kCpu, selector, {INT64_MIN, INT64_MAX}, {}, {}}, 0, 3000 * kMs, 2000 * kMs};
  }
  head::Head head_;
  std::unique_ptr<block::BlockReader> block_;
  Sources sources_;
  QueryContext ctx_;
};

TEST_F(MergeProfileTest, EqualStacksOfHeadAndBlockAreOneSample) {
  auto pprof = MergeProfile(sources_, Query(), ctx_);
  ASSERT_THAT(pprof, IsOk());
  EXPECT_THAT(testing::PprofStacks(*pprof), UnorderedElementsAre(Pair("main;work", 35), Pair("main;idle", 10),
                                                   Pair("main;run;gc", 1)));
  auto p = pprof::DecodeProfile(*pprof, {});
  ASSERT_THAT(p, IsOk());
  ASSERT_EQ(p->sample_types.size(), 1u);
  EXPECT_EQ(p->String(p->sample_types[0].type), "cpu");
  EXPECT_EQ(p->String(p->sample_types[0].unit), "nanoseconds");
  EXPECT_EQ(p->String(p->period_type.type), "cpu");
  EXPECT_EQ(p->period, 1000000000);  // Pyroscope's value for process_cpu.
  EXPECT_EQ(p->time_nanos, 3000 * kMs);
  EXPECT_EQ(p->duration_nanos, 2000 * kMs);
  EXPECT_EQ(p->samples.size(), 3u);
  // One function per name: "main" of the head and of the block were merged.
  EXPECT_EQ(p->functions.size(), 5u);
}

// Partials of the head and of the block finish into the profile of both, also truncated and
// with the go_pgo options, which apply only once everything is merged.
TEST_F(MergeProfileTest, PartialsFinishIntoTheProfileOfTheWhole) {
  for (int64_t max_nodes : {0, 2}) {
    MergeProfileQuery q = Query();
    q.max_nodes = max_nodes;
    q.stacks.stacks.keep_locations = max_nodes == 0 ? 0 : 1;
    QueryContext ctx;
    std::vector<ProfilePartial> parts;
    for (const store::ProfileSource* s : {sources_[1], sources_[0]}) {
      auto p = CollectProfile({s}, q, ctx);
      ASSERT_THAT(p, IsOk());
      parts.push_back(std::move(p).value());
    }
    auto got = FinishProfile(parts, q, ctx);
    auto want = MergeProfile(sources_, q, ctx);
    ASSERT_THAT(got, IsOk());
    ASSERT_THAT(want, IsOk());
    EXPECT_EQ(testing::PprofStacks(*got), testing::PprofStacks(*want)) << max_nodes;
    EXPECT_FALSE(testing::PprofStacks(*got).empty());
  }
  QueryContext ctx;
  auto none = CollectProfile(sources_, Query("{pod=\"none\"}"), ctx);
  ASSERT_THAT(none, IsOk());
  EXPECT_EQ(none->symbols, nullptr);
  EXPECT_THAT(FinishProfile({}, Query(), ctx), IsOk());
}

TEST_F(MergeProfileTest, SelectorAndRangePickProfiles) {
  auto pprof = MergeProfile(sources_, Query(R"({pod="a"})"), ctx_);
  ASSERT_THAT(pprof, IsOk());
  EXPECT_THAT(testing::PprofStacks(*pprof), UnorderedElementsAre(Pair("main;work", 30), Pair("main;idle", 10)));
  MergeProfileQuery late = Query();
  late.stacks.range = {1500 * kMs, 2500 * kMs};
  EXPECT_THAT(testing::PprofStacks(*MergeProfile(sources_, late, ctx_)),
              UnorderedElementsAre(Pair("main;work", 5), Pair("main;run;gc", 1)));
}

TEST_F(MergeProfileTest, NothingMatchedIsTheEmptyMessage) {
  auto pprof = MergeProfile(sources_, Query(R"({pod="none"})"), ctx_);
  ASSERT_THAT(pprof, IsOk());
  EXPECT_TRUE(pprof->empty());
}

TEST_F(MergeProfileTest, CallSiteKeepsFullStacksThatStartWithIt) {
  MergeProfileQuery q = Query();
  q.stacks.stacks.call_site = {"main", "run"};
  EXPECT_THAT(testing::PprofStacks(*MergeProfile(sources_, q, ctx_)), UnorderedElementsAre(Pair("main;run;gc", 1)));
}

TEST_F(MergeProfileTest, KeepLocationsKeepsTheLeafMostOnes) {
  MergeProfileQuery q = Query();
  q.stacks.stacks.keep_locations = 1;
  EXPECT_THAT(testing::PprofStacks(*MergeProfile(sources_, q, ctx_)),
              UnorderedElementsAre(Pair("work", 35), Pair("idle", 10), Pair("gc", 1)));
}

TEST_F(MergeProfileTest, MaxNodesFoldsSmallSubtreesIntoOther) {
  // Nodes: main 46, work 35, idle 10, run 1, gc 1; max_nodes 3 keeps totals >= 10.
  MergeProfileQuery q = Query();
  q.max_nodes = 3;
  EXPECT_THAT(testing::PprofStacks(*MergeProfile(sources_, q, ctx_)),
              UnorderedElementsAre(Pair("main;work", 35), Pair("main;idle", 10),
                                   Pair("main;other", 1)));
}

TEST_F(MergeProfileTest, UnknownProfileTypeIsInvalidArgument) {
  MergeProfileQuery q = Query();
  q.stacks.profile_type = "memory:alloc_space:bytes:space:bytes";
  EXPECT_THAT(MergeProfile(sources_, q, ctx_),
              StatusIs(StatusCode::kInvalidArgument, "unknown profile type"));
}

TEST_F(MergeProfileTest, AMemoryBudgetTooSmallFailsTheQuery) {
  QueryContext tight({.memory_budget_bytes = 16});
  EXPECT_THAT(MergeProfile(sources_, Query(), tight),
              StatusIs(StatusCode::kResourceExhausted, "memory budget of 16 bytes"));
}

TEST_F(MergeProfileTest, ACancelledQueryStops) {
  std::atomic<bool> cancelled{true};
  QueryContext gone({.cancelled = &cancelled});
  EXPECT_THAT(MergeProfile(sources_, Query(), gone), StatusIs(StatusCode::kCancelled));
}

}  // namespace
}  // namespace flamedb::query
