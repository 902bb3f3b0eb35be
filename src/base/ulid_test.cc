#include "base/ulid.h"

#include <gtest/gtest.h>

namespace flamedb::base {
namespace {

TEST(UlidTest, RoundTripsAndKeepsTheTime) {
  const auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(1469918176385));
  const Ulid id = Ulid::New(now);
  const std::string text = id.ToString();
  ASSERT_EQ(text.size(), 26u);
  // The spec's example time 1469918176385 encodes as "01ARYZ6S41".
  EXPECT_EQ(text.substr(0, 10), "01ARYZ6S41");
  EXPECT_EQ(id.UnixMillis(), 1469918176385);
  const std::optional<Ulid> parsed = Ulid::Parse(text);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, id);
  EXPECT_EQ(Ulid::Parse(std::string(text.size(), 'z').replace(0, 1, "0")).has_value(), true);
}

TEST(UlidTest, SortsByTime) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1000));
  EXPECT_LT(Ulid::New(t).ToString(), Ulid::New(t + std::chrono::milliseconds(1)).ToString());
  EXPECT_NE(Ulid::New(t), Ulid::New(t));
}

TEST(UlidTest, RejectsBadText) {
  EXPECT_FALSE(Ulid::Parse("").has_value());
  EXPECT_FALSE(Ulid::Parse("01ARYZ6S41TSV4RRFFQ69G5FA").has_value());    // 25 characters.
  EXPECT_FALSE(Ulid::Parse("01ARYZ6S41TSV4RRFFQ69G5FAU").has_value());   // 'U' is not base32.
  EXPECT_FALSE(Ulid::Parse("81ARYZ6S41TSV4RRFFQ69G5FAV").has_value());   // Over 128 bits.
  EXPECT_FALSE(Ulid::Parse("../../etc/passwd..........").has_value());
}

}  // namespace
}  // namespace flamedb::base
