#include "query/flamegraph_diff.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb::query {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::ElementsAre;

FunctionTree Tree(const std::vector<std::pair<std::vector<std::string>, int64_t>>& stacks) {
  FunctionTree t;
  for (const auto& [frames, v] : stacks) t.AddStack(frames, v);
  t.ComputeTotals();
  return t;
}

// Replaces name indexes (every 7th int) by the names, to compare with the spec's example
// whatever order names were assigned in.
std::vector<std::vector<std::string>> Named(const FlameGraphDiff& d) {
  std::vector<std::vector<std::string>> out;
  for (const auto& level : d.levels) {
    std::vector<std::string> row;
    for (size_t i = 0; i < level.size(); ++i) {
      row.push_back(i % 7 == 6 ? d.names[level[i]] : std::to_string(level[i]));
    }
    out.push_back(row);
  }
  return out;
}

// Spec §5.3's diff example: left a;b 10, right a;b 5 and a;c 5.
TEST(FlameGraphDiffTest, TheSpecsWorkedExample) {
  auto d = BuildFlameGraphDiff(Tree({{{"a", "b"}, 10}}), Tree({{{"a", "b"}, 5}, {{"a", "c"}, 5}}),
                               8192);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->names[0], "total");
  EXPECT_EQ(d->names.size(), 4u);
  EXPECT_THAT(Named(*d),
              ElementsAre(ElementsAre("0", "10", "0", "0", "10", "0", "total"),
                          ElementsAre("0", "10", "0", "0", "10", "0", "a"),
                          ElementsAre("0", "10", "10", "0", "5", "5", "b",  //
                                      "0", "0", "0", "0", "5", "5", "c")));
  EXPECT_EQ(d->total, 20);
  EXPECT_EQ(d->max_self, 10);
  EXPECT_EQ(d->left_ticks, 10);
  EXPECT_EQ(d->right_ticks, 10);
}

TEST(FlameGraphDiffTest, XDeltasAreComputedPerSide) {
  // Left: m;x 4, m;y 6. Right: m;y 2 only. y starts at 4 on the left and at 0 on the right.
  auto d = BuildFlameGraphDiff(Tree({{{"m", "x"}, 4}, {{"m", "y"}, 6}}), Tree({{{"m", "y"}, 2}}), 0);
  ASSERT_THAT(d, IsOk());
  EXPECT_THAT(Named(*d)[2], ElementsAre("0", "4", "4", "0", "0", "0", "x",  //
                                        "0", "6", "6", "0", "2", "2", "y"));
}

TEST(FlameGraphDiffTest, MaxNodesKeepsANodeBigOnEitherSide) {
  // Node maxima: m 10, x 8 (left), y 9 (right), z 1: max_nodes 3 keeps >= 8; z goes to other.
  auto d = BuildFlameGraphDiff(Tree({{{"m", "x"}, 8}, {{"m", "z"}, 1}}),
                               Tree({{{"m", "y"}, 9}, {{"m", "z"}, 1}}), 3);
  ASSERT_THAT(d, IsOk());
  EXPECT_THAT(Named(*d)[2], ElementsAre("0", "8", "8", "0", "0", "0", "x",  //
                                        "0", "0", "0", "0", "9", "9", "y",  //
                                        "0", "1", "1", "0", "1", "1", "other"));
}

TEST(FlameGraphDiffTest, NegativeValuesAreInvalidArgument) {
  EXPECT_THAT(BuildFlameGraphDiff(Tree({{{"a"}, -1}}), Tree({}), 0),
              StatusIs(StatusCode::kInvalidArgument, "negative"));
}

TEST(FlameGraphDiffTest, TwoEmptySidesAreTheEmptyDiff) {
  auto d = BuildFlameGraphDiff(Tree({}), Tree({}), 0);
  ASSERT_THAT(d, IsOk());
  EXPECT_THAT(d->levels, ElementsAre(ElementsAre(0, 0, 0, 0, 0, 0, 0)));
  EXPECT_EQ(d->total, 0);
}

}  // namespace
}  // namespace flamedb::query
