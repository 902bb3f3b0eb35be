#include "distributor/distributor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "testing/fake_clock.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::distributor {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::ProfileBuilder;
using ::flamedb::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FakeSink final : public ProfileSink {
 public:
  Status Append(std::string_view tenant, std::vector<SeriesProfile> profiles) override {
    for (SeriesProfile& p : profiles) {
      appended.emplace_back(std::string(tenant), std::move(p));
    }
    return OkStatus();
  }
  std::vector<std::pair<std::string, SeriesProfile>> appended;
};

class DistributorTest : public ::testing::Test {
 protected:
  void Make(Limits limits = {}) {
    overrides_ = std::make_unique<Overrides>(limits, "");
    distributor_ = std::make_unique<Distributor>(sink_, *overrides_, clock_, logger_, metrics_);
  }

  static IncomingProfile Cpu(model::Labels labels, ProfileBuilder b, size_t bytes = 1000) {
    return {std::move(labels), b.Build(), bytes, bytes / 4};
  }
  static ProfileBuilder TwoStacks() {
    ProfileBuilder b;
    b.SampleType("cpu", "nanoseconds").Sample({"work", "main"}, {30}).Sample({"idle", "main"}, {10});
    return b;
  }

  FakeSink sink_;
  flamedb::testing::FakeClock clock_;
  base::Logger logger_{clock_, stderr, base::LogLevel::kError};
  base::MetricsRegistry metrics_;
  std::unique_ptr<Overrides> overrides_;
  std::unique_ptr<Distributor> distributor_;
};

TEST_F(DistributorTest, StoresAValidProfileWithADefaultServiceName) {
  Make();
  std::vector<IncomingProfile> in;
  in.push_back(Cpu({{"__name__", "process_cpu"}}, TwoStacks()));

  ASSERT_THAT(distributor_->Push("t1", std::move(in)), IsOk());

  ASSERT_EQ(sink_.appended.size(), 1u);
  EXPECT_EQ(sink_.appended[0].first, "t1");
  EXPECT_EQ(sink_.appended[0].second.labels.ToString(),
            R"({__name__="process_cpu", service_name="unknown_service"})");
  EXPECT_EQ(sink_.appended[0].second.profile->samples.size(), 2u);
  EXPECT_THAT(metrics_.Render(),
              HasSubstr("pyroscope_distributor_received_samples_sum{type=\"process_cpu\","
                        "tenant=\"t1\"} 2\n"));
}

TEST_F(DistributorTest, GodeltaprofNamesAreRenamedAndNotDeltaComputed) {
  Make();
  ProfileBuilder b;
  b.SampleType("alloc_objects", "count").SampleType("alloc_space", "bytes").Sample({"f"}, {1, 8});
  std::vector<IncomingProfile> in;
  in.push_back(Cpu({{"__name__", "godeltaprof_memory"}, {"service_name", "app"}}, std::move(b)));

  ASSERT_THAT(distributor_->Push("t1", std::move(in)), IsOk());

  // Stored at once (no delta baseline), as memory, without __delta__.
  ASSERT_EQ(sink_.appended.size(), 1u);
  EXPECT_EQ(sink_.appended[0].second.labels.ToString(),
            R"({__name__="memory", service_name="app"})");
}

TEST_F(DistributorTest, CumulativeMemoryProfilesStartWithABaseline) {
  Make();
  auto heap = [](int64_t objects) {
    ProfileBuilder b;
    b.SampleType("alloc_objects", "count").Sample({"f"}, {objects});
    return Cpu({{"__name__", "memory"}, {"service_name", "app"}}, std::move(b));
  };
  std::vector<IncomingProfile> first, second;
  first.push_back(heap(10));
  second.push_back(heap(25));

  ASSERT_THAT(distributor_->Push("t1", std::move(first)), IsOk());
  EXPECT_TRUE(sink_.appended.empty());
  ASSERT_THAT(distributor_->Push("t1", std::move(second)), IsOk());

  ASSERT_EQ(sink_.appended.size(), 1u);
  EXPECT_EQ(sink_.appended[0].second.profile->values[0], 15);
}

