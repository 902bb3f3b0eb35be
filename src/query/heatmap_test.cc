#include "query/heatmap.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "head/head.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::query {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::ElementsAre;

constexpr char kCpu[] = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";

// A profile at `time_ms` with one sample of `value`, or one per span of `spans`.
model::Profile Cpu(int64_t time_ms, int64_t value,
                   const std::vector<std::pair<std::string, int64_t>>& spans = {}) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10000000);
  if (spans.empty()) b.Sample({"work", "main"}, {value});
  for (const auto& [span, v] : spans) b.Sample({"work", "main"}, {v}, {{"span_id", span}});
  return b.TimeNanos(time_ms * 1000000).Build();
}

model::Labels L(const std::string& pod) {
  return {{"__name__", "process_cpu"}, {"pod", pod}, {"service_name", "api"}};
}

int32_t Count(const HeatmapSlot& slot) {
  int32_t n = 0;
  for (int32_t c : slot.counts) n += c;
  return n;
}

class HeatmapTest : public ::testing::Test {
 protected:
  HeatmapTest() {
    // Step 10 s from t=100 s: slots (90,100], (100,110], (110,120] s. Values 0..200.
    for (auto [pod, t, v] : {std::tuple{"a", 95000, 0}, {"a", 100000, 10}, {"a", 105000, 200},
                             {"b", 101000, 100}, {"b", 119000, 199}, {"b", 80000, 5}}) {
      EXPECT_THAT(head_.Append(L(pod), Cpu(t, v), {}), IsOk());
    }
    sources_ = {&head_};
  }
  HeatmapQuery Query() { return HeatmapQuery{kCpu, "{}", 100000, 120000, 10, {}, false, false, 0}; }
  Result<Heatmap> Run(const HeatmapQuery& q) {
    QueryContext ctx;
    FLAMEDB_ASSIGN_OR_RETURN(HeatmapPartial p, CollectHeatmap(sources_, q, {}, ctx));
    return FinishHeatmap(std::move(p), q);
  }
  head::Head head_;
  Sources sources_;
};

TEST_F(HeatmapTest, EachProfileCountsOnceInItsSlotAndValueBucket) {
  Result<Heatmap> h = Run(Query());
  ASSERT_THAT(h, IsOk());
  // 20 buckets of 10 between the smallest and largest profile (80 s is before the first slot).
  ASSERT_EQ(h->y_min.size(), 20u);
  EXPECT_EQ(h->y_min[0], 0);
  EXPECT_EQ(h->y_min[1], 10);
  EXPECT_EQ(h->y_min[19], 190);
  ASSERT_EQ(h->series.size(), 1u);
  const auto& slots = h->series[0].slots;
  ASSERT_EQ(slots.size(), 3u);
  EXPECT_EQ(slots[0].timestamp_ms, 100000);  // 95 s and 100 s: (90, 100].
  EXPECT_EQ(slots[0].counts[0], 1);
  EXPECT_EQ(slots[0].counts[1], 1);
  EXPECT_EQ(Count(slots[0]), 2);
  EXPECT_EQ(slots[1].timestamp_ms, 110000);  // 101 s (100) and 105 s (200, the top bucket).
  EXPECT_EQ(slots[1].counts[10], 1);
  EXPECT_EQ(slots[1].counts[19], 1);
  EXPECT_EQ(slots[2].timestamp_ms, 120000);
  EXPECT_EQ(slots[2].counts[19], 1);  // 199.
  EXPECT_TRUE(slots[0].exemplars.empty());
}

TEST_F(HeatmapTest, GroupByLimitAndExemplarsPerCell) {
  HeatmapQuery q = Query();
  q.group_by = {"pod"};
  q.exemplars = true;
  q.limit = 1;
  Result<Heatmap> h = Run(q);
  ASSERT_THAT(h, IsOk());
  ASSERT_EQ(h->series.size(), 1u);  // "a" has 3 points, "b" 2.
  EXPECT_EQ(h->series[0].labels.ToString(), "{pod=\"a\"}");
  // The value axis still spans every series' points.
  EXPECT_EQ(h->y_min[19], 190);
  const HeatmapSlot& slot = h->series[0].slots[1];
  ASSERT_EQ(slot.exemplars.size(), 1u);
  EXPECT_EQ(slot.exemplars[0].value, 200);
  EXPECT_EQ(slot.exemplars[0].time_ns, 105000 * 1000000LL);
  EXPECT_EQ(slot.exemplars[0].labels.Get("pod"), "a");
}

TEST_F(HeatmapTest, SpanQueriesCountEachSpanOfEachProfile) {
  ASSERT_THAT(head_.Append(L("c"), Cpu(111000, 0, {{"00000000000000a1", 30},
                                                   {"00000000000000a1", 12},
                                                   {"00000000000000b2", 7}}),
                           {}),
              IsOk());
  HeatmapQuery q = Query();
  q.spans = true;
  q.exemplars = true;
  Result<Heatmap> h = Run(q);
  ASSERT_THAT(h, IsOk());
  ASSERT_EQ(h->series.size(), 1u);  // Profiles without spans have no points.
  ASSERT_EQ(h->series[0].slots.size(), 1u);
  EXPECT_EQ(Count(h->series[0].slots[0]), 2);  // a1 = 42, b2 = 7.
  EXPECT_EQ(h->y_min[0], 7);
  const auto& ex = h->series[0].slots[0].exemplars;
  ASSERT_EQ(ex.size(), 2u);  // By bucket: b2 first.
  EXPECT_EQ(ex[0].span_id, 0xb2u);
  EXPECT_EQ(ex[1].span_id, 0xa1u);
  EXPECT_EQ(ex[1].value, 42);
}

