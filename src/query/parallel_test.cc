#include "query/parallel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "testing/status_matchers.h"

namespace flamedb::query {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

TEST(ParallelForTest, CallsEachIndexOnceOnUpToThreadsThreads) {
  std::vector<std::atomic<int>> calls(100);
  base::Mutex mu;
  std::set<std::thread::id> threads;
  ASSERT_THAT(ParallelFor(calls.size(), 3, [&](size_t i) {
    calls[i].fetch_add(1);
    base::MutexLock lock(mu);
    threads.insert(std::this_thread::get_id());
    return OkStatus();
  }), IsOk());
  for (const auto& c : calls) EXPECT_EQ(c.load(), 1);
  EXPECT_LE(threads.size(), 3u);
}

TEST(ParallelForTest, ReturnsTheErrorOfTheLowestFailingIndex) {
  const Status s = ParallelFor(10, 2, [](size_t i) -> Status {
    if (i == 7) return InvalidArgumentError("seven");
    if (i == 4) return DataLossError("four");
    return OkStatus();
  });
  EXPECT_THAT(s, StatusIs(StatusCode::kDataLoss, "four"));
}

TEST(ParallelForTest, NothingToDoIsOk) {
  EXPECT_THAT(ParallelFor(0, 4, [](size_t) { return InternalError("never called"); }), IsOk());
}

}  // namespace
}  // namespace flamedb::query
