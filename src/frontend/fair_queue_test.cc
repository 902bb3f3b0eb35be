#include "frontend/fair_queue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "testing/status_matchers.h"

namespace flamedb::frontend {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::ElementsAre;

// Waits (yielding) until `pred` holds: the threads under test block on the queue's own
// condition variable, so there is nothing to sleep for.
template <typename Pred>
void Until(Pred pred) {
  while (!pred()) std::this_thread::yield();
}

// One place, taken by a query of tenant "a"; then "a" queues three more and "b" one. The
// places go a, b, a, a: "b" does not wait behind all of "a"'s queries.
TEST(FairQueueTest, TenantsTakeTurns) {
  FairQueue queue(1);
  query::QueryContext ctx;
  std::optional<FairQueue::Slot> first(queue.Acquire("a", ctx).value());
  base::Mutex mu;
  std::vector<std::string> order;
  std::vector<std::jthread> threads;
  auto query = [&](std::string tenant, std::string name) {
    query::QueryContext c;
    Result<FairQueue::Slot> slot = queue.Acquire(tenant, c);
    ASSERT_THAT(slot, IsOk());
    base::MutexLock lock(mu);
    order.push_back(name);
  };  // The slot goes at the end of each query.
  int queued = 0;
  for (auto [tenant, name] : {std::pair{"a", "a1"}, {"a", "a2"}, {"a", "a3"}, {"b", "b1"}}) {
    threads.emplace_back(query, tenant, name);
    ++queued;
    Until([&] { return queue.waiting() == static_cast<size_t>(queued); });
  }
  first.reset();
  threads.clear();  // Joins.
  EXPECT_THAT(order, ElementsAre("a1", "b1", "a2", "a3"));
  EXPECT_EQ(queue.running(), 0u);
  EXPECT_EQ(queue.waiting(), 0u);
}

TEST(FairQueueTest, AQueryWhoseClientLeftLeavesTheQueue) {
  FairQueue queue(1);
  query::QueryContext ctx;
  Result<FairQueue::Slot> held = queue.Acquire("a", ctx);
  ASSERT_THAT(held, IsOk());
  std::atomic<bool> cancelled{false};
  query::QueryContext leaving({.cancelled = &cancelled});
  std::jthread waiter([&] {
    EXPECT_THAT(queue.Acquire("b", leaving), StatusIs(StatusCode::kCancelled));
  });
  Until([&] { return queue.waiting() == 1; });
  cancelled = true;
  waiter.join();
  EXPECT_EQ(queue.waiting(), 0u);
  EXPECT_EQ(queue.running(), 1u);
}

}  // namespace
}  // namespace flamedb::frontend
