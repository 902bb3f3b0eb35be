#include "distributor/go_fixes.h"

#include <gtest/gtest.h>

#include "testing/profile_builder.h"

namespace flamedb::distributor {
namespace {

TEST(DropGoTypeParametersTest, ReplacesEachShapeGroupByItsMatchingBracket) {
  EXPECT_EQ(DropGoTypeParameters("main.Map[go.shape.int,go.shape.string].Get"),
            "main.Map[...].Get");
  EXPECT_EQ(DropGoTypeParameters("slices.SortFunc[go.shape.[]string,go.shape.string]"),
            "slices.SortFunc[...]");
  // Pyroscope's greedy regex would also swallow ".Sum[2]"; the matching bracket keeps it.
  EXPECT_EQ(DropGoTypeParameters("a[go.shape.int].f[x].Sum[2]"), "a[...].f[x].Sum[2]");
  EXPECT_EQ(DropGoTypeParameters("a[go.shape.int]b[go.shape.uint8]"), "a[...]b[...]");
  EXPECT_EQ(DropGoTypeParameters("plain.Func"), "plain.Func");
  EXPECT_EQ(DropGoTypeParameters("broken[go.shape.int"), "broken[...]");
}

TEST(DropGoTypeParametersTest, RewritesTheStringTable) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Sample({"x[go.shape.int].f", "main"}, {1});
  model::Profile p = b.Build();

  EXPECT_EQ(DropGoTypeParameters(p), 2u);  // The function name and its file name.

  EXPECT_EQ(p.String(p.functions[0].name), "x[...].f");
}

}  // namespace
}  // namespace flamedb::distributor
