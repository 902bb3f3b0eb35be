#include "query/flamegraph.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace flamedb::query {
namespace {

using ::testing::ElementsAre;

FunctionTree SpecExample() {
  FunctionTree t;
  t.AddStack({"main", "foo", "bar"}, 30);
  t.AddStack({"main", "foo"}, 10);
  t.AddStack({"main", "baz"}, 60);
  t.ComputeTotals();
  return t;
}

// The worked example of spec §5.3, field for field.
TEST(FlameGraphTest, TheSpecsWorkedExample) {
  const FlameGraph fg = BuildFlameGraph(SpecExample(), kDefaultMaxNodes);

  // Names are indexes; what matters is each node's name. Resolve them to compare.
  ASSERT_EQ(fg.levels.size(), 4u);
  EXPECT_THAT(fg.levels[0], ElementsAre(0, 100, 0, 0));
  EXPECT_EQ(fg.names[fg.levels[1][3]], "main");
  EXPECT_THAT(std::vector<int64_t>(fg.levels[1].begin(), fg.levels[1].begin() + 3), ElementsAre(0, 100, 0));
  ASSERT_EQ(fg.levels[2].size(), 8u);
  EXPECT_THAT(std::vector<int64_t>(fg.levels[2].begin(), fg.levels[2].begin() + 3), ElementsAre(0, 60, 60));
  EXPECT_EQ(fg.names[fg.levels[2][3]], "baz");
  EXPECT_THAT(std::vector<int64_t>(fg.levels[2].begin() + 4, fg.levels[2].begin() + 7), ElementsAre(0, 40, 10));
  EXPECT_EQ(fg.names[fg.levels[2][7]], "foo");
  EXPECT_THAT(std::vector<int64_t>(fg.levels[3].begin(), fg.levels[3].begin() + 3), ElementsAre(70, 30, 30));
  EXPECT_EQ(fg.names[fg.levels[3][3]], "bar");
  EXPECT_EQ(fg.total, 100);
  EXPECT_EQ(fg.max_self, 60);
  EXPECT_EQ(fg.names[0], "total");
  EXPECT_EQ(fg.names.size(), 5u);
}

// Trees merged from parts built in other orders give the flame graph and tree bytes of the
// whole, also when truncated: what the query-frontend relies on.
TEST(FlameGraphTest, MergedPartsBuildTheSameAsTheWhole) {
  FunctionTree a, b, merged;
  a.AddStack({"main", "baz"}, 60);
  a.AddStack({"main", "foo"}, 4);
  b.AddStack({"main", "foo", "bar"}, 30);
  b.AddStack({"other", "x"}, 1);
  b.AddStack({"main", "foo"}, 6);
  merged.Merge(b);
  merged.Merge(a);
  merged.ComputeTotals();
  FunctionTree whole = SpecExample();
  whole.AddStack({"other", "x"}, 1);
  whole.ComputeTotals();
  for (int64_t max_nodes : {int64_t{0}, int64_t{2}, kDefaultMaxNodes}) {
    const FlameGraph x = BuildFlameGraph(merged, max_nodes), y = BuildFlameGraph(whole, max_nodes);
    EXPECT_EQ(x.names, y.names) << max_nodes;
    EXPECT_EQ(x.levels, y.levels) << max_nodes;
    EXPECT_EQ(BuildTreeBytes(merged, max_nodes), BuildTreeBytes(whole, max_nodes)) << max_nodes;
  }
}

TEST(FlameGraphTest, AnEmptyTreeIsTheSpecsEmptyResult) {
  FunctionTree t;
  t.ComputeTotals();
  const FlameGraph fg = BuildFlameGraph(t, kDefaultMaxNodes);
  EXPECT_THAT(fg.names, ElementsAre("total"));
  ASSERT_EQ(fg.levels.size(), 1u);
  EXPECT_THAT(fg.levels[0], ElementsAre(0, 0, 0, 0));
}

TEST(FlameGraphTest, MaxNodesFoldsSmallSiblingsIntoOther) {
  // 4 nodes (main, foo, bar, baz); with max_nodes 2 the threshold is the 2nd largest total
  // (60: main 100, baz 60, foo 40, bar 30): foo goes into "other" with its subtree.
  const FlameGraph fg = BuildFlameGraph(SpecExample(), 2);

  ASSERT_EQ(fg.levels.size(), 3u);
  ASSERT_EQ(fg.levels[2].size(), 8u);
  EXPECT_EQ(fg.names[fg.levels[2][3]], "baz");
  EXPECT_EQ(fg.names[fg.levels[2][7]], "other");
  EXPECT_THAT(std::vector<int64_t>(fg.levels[2].begin() + 4, fg.levels[2].begin() + 7), ElementsAre(0, 40, 40));
  EXPECT_EQ(fg.total, 100);
}

// Spec §4.6's example bytes.
TEST(FlameGraphTest, TreeBytesAsTheSpec) {
  const std::string bytes = BuildTreeBytes(SpecExample(), kDefaultMaxNodes);
  using namespace std::string_literals;
  const std::string expected = "\x00\x00\x01"s + "\x04main\x00\x02"s + "\x03" "baz" "\x3c\x00"s +
                               "\x03" "foo" "\x0a\x01"s + "\x03" "bar" "\x1e\x00"s;
  EXPECT_EQ(bytes, expected);
}

}  // namespace
}  // namespace flamedb::query
