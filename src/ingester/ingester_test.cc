#include "ingester/ingester.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "ingester/record.h"
#include "testing/fake_clock.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::ingester {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::HasSubstr;

std::shared_ptr<const model::Profile> Cpu(int64_t a, int64_t b) {
  testing::ProfileBuilder builder;
  builder.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10000000);
  builder.Sample({"work", "main"}, {a}).Sample({"idle", "main"}, {b});
  return std::make_shared<const model::Profile>(builder.Build());
}

class IngesterTest : public ::testing::Test {
 protected:
  IngesterTest() {
    static int counter = 0;
    dir_ = ::testing::TempDir() + "ingester_test_" + std::to_string(getpid()) + "_" +
           std::to_string(counter++);
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<Ingester> Open(int64_t max_series = 0) {
    limits_.max_global_series_per_tenant = max_series;
    overrides_ = std::make_unique<distributor::Overrides>(limits_, "");
    metrics_ = std::make_unique<base::MetricsRegistry>();
    auto ingester = Ingester::Open({.wal_dir = dir_}, *overrides_, logger_, *metrics_);
    EXPECT_THAT(ingester, IsOk());
    return std::move(ingester).value();
  }

  std::string dir_;
  distributor::Limits limits_;
  std::unique_ptr<distributor::Overrides> overrides_;
  flamedb::testing::FakeClock clock_;
  base::Logger logger_{clock_, stderr, base::LogLevel::kError};
  std::unique_ptr<base::MetricsRegistry> metrics_;
};

const model::Labels kLabels = {{"__name__", "process_cpu"}, {"service_name", "api"}};

TEST_F(IngesterTest, AcknowledgedPushesSurviveARestart) {
  std::string before;
  {
    auto ingester = Open();
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(30, 10), {}}}), IsOk());
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(5, 5), {1}}}), IsOk());
    ASSERT_THAT(ingester->Append("t2", {{kLabels, Cpu(1, 1), {}}}), IsOk());
    before = ingester->DebugJson("t1");
  }

  auto restarted = Open();

  EXPECT_EQ(restarted->DebugJson("t1"), before);
  EXPECT_THAT(before, HasSubstr(R"("profiles":2,"totals":{"process_cpu:cpu:nanoseconds:cpu:nanoseconds":45})"));
  EXPECT_THAT(restarted->DebugJson("t2"), HasSubstr(":2}"));
  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_ingester_wal_replayed_records_total 3\n"));
}

TEST_F(IngesterTest, TheSeriesLimitRefusesBeforeAnythingIsWritten) {
  {
    auto ingester = Open(1);
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(1, 1), {}}}), IsOk());
    const model::Labels other = {{"__name__", "process_cpu"}, {"service_name", "other"}};
    EXPECT_THAT(ingester->Append("t1", {{other, Cpu(1, 1), {}}}),
                StatusIs(StatusCode::kResourceExhausted, "Maximum active series limit exceeded"));
    EXPECT_THAT(ingester->Append("t1", {{kLabels, Cpu(2, 2), {}}}), IsOk());  // Known series.
  }

  auto restarted = Open();

  EXPECT_THAT(restarted->DebugJson("t1"), ::testing::Not(HasSubstr("other")));
}

TEST(RecordTest, SharedProfilesAndSampleSubsetsRoundTrip) {
  const auto profile = Cpu(3, 4);
  const model::Labels a = {{"__name__", "process_cpu"}, {"endpoint", "/a"}};
  const model::Labels b = {{"__name__", "process_cpu"}, {"endpoint", "/b"}};

  const std::string bytes = EncodeRecord("tenant-1", {{a, profile, {0}}, {b, profile, {1}}});
  Result<PushRecord> back = DecodeRecord(bytes);

  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->tenant, "tenant-1");
  ASSERT_EQ(back->series.size(), 2u);
  EXPECT_EQ(back->series[0].profile, back->series[1].profile);  // Written once, shared again.
  EXPECT_EQ(back->series[1].labels, b);
  EXPECT_THAT(back->series[1].samples, ::testing::ElementsAre(1));
  EXPECT_EQ(back->series[0].profile->samples.size(), 2u);
  EXPECT_THAT(DecodeRecord(bytes.substr(0, bytes.size() / 2)), StatusIs(StatusCode::kDataLoss));
  EXPECT_THAT(DecodeRecord("\x07junk"), StatusIs(StatusCode::kDataLoss));
}

}  // namespace
}  // namespace flamedb::ingester
