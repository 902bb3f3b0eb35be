#include "ingester/replay.h"

#include <filesystem>
#include <map>
#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/logging.h"
#include "base/metrics.h"
#include "ingester/test_fixture.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"

namespace flamedb::ingester {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

class ReplayRecordsTest : public ::testing::TestWithParam<size_t> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("flamedb-replay-test-" + std::to_string(getpid()) + "-" + std::to_string(GetParam()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<wal::Wal> OpenWal() {
    auto wal = wal::Wal::Open({.dir = dir_, .segment_bytes = 4096, .sync = wal::SyncPolicy::kNone},
                              logger_, *metrics_.emplace_back(new base::MetricsRegistry));
    EXPECT_THAT(wal, IsOk());
    return std::move(wal).value();
  }

  std::string dir_;
  testing::FakeClock clock_;
  base::Logger logger_{clock_, stderr, base::LogLevel::kError};
  std::vector<std::unique_ptr<base::MetricsRegistry>> metrics_;  // One per Wal: names are unique.
};

// Records spread over many small segments, one of them not a record at all: each reaches
// `apply` exactly once whatever the number of workers, the bad one as its decoding error.
TEST_P(ReplayRecordsTest, AppliesEveryRecordOnceFromEveryWorker) {
  constexpr int kRecords = 300;
  {
    auto wal = OpenWal();
    for (int i = 0; i < kRecords; ++i) {
      const std::string tenant = "t" + std::to_string(i);
      ASSERT_THAT(wal->Append(EncodeRecord(tenant, {{kLabels, Cpu(i, 1), {}}})), IsOk());
    }
    ASSERT_THAT(wal->Append("not a record"), IsOk());
  }
  auto wal = OpenWal();
  std::mutex mu;
  std::map<std::string, int> seen;
  std::vector<Status> errors;
  const Status read =
      ReplayRecords(*wal, GetParam(), [&](Result<PushRecord> record, wal::Position) {
        std::lock_guard lock(mu);
        if (!record.ok()) {
          errors.push_back(record.status());
          return;
        }
        ++seen[record->tenant];
        EXPECT_EQ(record->series.size(), 1u);
      });

  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(seen.size(), static_cast<size_t>(kRecords));
  for (const auto& [tenant, times] : seen)
    EXPECT_EQ(times, 1) << tenant;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], StatusIs(StatusCode::kDataLoss));
}

INSTANTIATE_TEST_SUITE_P(Workers, ReplayRecordsTest, ::testing::Values(1, 2, 4));

}  // namespace
}  // namespace flamedb::ingester
