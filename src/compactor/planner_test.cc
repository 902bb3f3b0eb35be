#include "compactor/planner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace flamedb::compactor {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t kMinute = 60'000'000'000;
constexpr int64_t kHour = 60 * kMinute;

block::BlockMeta Block(const std::string& ulid, int64_t min_minute, int64_t max_minute,
                       int level = 1, uint64_t bytes = 100) {
  block::BlockMeta meta;
  meta.ulid = ulid;
  meta.tenant = "t";
  meta.min_time_nanos = min_minute * kMinute;
  meta.max_time_nanos = max_minute * kMinute;
  meta.level = level;
  meta.data_bytes = bytes;
  return meta;
}

std::vector<std::string> Ids(const PlannedMerge& m) {
  std::vector<std::string> out;
  for (const auto& b : m.inputs) out.push_back(b.ulid);
  return out;
}

TEST(PlannerTest, MergesTheBlocksOfEachSettledWindowOneLevelUp) {
  // Hour 0 holds a, b, c (c cut by size); hour 1 holds d alone; hour 5 is not settled yet.
  const std::vector<block::BlockMeta> blocks = {
      Block("c", 40, 59), Block("a", 0, 20), Block("b", 21, 39), Block("d", 60, 119),
      Block("e", 300, 310), Block("f", 311, 320)};

  const auto plan = Plan(blocks, 6 * kHour, {.ranges = {std::chrono::hours(1)}});

  ASSERT_EQ(plan.size(), 1u);
  EXPECT_THAT(Ids(plan[0]), ElementsAre("a", "b", "c"));  // By min time.
  EXPECT_EQ(plan[0].level, 2);
}

TEST(PlannerTest, LongerRangesTakeTheLevelsBelowThemAndNoBlockTwice) {
  const std::vector<block::BlockMeta> blocks = {
      Block("h0", 0, 59, 2), Block("h1", 60, 119, 2), Block("late", 70, 80, 1),
      Block("big", 0, 119, 3)};

  const auto plan = Plan(blocks, 24 * kHour,
                         {.ranges = {std::chrono::hours(1), std::chrono::hours(2)}});

  // Range 1h: only "late" is below level 2 in hour 1, alone: nothing. Range 2h: levels 1-2.
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_THAT(Ids(plan[0]), ElementsAre("h0", "h1", "late"));
  EXPECT_EQ(plan[0].level, 3);
}

TEST(PlannerTest, AFullWindowMergesBeforeItSettlesAndOutputsStayUnderTheLimit) {
  const std::vector<block::BlockMeta> blocks = {
      Block("a", 0, 10, 1, 400), Block("b", 11, 20, 1, 400), Block("c", 21, 30, 1, 400)};
  const PlanOptions options{.ranges = {std::chrono::hours(1)}, .max_output_bytes = 1000};

  const auto plan = Plan(blocks, 31 * kMinute, options);  // The hour is not over.

  ASSERT_EQ(plan.size(), 1u);
  EXPECT_THAT(Ids(plan[0]), ElementsAre("a", "b"));
  EXPECT_THAT(Plan({Block("a", 0, 10), Block("b", 11, 20)}, 31 * kMinute, options), IsEmpty());
  EXPECT_THAT(Plan({Block("a", 0, 10)}, 24 * kHour, options), IsEmpty());
}

// Segments arrive every half second in cluster mode: a window with max_window_blocks of them is
// merged before it ends, and what comes after joins the result one level up.
TEST(PlannerTest, ACrowdedWindowMergesBeforeItSettles) {
  std::vector<block::BlockMeta> blocks;
  for (int i = 0; i < 3; ++i) blocks.push_back(Block("s" + std::to_string(i), 300 + i, 300 + i));
  const PlanOptions options{.ranges = {std::chrono::hours(1), std::chrono::hours(4)},
                            .max_window_blocks = 3};
  const auto plan = Plan(blocks, 5 * kHour + 10 * kMinute, options);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_THAT(Ids(plan[0]), ElementsAre("s0", "s1", "s2"));
  EXPECT_EQ(plan[0].level, 2);
  EXPECT_EQ(JobId(plan[0]), "t/2/" + std::to_string(5 * kHour));
  blocks.pop_back();  // Two are not a crowd yet.
  EXPECT_THAT(Plan(blocks, 5 * kHour + 10 * kMinute, options), IsEmpty());
}

}  // namespace
}  // namespace flamedb::compactor
