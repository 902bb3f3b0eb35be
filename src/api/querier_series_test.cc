// SelectSeries and SelectHeatmap handlers, called directly: what they answer and what they
// refuse by name.
#include "api/querier_test_fixture.h"
#include "query/profile_id.h"

namespace flamedb::api::querier_internal {
namespace {

qv1::SelectSeriesRequest SeriesRequest() {
  qv1::SelectSeriesRequest req;
  req.set_profile_typeid(kCpuType);
  req.set_label_selector("{service_name=\"api\"}");
  req.set_start(kT0Ms);
  req.set_end(kT0Ms + 30000);
  req.set_step(10);
  req.add_group_by("pod");
  return req;
}

qv1::SelectHeatmapRequest HeatmapRequest() {
  qv1::SelectHeatmapRequest req;
  req.set_profile_typeid(kCpuType);
  req.set_label_selector("{service_name=\"api\"}");
  req.set_start(kT0Ms);
  req.set_end(kT0Ms + 30000);
  req.set_step(10);
  req.set_query_type(qv1::HEATMAP_QUERY_TYPE_INDIVIDUAL);
  return req;
}

TEST_F(QuerierHandlerTest, SelectSeriesSumsPerStepWithIndividualExemplars) {
  qv1::SelectSeriesRequest req = SeriesRequest();
  req.set_exemplar_type(tv1::EXEMPLAR_TYPE_INDIVIDUAL);
  qv1::SelectSeriesResponse resp;
  ASSERT_THAT(SelectSeries(MakeCall(), req, resp), IsOk());
  ASSERT_EQ(resp.series_size(), 2);
  EXPECT_EQ(resp.series(0).labels(0).value(), "b");  // 300 before 60.
  ASSERT_EQ(resp.series(1).points_size(), 3);
  EXPECT_EQ(resp.series(1).points(2).value(), 30);
  const tv1::Exemplar& e = resp.series(1).points(2).exemplars(0);
  EXPECT_EQ(e.value(), 30u);
  EXPECT_EQ(e.timestamp(), kT0Ms + 21000);
  EXPECT_EQ(e.profile_id().size(), 32u);
  // Labels the series has (pod) are left out.
  for (const tv1::LabelPair& p : e.labels()) EXPECT_NE(p.name(), "pod");
}

TEST_F(QuerierHandlerTest, SelectSeriesRefusesGoPgoByName) {
  qv1::SelectSeriesRequest req = SeriesRequest();
  req.mutable_stack_trace_selector()->mutable_go_pgo()->set_keep_locations(1);
  qv1::SelectSeriesResponse resp;
  EXPECT_THAT(SelectSeries(MakeCall(), req, resp),
              StatusIs(StatusCode::kInvalidArgument, "stack_trace_selector.go_pgo"));
}

TEST_F(QuerierHandlerTest, SelectHeatmapCountsProfilesPerSlotAndBucket) {
  qv1::SelectHeatmapRequest req = HeatmapRequest();
  req.set_exemplar_type(tv1::EXEMPLAR_TYPE_INDIVIDUAL);
  qv1::SelectHeatmapResponse resp;
  ASSERT_THAT(SelectHeatmap(MakeCall(), req, resp), IsOk());
  ASSERT_EQ(resp.series_size(), 1);
  // Slots end at +10 s, +20 s, +30 s; each holds a (10, 20, 30) and b (100).
  ASSERT_EQ(resp.series(0).slots_size(), 3);
  int total = 0;
  for (const tv1::HeatmapSlot& slot : resp.series(0).slots()) {
    ASSERT_EQ(slot.y_min_size(), 20);
    ASSERT_EQ(slot.counts_size(), 20);
    EXPECT_EQ(slot.y_min(0), 10);  // The smallest profile.
    for (int32_t c : slot.counts()) total += c;
    EXPECT_EQ(slot.counts(19), 1);  // b's 100, the largest.
    EXPECT_EQ(slot.exemplars_size(), 2);
  }
  EXPECT_EQ(total, 6);
  EXPECT_EQ(resp.series(0).slots(0).timestamp(), kT0Ms + 10000);
  // The top bucket's exemplar is b's profile; its id opens it (profile_id_selector).
  const tv1::Exemplar& top = resp.series(0).slots(0).exemplars(1);
  EXPECT_EQ(top.value(), 100u);
  bool pod_b = false;
  for (const tv1::LabelPair& p : top.labels()) pod_b |= p.name() == "pod" && p.value() == "b";
  EXPECT_TRUE(pod_b);
  EXPECT_THAT(query::ParseProfileIds({top.profile_id()}), IsOk());
}

TEST_F(QuerierHandlerTest, SelectHeatmapOfSpansCountsEachSpan) {
  qv1::SelectHeatmapRequest req = HeatmapRequest();
  req.set_query_type(qv1::HEATMAP_QUERY_TYPE_SPAN);
  req.set_exemplar_type(tv1::EXEMPLAR_TYPE_SPAN);
  req.add_group_by("pod");
  qv1::SelectHeatmapResponse resp;
  ASSERT_THAT(SelectHeatmap(MakeCall(), req, resp), IsOk());
  ASSERT_EQ(resp.series_size(), 1);  // Only pod a's profiles have spans.
  EXPECT_EQ(resp.series(0).labels(0).value(), "a");
  EXPECT_EQ(resp.series(0).slots(0).exemplars(0).span_id(), "00000000000000a1");
}

TEST_F(QuerierHandlerTest, SelectHeatmapLimitKeepsTheSeriesWithMostPoints) {
  Add("api", "b", kT0Ms + 3000, 50, "");
  qv1::SelectHeatmapRequest req = HeatmapRequest();
  req.add_group_by("pod");
  req.set_limit(1);
  qv1::SelectHeatmapResponse resp;
  ASSERT_THAT(SelectHeatmap(MakeCall(), req, resp), IsOk());
  ASSERT_EQ(resp.series_size(), 1);
  EXPECT_EQ(resp.series(0).labels(0).value(), "b");
}

TEST_F(QuerierHandlerTest, SelectHeatmapRefusesWhatItCannotAnswerByName) {
  qv1::SelectHeatmapResponse resp;
  qv1::SelectHeatmapRequest req = HeatmapRequest();
  req.set_query_type(qv1::HEATMAP_QUERY_TYPE_UNSPECIFIED);
  EXPECT_THAT(SelectHeatmap(MakeCall(), req, resp),
              StatusIs(StatusCode::kInvalidArgument, "query_type must be"));
  req = HeatmapRequest();
  req.set_exemplar_type(tv1::EXEMPLAR_TYPE_SPAN);
  EXPECT_THAT(SelectHeatmap(MakeCall(), req, resp),
              StatusIs(StatusCode::kInvalidArgument, "exemplar_type must match query_type"));
  req = HeatmapRequest();
  req.set_step(0.0005);
  EXPECT_THAT(SelectHeatmap(MakeCall(), req, resp),
              StatusIs(StatusCode::kInvalidArgument, "step must be at least 1 ms"));
  req = HeatmapRequest();
  req.set_limit(-2);
  EXPECT_THAT(SelectHeatmap(MakeCall(), req, resp),
              StatusIs(StatusCode::kInvalidArgument, "limit must not be negative"));
}

}  // namespace
}  // namespace flamedb::api::querier_internal
