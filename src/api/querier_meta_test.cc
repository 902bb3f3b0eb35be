// The metadata handlers of querier.v1.QuerierService, each called directly.
#include "api/querier_test_fixture.h"

namespace flamedb::api::querier_internal {
namespace {

using ::testing::ElementsAre;

constexpr int64_t kEndMs = kT0Ms + 60000;

TEST_F(QuerierHandlerTest, ProfileTypesListsEachTypeOnce) {
  qv1::ProfileTypesRequest req;
  req.set_start(kT0Ms);
  req.set_end(kEndMs);
  qv1::ProfileTypesResponse resp;
  ASSERT_THAT(ProfileTypes(MakeCall(), req, resp), IsOk());
  ASSERT_EQ(resp.profile_types_size(), 1);
  EXPECT_EQ(resp.profile_types(0).id(), kCpuType);
  EXPECT_EQ(resp.profile_types(0).sample_unit(), "nanoseconds");
  req.set_end(kT0Ms - 1);
  EXPECT_THAT(ProfileTypes(MakeCall(), req, resp), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(QuerierHandlerTest, LabelValuesAndNamesFollowTheMatchers) {
  tv1::LabelValuesRequest values;
  values.set_name("pod");
  values.add_matchers("{service_name=\"api\"}");
  tv1::LabelValuesResponse values_resp;
  ASSERT_THAT(LabelValues(MakeCall(), values, values_resp), IsOk());
  EXPECT_THAT(values_resp.names(), ElementsAre("a", "b"));

  tv1::LabelNamesRequest names;
  names.add_matchers("{service_name=\"db\"}");
  tv1::LabelNamesResponse names_resp;
  ASSERT_THAT(LabelNames(MakeCall(), names, names_resp), IsOk());
  EXPECT_THAT(names_resp.names(), ::testing::Contains("pod"));
  names.set_matchers(0, "{service_name=");
  EXPECT_THAT(LabelNames(MakeCall(), names, names_resp), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(QuerierHandlerTest, SeriesKeepsOnlyTheAskedLabelNames) {
  qv1::SeriesRequest req;
  req.add_matchers("{service_name=\"api\"}");
  req.add_label_names("pod");
  qv1::SeriesResponse resp;
  ASSERT_THAT(Series(MakeCall(), req, resp), IsOk());
  ASSERT_EQ(resp.labels_set_size(), 2);
  ASSERT_EQ(resp.labels_set(0).labels_size(), 1);
  EXPECT_EQ(resp.labels_set(0).labels(0).name(), "pod");
}

TEST_F(QuerierHandlerTest, AnalyzeQueryCountsTheHeadsProfilesAndBytes) {
  qv1::AnalyzeQueryRequest req;
  qv1::AnalyzeQueryResponse resp;
  ASSERT_THAT(AnalyzeQuery(MakeCall(), req, resp), IsOk());  // No range: empty, as Pyroscope.
  EXPECT_EQ(resp.query_scopes_size(), 0);
  req.set_start(kT0Ms);
  req.set_end(kEndMs);
  req.set_query(std::string(kCpuType) + "{service_name=\"api\"}");
  ASSERT_THAT(AnalyzeQuery(MakeCall(), req, resp), IsOk());
  ASSERT_EQ(resp.query_scopes_size(), 2);
  EXPECT_EQ(resp.query_scopes(0).component_type(), "Short term storage");
  EXPECT_EQ(resp.query_scopes(0).profile_count(), 6u);
  EXPECT_EQ(resp.query_scopes(0).series_count(), 2u);
  EXPECT_GT(resp.query_impact().total_bytes_in_time_range(), 0u);
  EXPECT_EQ(resp.query_impact().total_queried_series(), 2u);
}

TEST_F(QuerierHandlerTest, GetProfileStatsGivesTheOldestAndNewestProfile) {
  tv1::GetProfileStatsResponse resp;
  ASSERT_THAT(GetProfileStats(MakeCall(), {}, resp), IsOk());
  EXPECT_TRUE(resp.data_ingested());
  EXPECT_EQ(resp.oldest_profile_time(), kT0Ms + 1000);
  EXPECT_EQ(resp.newest_profile_time(), kT0Ms + 22000);
}

}  // namespace
}  // namespace flamedb::api::querier_internal
