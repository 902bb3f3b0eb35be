#include "query/stacks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "query/function_tree.h"
#include "head/head.h"
#include "testing/fake_clock.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::query {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

TEST(CallSiteMaskTest, MatchesStacksThatStartWithTheCallSiteOnly) {
  symdb::Partition p;
  auto loc = [&](const char* name) {
    const symdb::Line line{p.InternFunction({p.InternString(name), 0, 0, 0}), 1};
    return p.InternLocation(0, 0, {&line, 1});
  };
  const uint32_t main = loc("main"), run = loc("run"), gc = loc("gc");
  const uint32_t main_node = p.InternStack(std::vector<uint32_t>{main});
  const uint32_t run_node = p.InternStack(std::vector<uint32_t>{run, main});
  const uint32_t gc_node = p.InternStack(std::vector<uint32_t>{gc, run, main});
  const uint32_t other = p.InternStack(std::vector<uint32_t>{gc, main});
  const std::vector<bool> mask = CallSiteMask(p, {"main", "run"});
  EXPECT_FALSE(mask[main_node]);  // Shorter than the call site.
  EXPECT_TRUE(mask[run_node]);
  EXPECT_TRUE(mask[gc_node]);
  EXPECT_FALSE(mask[other]);
  EXPECT_TRUE(CallSiteMask(p, {}).empty());  // Empty: every node matches.
}

TEST(CallSiteMaskTest, InlinedLinesAreFramesCallerFirst) {
  symdb::Partition p;
  // One location with two lines: pprof order is innermost first (inner inlined into outer).
  const symdb::Line lines[] = {{p.InternFunction({p.InternString("inner"), 0, 0, 0}), 2},
                               {p.InternFunction({p.InternString("outer"), 0, 0, 0}), 1}};
  const uint32_t node = p.InternStack(std::vector<uint32_t>{p.InternLocation(0, 0, lines)});
  EXPECT_TRUE(CallSiteMask(p, {"outer"})[node]);
  EXPECT_TRUE(CallSiteMask(p, {"outer", "inner"})[node]);
  EXPECT_FALSE(CallSiteMask(p, {"inner"})[node]);
}

model::Profile Cpu(int64_t work) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10);
  return b.Sample({"work", "main"}, {work}).Sample({"idle", "main"}, {1}).TimeNanos(1).Build();
}

TEST(SumStacksTest, SumsValuesPerStackId) {
  head::Head h;
  const model::Labels labels{{"__name__", "process_cpu"}, {"service_name", "s"}};
  ASSERT_THAT(h.Append(labels, Cpu(3), {}), IsOk());
  ASSERT_THAT(h.Append(labels, Cpu(4), {}), IsOk());
  QueryContext ctx;
  auto sums = SumStacks(h, std::vector<uint32_t>{0}, {INT64_MIN, INT64_MAX}, ctx);
  ASSERT_THAT(sums, IsOk());
  int64_t total = 0;
  for (const auto& part : *sums) for (int64_t v : part) total += v;
  EXPECT_EQ(total, 9);
}

TEST(QueryContextTest, DeadlineAndCancellationStopAQuery) {
  testing::FakeClock clock;
  QueryContext ctx({.deadline = clock.SteadyNow() + std::chrono::seconds(1), .clock = &clock});
  EXPECT_THAT(ctx.Check(), IsOk());
  clock.Advance(std::chrono::seconds(1));
  EXPECT_THAT(ctx.Check(), StatusIs(StatusCode::kDeadlineExceeded, "Connect-Timeout-Ms"));
  EXPECT_TRUE(ctx.stopped());

  std::atomic<bool> gone{false};
  QueryContext c2({.cancelled = &gone});
  EXPECT_THAT(c2.Check(), IsOk());
  gone = true;
  EXPECT_THAT(c2.Check(), StatusIs(StatusCode::kCancelled, "closed the connection"));
}

TEST(QueryContextTest, ChargingPastTheBudgetIsResourceExhausted) {
  QueryContext ctx({.memory_budget_bytes = 100});
  EXPECT_THAT(ctx.Charge(100), IsOk());
  EXPECT_THAT(ctx.Charge(1), StatusIs(StatusCode::kResourceExhausted, "-querier.max-query-memory"));
  EXPECT_THAT(ctx.Charge(0), StatusIs(StatusCode::kResourceExhausted));  // Sticky.
}

}  // namespace
}  // namespace flamedb::query
