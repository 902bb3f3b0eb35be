#include "base/cpu_demand.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <thread>

#include "testing/fake_clock.h"

namespace flamedb::base {
namespace {

using std::chrono::milliseconds;

TEST(CpuDemandTest, ScopesCountAndWaitingUncounts) {
  CpuDemand demand;
  {
    CpuDemand::Scope a(&demand);
    CpuDemand::Scope b(&demand);
    EXPECT_EQ(demand.busy(), 2);
    {
      CpuDemand::Waiting io(&demand);
      EXPECT_EQ(demand.busy(), 1);
    }
    EXPECT_EQ(demand.busy(), 2);
  }
  EXPECT_EQ(demand.busy(), 0);
  CpuDemand::Scope nobody_counts(nullptr);  // Components built without a demand: a no-op.
  CpuDemand::Waiting nor_here(nullptr);
}

TEST(UsableCoresTest, FollowsTheAffinityAsTasksetSetsIt) {
  EXPECT_GE(UsableCores(), 1);
  EXPECT_LE(UsableCores(), static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  cpu_set_t all, one;
  ASSERT_EQ(sched_getaffinity(0, sizeof(all), &all), 0);
  CPU_ZERO(&one);
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &all)) {
      CPU_SET(c, &one);
      break;
    }
  }
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);  // This thread only.
  EXPECT_EQ(UsableCores(), 1);
  ASSERT_EQ(sched_setaffinity(0, sizeof(all), &all), 0);
}

// A pacer over a fake clock whose sleeps advance the clock and may end the demand.
struct PacerFixture {
  CpuDemand demand;
  testing::FakeClock clock;
  int sleeps = 0;
  int release_after = -1;  // Sleeps after which every request is done; -1: never.
  std::vector<std::unique_ptr<CpuDemand::Scope>> requests;

  std::function<bool()> hurry = nullptr;

  DemandPacer Make() {
    return DemandPacer(demand, clock,
                       {.cores = 2,
                        .max_pause_per_work = 3,
                        .slice = milliseconds(1),
                        .hurry = hurry,
                        .hurry_check = milliseconds(10)},
                       [this](Duration d) {
                         clock.Advance(d);
                         if (++sleeps == release_after)
                           requests.clear();
                       });
  }
  void Requests(int n) {
    for (int i = 0; i < n; ++i)
      requests.push_back(std::make_unique<CpuDemand::Scope>(&demand));
  }
};

TEST(PacerTest, DoesNotPauseWhileACoreIsFree) {
  PacerFixture f;
  DemandPacer pacer = f.Make();
  f.Requests(1);  // One request, two cores: the work may use the other.
  f.clock.Advance(milliseconds(10));
  pacer.Step();
  EXPECT_EQ(f.sleeps, 0);
  EXPECT_EQ(pacer.worked(), milliseconds(10));
  EXPECT_EQ(pacer.paused(), Duration{0});
}

TEST(PacerTest, PausesUntilTheRequestsAreDone) {
  PacerFixture f;
  DemandPacer pacer = f.Make();
  f.Requests(2);
  f.release_after = 4;
  f.clock.Advance(milliseconds(10));
  pacer.Step();
  EXPECT_EQ(f.sleeps, 4);
  EXPECT_EQ(pacer.paused(), milliseconds(4));
  // The pause is not work: the next step counts only what came after it.
  f.clock.Advance(milliseconds(2));
  pacer.Step();
  EXPECT_EQ(pacer.worked(), milliseconds(12));
  EXPECT_EQ(f.sleeps, 4);
}

TEST(PacerTest, PausesAtMostThreeTimesTheWorkUnderEndlessDemand) {
  PacerFixture f;
  DemandPacer pacer = f.Make();
  f.Requests(3);
  pacer.Step();  // Nothing worked yet: nothing to pause for.
  EXPECT_EQ(f.sleeps, 0);
  for (int i = 0; i < 10; ++i) {
    f.clock.Advance(milliseconds(1));
    pacer.Step();
  }
  EXPECT_EQ(pacer.worked(), milliseconds(10));
  EXPECT_EQ(pacer.paused(), milliseconds(30));  // The work still went on, at a quarter speed.
}

TEST(PacerTest, OnceHurriedNeverPausesAgain) {
  PacerFixture f;
  int asked = 0;
  bool large = false;  // What the work's owner answers (the next head's size, for a cut).
  f.hurry = [&] {
    ++asked;
    return large;
  };
  DemandPacer pacer = f.Make();
  f.Requests(2);
  f.clock.Advance(milliseconds(100));
  pacer.Step();
  // Asked once at the first sleep, then once per 10 ms of pause: 300 ms of budget.
  EXPECT_EQ(pacer.paused(), milliseconds(300));
  EXPECT_EQ(asked, 30);
  EXPECT_FALSE(pacer.hurrying());
  large = true;
  f.clock.Advance(milliseconds(100));
  pacer.Step();
  EXPECT_TRUE(pacer.hurrying());
  EXPECT_EQ(pacer.paused(), milliseconds(300));
  large = false;  // Latched: the work goes on at full speed to its end.
  f.clock.Advance(milliseconds(100));
  pacer.Step();
  EXPECT_EQ(pacer.paused(), milliseconds(300));
  EXPECT_EQ(asked, 31);
}

}  // namespace
}  // namespace flamedb::base
