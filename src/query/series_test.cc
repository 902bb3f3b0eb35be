#include "query/series.h"

#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "head/head.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::query {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

constexpr char kCpu[] = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";

model::Profile Cpu(int64_t time_ms, int64_t value) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10000000);
  b.Sample({"work", "main"}, {value});
  return b.TimeNanos(time_ms * 1000000).Build();
}

model::Labels L(const std::string& pod) {
  return {{"__name__", "process_cpu"}, {"pod", pod}, {"service_name", "api"}};
}

class SeriesTest : public ::testing::Test {
 protected:
  SeriesTest() {
    // Step 10 s from t=100 s: boundaries 100, 110, 120 (s).
    for (auto [pod, t, v] : {std::tuple{"a", 100000, 1}, {"a", 105000, 2}, {"a", 110000, 4},
                             {"b", 101000, 8}, {"b", 119000, 16}, {"b", 125000, 32}}) {
      EXPECT_THAT(head_.Append(L(pod), Cpu(t, v), {}), IsOk());
    }
    sources_ = {&head_};
  }
  SeriesQuery Query() {
    return SeriesQuery{kCpu, "{}", 100000, 120000, 10, {}, false, 0, {}};
  }
  head::Head head_;
  Sources sources_;
};

TEST_F(SeriesTest, ProfilesLandOnTheFirstBoundaryAtOrAfterThem) {
  auto series = SelectSeries(sources_, Query(), {});
  ASSERT_THAT(series, IsOk());
  ASSERT_EQ(series->size(), 1u);  // No group_by: one series without labels.
  EXPECT_TRUE((*series)[0].labels.empty());
  const auto& p = (*series)[0].points;
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].timestamp_ms, 100000);  // Exactly at start.
  EXPECT_EQ(p[0].value, 1);
  EXPECT_EQ(p[1].timestamp_ms, 110000);  // 105 s, 110 s and 101 s.
  EXPECT_EQ(p[1].value, 2 + 4 + 8);
  EXPECT_EQ(p[2].timestamp_ms, 120000);
  EXPECT_EQ(p[2].value, 16);  // 125 s is past the end.
}

TEST_F(SeriesTest, GroupByAverageAndLimit) {
  SeriesQuery q = Query();
  q.group_by = {"pod", "missing"};
  q.average = true;
  auto series = SelectSeries(sources_, q, {});
  ASSERT_THAT(series, IsOk());
  ASSERT_EQ(series->size(), 2u);
  EXPECT_EQ((*series)[0].labels.ToString(), "{pod=\"b\"}");  // Larger sum first.
  EXPECT_EQ((*series)[1].points[1].value, 3);  // Average of 2 and 4.
  q.limit = 1;
  EXPECT_EQ(SelectSeries(sources_, q, {})->size(), 1u);
}

// Partials of disjoint sources, merged in any order, finish into the series of the whole.
TEST_F(SeriesTest, PartialsOfSplitSourcesFinishIntoTheSameSeries) {
  head::Head other;
  EXPECT_THAT(other.Append(L("a"), Cpu(109000, 64), {}), IsOk());
  EXPECT_THAT(other.Append(L("c"), Cpu(111000, 128), {}), IsOk());
  SeriesQuery q = Query();
  q.group_by = {"pod"};
  q.average = true;
  QueryContext ctx;
  auto first = CollectSeries({&other}, q, {}, ctx);
  auto second = CollectSeries(sources_, q, {}, ctx);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  SeriesPartial merged;
  MergeSeries(*std::move(first), merged);
  MergeSeries(*std::move(second), merged);
  const std::vector<TimeSeries> got = FinishSeries(std::move(merged), q);
  auto want = SelectSeries({&other, &head_}, q, {});
  ASSERT_THAT(want, IsOk());
  ASSERT_EQ(got.size(), want->size());
  ASSERT_EQ(got.size(), 3u);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].labels.ToString(), (*want)[i].labels.ToString());
    ASSERT_EQ(got[i].points.size(), (*want)[i].points.size());
    for (size_t j = 0; j < got[i].points.size(); ++j) {
      EXPECT_EQ(got[i].points[j].timestamp_ms, (*want)[i].points[j].timestamp_ms);
      EXPECT_EQ(got[i].points[j].value, (*want)[i].points[j].value);
    }
  }
  // Pod a at 110 s averages profiles of both parts (105 s and 110 s here, 109 s there).
  const auto a = std::find_if(got.begin(), got.end(), [](const TimeSeries& ts) {
    return ts.labels.ToString() == "{pod=\"a\"}";
  });
  ASSERT_NE(a, got.end());
  EXPECT_EQ(a->points[1].value, (2 + 4 + 64) / 3.0);
}

