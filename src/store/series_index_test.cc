#include "store/series_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb::store {
namespace {

using ::flamedb::testing::StatusIs;
using ::testing::ElementsAre;

TEST(SeriesIndexTest, SameLabelsSameIdAndPostingsPerValue) {
  SeriesIndex index;
  const model::Labels a = {{"__name__", "process_cpu"}, {"service_name", "api"}, {"env", "prod"}};
  const model::Labels b = {{"__name__", "process_cpu"}, {"service_name", "api"}, {"env", "dev"}};
  const model::Labels c = {{"__name__", "memory"}, {"service_name", "db"}};

  const uint32_t ia = *index.GetOrCreate(a);
  const uint32_t ib = *index.GetOrCreate(b);
  const uint32_t ic = *index.GetOrCreate(c);

  EXPECT_EQ(*index.GetOrCreate(a), ia);
  EXPECT_EQ(index.size(), 3u);
  EXPECT_THAT(index.Postings("service_name", "api"), ElementsAre(ia, ib));
  EXPECT_THAT(index.Postings("env", "prod"), ElementsAre(ia));
  EXPECT_TRUE(index.Postings("env", "staging").empty());
  EXPECT_THAT(index.LabelNames(), ElementsAre("__name__", "env", "service_name"));
  EXPECT_THAT(index.LabelValues("service_name"), ElementsAre("api", "db"));
  EXPECT_EQ(index.labels(ic), c);
}

TEST(SeriesIndexTest, FingerprintsSeparateNameAndValue) {
  EXPECT_NE(Fingerprint({{"ab", "c"}}), Fingerprint({{"a", "bc"}}));
  EXPECT_EQ(Fingerprint({{"a", "1"}, {"b", "2"}}), Fingerprint({{"b", "2"}, {"a", "1"}}));
}

TEST(SeriesIndexTest, TheActiveSeriesLimitIsA429ButKnownSeriesStillWork) {
  SeriesIndex index;
  ASSERT_TRUE(index.GetOrCreate({{"s", "1"}}, 2).ok());
  ASSERT_TRUE(index.GetOrCreate({{"s", "2"}}, 2).ok());

  const Result<uint32_t> third = index.GetOrCreate({{"s", "3"}}, 2);

  EXPECT_THAT(third, StatusIs(StatusCode::kResourceExhausted,
                              "Maximum active series limit exceeded (2/2)"));
  EXPECT_EQ(third.status().tag(), "series_limit");
  EXPECT_TRUE(index.GetOrCreate({{"s", "1"}}, 2).ok());
  EXPECT_TRUE(index.Contains({{"s", "2"}}));
  EXPECT_FALSE(index.Contains({{"s", "3"}}));
}

}  // namespace
}  // namespace flamedb::store
