#include "ctl/flame_tree.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb::ctl {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::HasSubstr;

// total(10) -> a(6, self 1) -> b(5, self 5); total -> c(4) -> a(4) -> a(4, self 4) (recursion).
const std::vector<std::string> kNames = {"total", "a", "b", "c"};
const std::vector<std::vector<int64_t>> kLevels = {
    {0, 10, 0, 0},
    {0, 6, 1, 1, 0, 4, 0, 3},
    {1, 5, 5, 2, 0, 4, 0, 1},
    {6, 4, 4, 1},
};

TEST(FlameTreeTest, DecodesLevelsIntoParentsByPosition) {
  Result<FlameNode> root = DecodeFlameGraph(kNames, kLevels, false);

  ASSERT_THAT(root, IsOk());
  ASSERT_EQ(root->children.size(), 2u);
  EXPECT_EQ(root->children[0].name, "a");
  ASSERT_EQ(root->children[0].children.size(), 1u);
  EXPECT_EQ(root->children[0].children[0].name, "b");
  ASSERT_EQ(root->children[1].children.size(), 1u);
  EXPECT_EQ(root->children[1].children[0].children[0].self, 4);
}

TEST(FlameTreeTest, FoldedLinesHaveEveryStackWithSelf) {
  EXPECT_EQ(FormatFolded(*DecodeFlameGraph(kNames, kLevels, false)),
            "a 1\na;b 5\nc;a;a 4\n");
}

TEST(FlameTreeTest, TopCountsARecursiveFunctionOnce) {
  std::vector<FunctionRow> rows = TopFunctions(*DecodeFlameGraph(kNames, kLevels, false));

  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].name, "a");  // Self 5 as b's: by name, as pprof.
  EXPECT_EQ(rows[0].self, 5);
  EXPECT_EQ(rows[0].total, 10);  // 6 under the root, 4 under c (its recursive call not again).
  EXPECT_EQ(rows[1].name, "b");
  EXPECT_EQ(rows[1].self, 5);
  EXPECT_EQ(rows[2].name, "c");
  EXPECT_EQ(rows[2].total, 4);
  EXPECT_EQ(FormatTop(rows, 10, "", 1, true), "[{\"name\":\"a\",\"self\":5,\"total\":10}]\n");
  EXPECT_THAT(FormatTop(rows, 10, "", 0, false), HasSubstr("5  50.00%  50.00%           10 100.00%  a\n"));
}

TEST(FlameTreeTest, TreeIsSortedByTotalAndDepthLimited) {
  const std::string text = FormatTree(*DecodeFlameGraph(kNames, kLevels, false), "", 1, 0);
  EXPECT_EQ(text,
            "total 10 (100.00%, self 0)\n"
            "  a 6 (60.00%, self 1)\n"
            "  c 4 (40.00%, self 0)\n");
}

TEST(FlameTreeTest, DiffGraphsKeepBothSides) {
  // total(L 4, R 6) -> f(L 4 self 4, R 2 self 2), g(L 0, R 4 self 4).
  const std::vector<std::vector<int64_t>> levels = {{0, 4, 0, 0, 6, 0, 0},
                                                    {0, 4, 4, 0, 2, 2, 1, 0, 0, 0, 0, 4, 4, 2}};
  Result<FlameNode> root = DecodeFlameGraph({"total", "f", "g"}, levels, true);

  ASSERT_THAT(root, IsOk());
  const std::string table = FormatDiff(TopFunctions(*root), 4, 6, "", 0, true);
  EXPECT_EQ(table,
            "[{\"name\":\"f\",\"left_self\":4,\"right_self\":2,\"change_points\":-66.6667},"
            "{\"name\":\"g\",\"left_self\":0,\"right_self\":4,\"change_points\":66.6667}]\n");
}

TEST(FlameTreeTest, MalformedGraphsAreDataLoss) {
  EXPECT_THAT(DecodeFlameGraph(kNames, {{0, 1, 0}}, false), StatusIs(StatusCode::kDataLoss, "multiple of 4"));
  EXPECT_THAT(DecodeFlameGraph(kNames, {{0, 1, 0, 9}}, false), StatusIs(StatusCode::kDataLoss, "names #9"));
  EXPECT_THAT(DecodeFlameGraph(kNames, {{0, 1, 0, 0}, {5, 3, 3, 1}}, false),
              StatusIs(StatusCode::kDataLoss, "outside every parent"));
  EXPECT_THAT(DecodeFlameGraph(kNames, {}, false), StatusIs(StatusCode::kDataLoss, "single root"));
}

TEST(FlameTreeTest, ValuesInTheirUnits) {
  EXPECT_EQ(FormatValue(1'500'000'000, "nanoseconds"), "1.50s");
  EXPECT_EQ(FormatValue(12'300'000, "nanoseconds"), "12.30ms");
  EXPECT_EQ(FormatValue(3 << 20, "bytes"), "3.00MiB");
  EXPECT_EQ(FormatValue(512, "bytes"), "512B");
  EXPECT_EQ(FormatValue(42, "count"), "42");
}

}  // namespace
}  // namespace flamedb::ctl
