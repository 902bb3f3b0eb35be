#include "ingest/legacy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::ingest {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::ProfileBuilder;
using ::flamedb::testing::StatusIs;

TEST(ResolveTextTargetTest, SuffixSelectsTheProfileType) {
  Result<TextTarget> cpu = ResolveTextTarget("my.app.cpu", 100);
  ASSERT_THAT(cpu, IsOk());
  EXPECT_EQ(cpu->service, "my.app");
  EXPECT_EQ(cpu->metric, "process_cpu");
  EXPECT_EQ(cpu->type.sample_type, "cpu");
  EXPECT_EQ(cpu->type.sample_unit, "nanoseconds");
  EXPECT_EQ(cpu->type.period, 10000000);
  EXPECT_EQ(cpu->type.value_multiplier, 10000000);

  Result<TextTarget> bare = ResolveTextTarget("myapp", 100);
  ASSERT_THAT(bare, IsOk());
  EXPECT_EQ(bare->service, "myapp");
  EXPECT_EQ(bare->metric, "process_cpu");

  Result<TextTarget> heap = ResolveTextTarget("svc.inuse_space", 100);
  ASSERT_THAT(heap, IsOk());
  EXPECT_EQ(heap->metric, "memory");
  EXPECT_EQ(heap->type.sample_type, "inuse_space");
  EXPECT_EQ(heap->type.sample_unit, "bytes");
  EXPECT_EQ(heap->type.value_multiplier, 1);
  EXPECT_TRUE(heap->type.period_type.empty());

  Result<TextTarget> lock = ResolveTextTarget("svc.lock_duration", 100);
  ASSERT_THAT(lock, IsOk());
  EXPECT_EQ(lock->metric, "block");
  EXPECT_EQ(lock->type.sample_type, "delay");
}

TEST(ResolveTextTargetTest, WallUsesACpuPeriodAndRateZeroKeepsCounts) {
  Result<TextTarget> wall = ResolveTextTarget("svc.wall", 50);
  ASSERT_THAT(wall, IsOk());
  EXPECT_EQ(wall->metric, "wall");
  EXPECT_EQ(wall->type.period_type, "cpu");
  EXPECT_EQ(wall->type.period, 20000000);

  Result<TextTarget> counts = ResolveTextTarget("svc.cpu", 0);
  ASSERT_THAT(counts, IsOk());
  EXPECT_EQ(counts->type.sample_type, "samples");
  EXPECT_EQ(counts->type.sample_unit, "count");
  EXPECT_EQ(counts->type.value_multiplier, 1);
}

TEST(ResolveTextTargetTest, UnknownSuffixIsInvalidArgument) {
  EXPECT_THAT(ResolveTextTarget("python.example", 100),
              StatusIs(StatusCode::kInvalidArgument, "unknown profile type: example"));
  EXPECT_THAT(ResolveTextTarget("svc.cpu", -5), StatusIs(StatusCode::kInvalidArgument, "sampleRate"));
}

model::Profile WithTypes(std::vector<std::string> types) {
  ProfileBuilder b;
  for (const std::string& t : types) {
    b.SampleType(t, "count");
  }
  return b.Build();
}

TEST(PprofMetricNameTest, FollowsPyroscopesRules) {
  const SampleTypeConfigs none;
  EXPECT_EQ(PprofMetricName(WithTypes({"samples", "cpu"}), none), "process_cpu");
  EXPECT_EQ(PprofMetricName(WithTypes({"alloc_objects", "alloc_space", "inuse_objects"}), none),
            "memory");
  EXPECT_EQ(PprofMetricName(WithTypes({"goroutine"}), none), "goroutines");
  EXPECT_EQ(PprofMetricName(WithTypes({"contentions", "delay"}), none), "mutex");
  EXPECT_EQ(PprofMetricName(WithTypes({"cpu", "wall"}), none), "wall");
  EXPECT_EQ(PprofMetricName(WithTypes({"frobs"}), none), "frobs");

  Result<SampleTypeConfigs> block = ParseSampleTypeConfig(
      R"({"contentions":{"units":"lock_samples","display-name":"block_count"},)"
      R"("delay":{"units":"lock_nanoseconds","display-name":"block_duration","aggregation":"sum"}})");
  ASSERT_THAT(block, IsOk());
  EXPECT_EQ(PprofMetricName(WithTypes({"contentions", "delay"}), *block), "block");
}

TEST(ParseSampleTypeConfigTest, ReadsEveryField) {
  Result<SampleTypeConfigs> c = ParseSampleTypeConfig(
      R"({"inuse_space":{"units":"bytes","aggregation":"average","cumulative":false},)"
      R"("alloc_space":{"units":"bytes","cumulative":true,"sampled":true}})");

  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->at("inuse_space").aggregation, "average");
  EXPECT_TRUE(c->at("alloc_space").cumulative);
  EXPECT_THAT(ParseSampleTypeConfig("[1,2]"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseSampleTypeConfig("{\"a\":"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseSampleTypeConfig(R"({"a":1})"), StatusIs(StatusCode::kInvalidArgument));
}

TEST(LegacySeriesLabelsTest, BuildsPyroscopesLabels) {
  Result<ParsedName> name =
      ParseName("myapp{env=prod,__private=x,__session_id__=0123456789abcdef}");
  ASSERT_THAT(name, IsOk());

  model::Labels labels = LegacySeriesLabels(*name, "myapp", "process_cpu", "gospy");

  EXPECT_EQ(labels.ToString(),
            R"({__delta__="false", __name__="process_cpu", __session_id__="0123456789abcdef", )"
            R"(env="prod", pyroscope_spy="gospy", service_name="myapp"})");
}

TEST(LegacySeriesLabelsTest, AnExplicitServiceNameKeepsTheAppAsAppName) {
  Result<ParsedName> name = ParseName("myapp{service_name=real}");
  ASSERT_THAT(name, IsOk());

  model::Labels labels = LegacySeriesLabels(*name, "myapp", "memory", "");

  EXPECT_EQ(labels.Get("service_name"), "real");
  EXPECT_EQ(labels.Get("app_name"), "myapp");
  EXPECT_EQ(labels.Get("pyroscope_spy"), "unknown");
}

}  // namespace
}  // namespace flamedb::ingest