TEST_F(SeriesTest, Errors) {
  SeriesQuery q = Query();
  q.step_seconds = 0;
  EXPECT_THAT(SelectSeries(sources_, q, {}), StatusIs(StatusCode::kInvalidArgument, "step must be non-zero"));
  q = Query();
  q.selector = "{";
  EXPECT_THAT(SelectSeries(sources_, q, {}), StatusIs(StatusCode::kInvalidArgument, "parse error"));
  q = Query();
  q.start_ms = 0;
  EXPECT_THAT(SelectSeries(sources_, q, {}), StatusIs(StatusCode::kInvalidArgument, "missing time range"));
}

}  // namespace
}  // namespace flamedb::query

namespace flamedb::query {
namespace {

TEST(SeriesThreadsTest, SourcesReadOnSeveralThreadsGiveTheSameSeries) {
  // Four heads, each with pods a and b at overlapping steps.
  std::vector<std::unique_ptr<head::Head>> heads;
  Sources sources;
  for (int h = 0; h < 4; ++h) {
    heads.push_back(std::make_unique<head::Head>());
    for (auto [pod, t] : {std::pair{"a", 100000}, {"b", 105000}, {"a", 111000}, {"c", 119000}}) {
      EXPECT_THAT(heads.back()->Append(L(pod), Cpu(t + h * 10, 1 << h), {}), IsOk());
    }
    sources.push_back(heads.back().get());
  }
  SeriesQuery q{kCpu, "{}", 100000, 120000, 10, {"pod"}, false, 0, {}};
  QueryContext one;
  QueryContext three({.threads = 3});

  auto serial = SelectSeries(sources, q, {}, one);
  auto parallel = SelectSeries(sources, q, {}, three);

  ASSERT_THAT(serial, IsOk());
  ASSERT_THAT(parallel, IsOk());
  ASSERT_EQ(serial->size(), 3u);
  ASSERT_EQ(parallel->size(), serial->size());
  for (size_t i = 0; i < serial->size(); ++i) {
    EXPECT_EQ((*parallel)[i].labels, (*serial)[i].labels);
    ASSERT_EQ((*parallel)[i].points.size(), (*serial)[i].points.size());
    for (size_t k = 0; k < (*serial)[i].points.size(); ++k) {
      EXPECT_EQ((*parallel)[i].points[k].timestamp_ms, (*serial)[i].points[k].timestamp_ms);
      EXPECT_EQ((*parallel)[i].points[k].value, (*serial)[i].points[k].value);
    }
  }
  // Pod a: head 0's 100.000 s lands on 100 s, heads 1-3's 100.0x s on 110 s, 111.0x s on 120 s.
  EXPECT_EQ((*serial)[0].labels.ToString(), R"({pod="a"})");
  ASSERT_EQ((*serial)[0].points.size(), 3u);
  EXPECT_EQ((*serial)[0].points[0].value, 1);
  EXPECT_EQ((*serial)[0].points[1].value, 2 + 4 + 8);
  EXPECT_EQ((*serial)[0].points[2].value, 15);
}

}  // namespace
}  // namespace flamedb::query