// A span's exemplar names the span's trace, when its samples name one: from a span's profile
// back to its trace.
TEST_F(HeatmapTest, SpanExemplarsCarryTheTraceOfTheirSpan) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10000000);
  b.Sample({"work", "main"}, {30},
           {{"span_id", "00000000000000a1"}, {"trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}});
  b.Sample({"gc", "main"}, {5}, {{"span_id", "00000000000000a1"}});
  b.Sample({"work", "main"}, {7}, {{"span_id", "00000000000000b2"}});
  ASSERT_THAT(head_.Append(L("c"), b.TimeNanos(111000LL * 1000000).Build(), {}), IsOk());
  HeatmapQuery q = Query();
  q.spans = true;
  q.exemplars = true;
  Result<Heatmap> h = Run(q);
  ASSERT_THAT(h, IsOk());
  ASSERT_EQ(h->series.size(), 1u);
  const auto& ex = h->series[0].slots[0].exemplars;
  ASSERT_EQ(ex.size(), 2u);
  EXPECT_EQ(ex[0].span_id, 0xb2u);
  EXPECT_TRUE(ex[0].trace_id.empty());
  EXPECT_EQ(ex[1].span_id, 0xa1u);
  EXPECT_EQ(ex[1].value, 35);
  EXPECT_EQ(model::FormatTraceId(ex[1].trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST_F(HeatmapTest, PartialsOfSplitSourcesFinishIntoTheSameHeatmap) {
  head::Head other;
  ASSERT_THAT(other.Append(L("a"), Cpu(109000, 64), {}), IsOk());
  HeatmapQuery q = Query();
  q.exemplars = true;
  QueryContext ctx;
  Result<HeatmapPartial> one = CollectHeatmap({&head_}, q, {}, ctx);
  Result<HeatmapPartial> two = CollectHeatmap({&other}, q, {}, ctx);
  Result<HeatmapPartial> both = CollectHeatmap({&other, &head_}, q, {}, ctx);
  ASSERT_THAT(one, IsOk());
  ASSERT_THAT(two, IsOk());
  ASSERT_THAT(both, IsOk());
  MergeHeatmap(std::move(*one), *two);
  const Heatmap merged = FinishHeatmap(std::move(*two), q);
  const Heatmap whole = FinishHeatmap(std::move(*both), q);
  ASSERT_EQ(merged.series.size(), 1u);
  ASSERT_EQ(whole.series.size(), 1u);
  EXPECT_EQ(merged.y_min, whole.y_min);
  ASSERT_EQ(merged.series[0].slots.size(), whole.series[0].slots.size());
  for (size_t i = 0; i < merged.series[0].slots.size(); ++i) {
    EXPECT_EQ(merged.series[0].slots[i].counts, whole.series[0].slots[i].counts) << i;
    EXPECT_EQ(merged.series[0].slots[i].exemplars.size(),
              whole.series[0].slots[i].exemplars.size()) << i;
  }
}

TEST_F(HeatmapTest, OneValueGetsARangeOfOneAndNoPointsNoBuckets) {
  HeatmapQuery q = Query();
  q.selector = "{pod=\"nobody\"}";
  Result<Heatmap> none = Run(q);
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->y_min.empty());
  EXPECT_TRUE(none->series.empty());
  q.selector = "{pod=\"b\"}";
  q.start_ms = 110000;
  q.end_ms = 110001;
  EXPECT_THAT(Run(q)->y_min, ::testing::SizeIs(20));
}

TEST_F(HeatmapTest, BadQueriesAreRefusedByName) {
  HeatmapQuery q = Query();
  q.step_seconds = 0.0001;
  EXPECT_THAT(Run(q), StatusIs(StatusCode::kInvalidArgument, "step must be at least 1 ms"));
  q = Query();
  q.limit = -1;
  EXPECT_THAT(Run(q), StatusIs(StatusCode::kInvalidArgument, "limit must not be negative"));
  q = Query();
  q.end_ms = q.start_ms;
  EXPECT_THAT(Run(q), StatusIs(StatusCode::kInvalidArgument, "start must be before end"));
  q = Query();
  q.profile_type = "nope";
  EXPECT_THAT(Run(q), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(HeatmapTest, ThePointsAreChargedToTheQuerysMemoryBudget) {
  QueryContext ctx({.memory_budget_bytes = 16});
  EXPECT_THAT(CollectHeatmap(sources_, Query(), {}, ctx),
              StatusIs(StatusCode::kResourceExhausted));
}

}  // namespace
}  // namespace flamedb::query
