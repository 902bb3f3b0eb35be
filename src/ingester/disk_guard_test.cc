#include "ingester/disk_guard.h"

#include <gtest/gtest.h>

#include "testing/fake_clock.h"
#include "testing/status_matchers.h"

namespace flamedb::ingester {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

TEST(DiskGuardTest, RefusesWhileSpaceIsLowAndResumesByItself) {
  flamedb::testing::FakeClock clock;
  base::MetricsRegistry metrics;
  uint64_t free_bytes = 100 << 20;
  int stats = 0;
  DiskGuard guard({"/data"}, 64 << 20, clock, metrics, [&](const std::string&) -> Result<uint64_t> {
    ++stats;
    return free_bytes;
  });

  EXPECT_THAT(guard.Check(), IsOk());
  free_bytes = 10 << 20;
  EXPECT_THAT(guard.Check(), IsOk());  // Within the interval: the cached answer.
  clock.Advance(std::chrono::seconds(1));
  EXPECT_THAT(guard.Check(),
              StatusIs(StatusCode::kUnavailable,
                       "only 10 MiB free on the volume of /data, under the minimum of 64 MiB"));
  EXPECT_EQ(guard.Check().tag(), "disk_full");
  EXPECT_EQ(stats, 2);
  free_bytes = 200 << 20;
  clock.Advance(std::chrono::seconds(1));
  EXPECT_THAT(guard.Check(), IsOk());
}

TEST(DiskGuardTest, ZeroDisablesTheCheck) {
  flamedb::testing::FakeClock clock;
  base::MetricsRegistry metrics;
  DiskGuard guard({"/data"}, 0, clock, metrics,
                  [](const std::string&) -> Result<uint64_t> { return 0; });
  EXPECT_THAT(guard.Check(), IsOk());
}

TEST(DiskGuardTest, StatsARealVolume) {
  EXPECT_THAT(StatFreeSpace("/"), IsOk());
  EXPECT_THAT(StatFreeSpace("/no/such/dir"), StatusIs(StatusCode::kInternal));
}

}  // namespace
}  // namespace flamedb::ingester
