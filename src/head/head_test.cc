#include "head/head.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
  const std::vector<SeriesSummary> s = head.Summaries();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].labels, kLabels);
  EXPECT_EQ(s[0].profiles, 2);
  EXPECT_EQ(s[0].totals.at("process_cpu:samples:count:cpu:nanoseconds"), 6);
  EXPECT_EQ(s[0].totals.at("process_cpu:cpu:nanoseconds:cpu:nanoseconds"), 60000000);
}

TEST(HeadTest, ASubsetOfSamplesIsStored) {
  Head head;

  ASSERT_THAT(head.Append(kLabels, Cpu(3, 1), {1}), IsOk());

  EXPECT_EQ(head.Summaries()[0].totals.at("process_cpu:samples:count:cpu:nanoseconds"), 1);
}

TEST(HeadTest, TheSeriesLimitStoresNothingOfTheProfile) {
  Head head;

  EXPECT_EQ(head.NewSeries(kLabels, Cpu(1, 1)), 2u);
  EXPECT_THAT(head.Append(kLabels, Cpu(1, 1), {}, 1),  // One series allowed; the profile needs two.
              StatusIs(StatusCode::kResourceExhausted, "Maximum active series limit exceeded (0/1)"));

  EXPECT_EQ(head.rows(), 0u);
  EXPECT_EQ(head.series(), 0u);
}

}  // namespace
}  // namespace flamedb::head
