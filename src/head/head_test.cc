#include "head/head.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/summary.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::head {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

const model::Labels kLabels = {{"__name__", "process_cpu"}, {"service_name", "api"}};

model::Profile Cpu(int64_t a, int64_t b) {
  testing::ProfileBuilder builder;
  builder.SampleType("samples", "count").SampleType("cpu", "nanoseconds");
  builder.Period("cpu", "nanoseconds", 10000000);
  builder.Sample({"work", "main"}, {a, a * 10000000}).Sample({"idle", "main"}, {b, b * 10000000});
  return builder.Build();
}

TEST(HeadTest, EachSampleTypeIsASeriesWithPyroscopesLabels) {
  const model::Labels l = SampleTypeSeriesLabels(kLabels, Cpu(1, 1), 1);

  EXPECT_EQ(l.ToString(),
            R"({__name__="process_cpu", __period_type__="cpu", __period_unit__="nanoseconds", )"
            R"(__profile_type__="process_cpu:cpu:nanoseconds:cpu:nanoseconds", )"
            R"(__service_name__="api", __type__="cpu", __unit__="nanoseconds", service_name="api"})");
}

TEST(HeadTest, SummariesAddUpRowsPerProfileType) {
  Head head;

  ASSERT_THAT(head.Append(kLabels, Cpu(3, 1), {}), IsOk());
  ASSERT_THAT(head.Append(kLabels, Cpu(2, 0), {}), IsOk());

  EXPECT_EQ(head.rows(), 4u);  // Two profiles, two sample types each.
  const std::vector<store::SeriesSummary> s = *store::Summarize({&head});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].labels, kLabels);
  EXPECT_EQ(s[0].profiles, 2);
  EXPECT_EQ(s[0].totals.at("process_cpu:samples:count:cpu:nanoseconds"), 6);
  EXPECT_EQ(s[0].totals.at("process_cpu:cpu:nanoseconds:cpu:nanoseconds"), 60000000);
}

TEST(HeadTest, LendsTheLabelsOfTheSeriesAskedForAndSkipsUnknownIds) {
  Head head;
  ASSERT_THAT(head.Append(kLabels, Cpu(3, 1), {}), IsOk());  // Series 0 and 1.
  std::vector<std::pair<uint32_t, std::string>> seen;

  const uint32_t ids[] = {1, 7, 0};
  head.ForEachSeriesLabels(ids, [&](uint32_t id, const model::Labels& labels) {
    seen.emplace_back(id, std::string(labels.Get("__type__").value_or("")));
  });

  EXPECT_THAT(seen, ::testing::ElementsAre(std::pair<uint32_t, std::string>{1, "cpu"},
                                           std::pair<uint32_t, std::string>{0, "samples"}));
}

TEST(HeadTest, ASubsetOfSamplesIsStored) {
  Head head;

  ASSERT_THAT(head.Append(kLabels, Cpu(3, 1), {1}), IsOk());

  EXPECT_EQ((*store::Summarize({&head}))[0].totals.at("process_cpu:samples:count:cpu:nanoseconds"), 1);
}

TEST(HeadTest, SpanIdsStayWithTheirSamples) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10);
  b.Sample({"a", "main"}, {10}, {{"span_id", "00000000000000aB"}});
  b.Sample({"b", "main"}, {20}, {{"span_id", "not-a-span-id"}});  // Kept, without a span.
  b.Sample({"c", "main"}, {30});
  Head head;
  ASSERT_THAT(head.Append(kLabels, b.Build(), {}), IsOk());
  ASSERT_THAT(head.Append(kLabels, Cpu(1, 1), {}), IsOk());

  std::vector<std::vector<uint64_t>> spans;
  std::vector<int64_t> totals;
  ASSERT_THAT(head.ForEachRow({}, {INT64_MIN, INT64_MAX}, [&](const store::RowView& row) {
    spans.emplace_back(row.spans.begin(), row.spans.end());
    totals.push_back(row.total);
  }), IsOk());

  ASSERT_EQ(spans.size(), 3u);  // The span profile's row, then the CPU profile's two.
  EXPECT_EQ(totals[0], 60);
  EXPECT_THAT(spans[0], ::testing::ElementsAre(0xab, 0, 0));
  EXPECT_TRUE(spans[1].empty());
  EXPECT_TRUE(spans[2].empty());
}

TEST(HeadTest, TheSeriesLimitStoresNothingOfTheProfile) {
  Head head;

  EXPECT_EQ(head.NewSeries(kLabels, Cpu(1, 1)), 2u);
  EXPECT_THAT(head.Append(kLabels, Cpu(1, 1), {}, 1),  // One series allowed; the profile needs two.
              StatusIs(StatusCode::kResourceExhausted, "Maximum active series limit exceeded (0/1)"));

  EXPECT_EQ(head.rows(), 0u);
  EXPECT_EQ(head.series(), 0u);
}

TEST(HeadTest, RowsComeBySeriesThenTimeWithinTheRange) {
  Head head;
  model::Profile late = Cpu(1, 0);
  late.time_nanos = 300;
  model::Profile early = Cpu(2, 0);
  early.time_nanos = 100;
  model::Profile middle = Cpu(3, 0);
  middle.time_nanos = 200;
  for (const model::Profile* p : {&late, &early, &middle}) {
    ASSERT_THAT(head.Append(kLabels, *p, {}), IsOk());
  }
  const std::vector<uint32_t> cpu = head.Postings("__type__", "cpu");
  ASSERT_EQ(cpu.size(), 1u);

  std::vector<int64_t> times;
  ASSERT_THAT(head.ForEachRow(cpu, {100, 250}, [&](const store::RowView& row) {
    times.push_back(row.time_nanos);
    EXPECT_EQ(row.stacks.size(), row.values.size());
  }), IsOk());

  EXPECT_EQ(times, (std::vector<int64_t>{100, 200}));
  EXPECT_EQ(head.Range().min_nanos, 100);
  EXPECT_EQ(head.Range().max_nanos, 300);
  EXPECT_EQ(head.samples(), 3u + 3u);  // Idle has no samples: only non-zero values are kept.
  EXPECT_EQ(head.PartitionName(0), "api");
  bool seen = false;
  ASSERT_THAT(head.WithSymbols(0, [&](const symdb::Partition& p) { seen = p.stacks() > 1; }),
              IsOk());
  EXPECT_TRUE(seen);
  EXPECT_THAT(head.WithSymbols(7, [](const symdb::Partition&) {}),
              StatusIs(StatusCode::kNotFound, "no symbol partition 7"));
}

}  // namespace
}  // namespace flamedb::head
