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

TEST(Base64Test, RoundTripsEveryLength) {
  const std::string bytes("\x00\x01\xfe\xff flamedb/etcd key", 21);
  for (size_t n = 0; n <= bytes.size(); ++n) {
    const std::string in = bytes.substr(0, n);
    std::string out = "junk";
    ASSERT_TRUE(Base64Decode(Base64Encode(in), out)) << n;
    EXPECT_EQ(out, in) << n;
  }
  std::string out;
  ASSERT_TRUE(Base64Decode("YQ", out));  // Padding is optional.
  EXPECT_EQ(out, "a");
}

TEST(Base64Test, RefusesWhatNoEncodingGives) {
  std::string out;
  EXPECT_FALSE(Base64Decode("YQ*=", out));    // Outside the alphabet.
  EXPECT_FALSE(Base64Decode("YWJjZ", out));   // A length no encoding gives.
  EXPECT_FALSE(Base64Decode("Y Q==", out));
}

TEST(HexTest, Hex64IsSixteenLowercaseDigitsZeroPadded) {
  EXPECT_EQ(Hex64(0), "0000000000000000");
  EXPECT_EQ(Hex64(0xab), "00000000000000ab");
  EXPECT_EQ(Hex64(0xFEDCBA9876543210ULL), "fedcba9876543210");
  EXPECT_EQ(HexEncode("\x01\xff"), "01ff");
}

}  // namespace
}  // namespace flamedb::base
