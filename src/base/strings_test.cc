#include "base/strings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace flamedb::base {
namespace {

using ::testing::ElementsAre;

TEST(StringsTest, TrimSpaceRemovesSpacesAndTabsAtBothEnds) {
  EXPECT_EQ(TrimSpace(" \tgzip; q=1 \t"), "gzip; q=1");
  EXPECT_EQ(TrimSpace("   "), "");
}

TEST(StringsTest, SplitNonEmptyTrimsAndDropsEmptyItems) {
  EXPECT_THAT(SplitNonEmpty("querier, ingester,,  ", ','), ElementsAre("querier", "ingester"));
  EXPECT_THAT(SplitNonEmpty("", ','), ElementsAre());
  EXPECT_THAT(SplitNonEmpty("one", ','), ElementsAre("one"));
}

TEST(StringsTest, AsciiLowercase) { EXPECT_EQ(AsciiLowercase("Application/JSON"), "application/json"); }

}  // namespace
}  // namespace flamedb::base