TEST_F(DistributorTest, EmptyRequestIsAnError) {
  Make();
  EXPECT_THAT(distributor_->Push("t1", {}),
              StatusIs(StatusCode::kInvalidArgument, "no profiles received"));
}

TEST_F(DistributorTest, SampleLabelsSplitTheProfileIntoSeries) {
  Make();
  ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds");
  b.Sample({"a"}, {1}, {{"endpoint", "/x"}, {"profile_id", "00000000000000aa"}});
  b.Sample({"b"}, {2}, {{"endpoint", "/y"}});
  b.Sample({"c"}, {3}, {{"endpoint", "/x"}, {"service_name", "ignored"}});
  b.Sample({"d"}, {4});
  std::vector<IncomingProfile> in;
  in.push_back(Cpu({{"__name__", "process_cpu"}, {"service_name", "app"}}, std::move(b)));

  ASSERT_THAT(distributor_->Push("t1", std::move(in)), IsOk());

  std::vector<std::string> series;
  for (const auto& [tenant, p] : sink_.appended) {
    series.push_back(p.labels.ToString() + " " + std::to_string(p.samples.size()));
  }
  // The request's service_name wins over the sample label, so "c" joins "a" in endpoint=/x.
  EXPECT_THAT(series,
              ElementsAre(R"({__name__="process_cpu", service_name="app"} 1)",
                          R"({__name__="process_cpu", endpoint="/x", service_name="app"} 2)",
                          R"({__name__="process_cpu", endpoint="/y", service_name="app"} 1)"));
}

// Span and trace ids link samples to traces: they stay with the samples, so a profile whose
// only sample labels are those is one series, not one per trace.
TEST_F(DistributorTest, SpanAndTraceIdsAreNoSeriesLabels) {
  Make();
  ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds");
  b.Sample({"a"}, {1}, {{"span_id", "00000000000000aa"},
                        {"trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}});
  b.Sample({"b"}, {2}, {{"trace_id", "0af7651916cd43dd8448eb211c80319c"}});
  b.Sample({"c"}, {3});
  std::vector<IncomingProfile> in;
  in.push_back(Cpu({{"__name__", "process_cpu"}, {"service_name", "app"}}, std::move(b)));

  ASSERT_THAT(distributor_->Push("t1", std::move(in)), IsOk());

  ASSERT_EQ(sink_.appended.size(), 1u);
  EXPECT_EQ(sink_.appended[0].second.labels.ToString(),
            R"({__name__="process_cpu", service_name="app"})");
  EXPECT_TRUE(sink_.appended[0].second.samples.empty());  // Every sample.
}

TEST_F(DistributorTest, InvalidProfilesAreCountedByReason) {
  Make();
  ProfileBuilder b;  // No sample types.
  std::vector<IncomingProfile> in;
  in.push_back(Cpu({{"__name__", "process_cpu"}}, std::move(b), 123));

  const Status s = distributor_->Push("t1", std::move(in));

  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument, "empty profile"));
  EXPECT_THAT(metrics_.Render(),
              HasSubstr("pyroscope_discarded_bytes_total{reason=\"malformed_profile\",tenant=\"t1\"}"
                        " 123\n"));
  EXPECT_TRUE(sink_.appended.empty());
}

TEST_F(DistributorTest, ProfilesWithNothingLeftAreAcceptedButNotStored) {
  Make();
  ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Sample({"a"}, {0});
  std::vector<IncomingProfile> in;
  in.push_back(Cpu({{"__name__", "process_cpu"}}, std::move(b)));

  EXPECT_THAT(distributor_->Push("t1", std::move(in)), IsOk());
  EXPECT_TRUE(sink_.appended.empty());
}

TEST_F(DistributorTest, ProfilesWhoseEverySampleIsBrokenAreRejected) {
  Make();
  ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Sample({"a"}, {5});
  model::Profile p = b.Build();
  p.location_ids[0] = 77;  // No such location.
  std::vector<IncomingProfile> in;
  in.push_back({{{"__name__", "process_cpu"}}, std::move(p), 100, 100});

  const Status s = distributor_->Push("t1", std::move(in));

  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument, "references a location that does not exist"));
  EXPECT_EQ(s.tag(), "malformed_profile");
}

TEST_F(DistributorTest, ASampleOnLocationZeroIsMalformed) {
  Make();
  ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Sample({"a"}, {5}).Sample({"b"}, {1});
  model::Profile p = b.Build();
  p.location_ids[1] = 0;
  std::vector<IncomingProfile> in;
  in.push_back({{{"__name__", "process_cpu"}}, std::move(p), 100, 100});

  const Status s = distributor_->Push("t1", std::move(in));

  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument, "location id is 0"));
  EXPECT_EQ(s.tag(), "malformed_profile");
  EXPECT_TRUE(sink_.appended.empty());
}

TEST_F(DistributorTest, RateLimitRefusesOnceTheBucketIsEmptyAndRefills) {
  Limits limits;
  limits.ingestion_rate_mb = 1;
  limits.max_profile_size_bytes = 1 << 20;
  Make(limits);
  auto push = [&] {
    std::vector<IncomingProfile> in;
    in.push_back(Cpu({{"__name__", "process_cpu"}}, TwoStacks(), 900 << 10));
    return distributor_->Push("t1", std::move(in));
  };

  // Burst 2 MiB: two 900 KiB profiles pass, the third does not.
  EXPECT_THAT(push(), IsOk());
  EXPECT_THAT(push(), IsOk());
  const Status third = push();
  clock_.Advance(std::chrono::seconds(1));

  EXPECT_THAT(third, StatusIs(StatusCode::kResourceExhausted,
                              "push rate limit (1.0 MiB) exceeded while adding 900 KiB"));
  EXPECT_EQ(third.tag(), "rate_limited");
  EXPECT_THAT(push(), IsOk());
}

TEST_F(DistributorTest, TheLargestLegalProfileAlwaysFitsTheBurst) {
  Limits limits;  // Pyroscope's defaults: 2 MiB burst under a 4 MiB profile limit.
  Make(limits);
  std::vector<IncomingProfile> in;
  in.push_back(Cpu({{"__name__", "process_cpu"}}, TwoStacks(), 4 << 20));

  EXPECT_THAT(distributor_->Push("t1", std::move(in)), IsOk());
}

TEST(OverridesTest, RuntimeFileOverridesPerTenantAndBadFilesKeepThePrevious) {
  const std::string path = ::testing::TempDir() + "overrides_test.yaml";
  std::ofstream(path) << "overrides:\n  team-a:\n    ingestion_rate_mb: 9\n"
                         "    max_label_names_per_series: 5\n";
  Limits defaults;
  Overrides overrides(defaults, path);

  ASSERT_THAT(overrides.Reload(), IsOk());
  EXPECT_EQ(overrides.For("team-a")->ingestion_rate_mb, 9);
  EXPECT_EQ(overrides.For("team-a")->labels.max_label_names_per_series, 5);
  EXPECT_EQ(overrides.For("team-a")->max_profile_size_bytes, defaults.max_profile_size_bytes);
  EXPECT_EQ(overrides.For("team-b")->ingestion_rate_mb, 4);

  std::ofstream(path) << "overrides:\n  team-a:\n    no_such_limit: 1\n";
  EXPECT_THAT(overrides.Reload(),
              StatusIs(StatusCode::kInvalidArgument, "unknown config key no_such_limit"));
  EXPECT_EQ(overrides.For("team-a")->ingestion_rate_mb, 9);

  std::ofstream(path) << "overrides:\n  ../x:\n    ingestion_rate_mb: 1\n";
  EXPECT_THAT(overrides.Reload(), StatusIs(StatusCode::kInvalidArgument, "unsupported character '/'"));
}

TEST(LimitsTest, YamlKeysLiveUnderLimits) {
  base::FlagSet flags("flamedb");
  Limits limits;
  limits.Register(flags, "limits.");

  ASSERT_THAT(flags.ApplyYaml("limits:\n  max_profile_size_bytes: 100\n  reject_older_than: 2h\n",
                              "cfg"),
              IsOk());

  EXPECT_EQ(limits.max_profile_size_bytes, 100);
  EXPECT_EQ(limits.profile.reject_older_than, std::chrono::hours(2));
}

}  // namespace
}  // namespace flamedb::distributor
