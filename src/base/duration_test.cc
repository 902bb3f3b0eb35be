#include "base/duration.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb::base {
namespace {

using ::flamedb::testing::StatusIs;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

struct ParseCase {
  std::string_view text;
  Duration want;
};

TEST(DurationTest, ParsesGoSyntax) {
  const ParseCase cases[] = {
      {"0", Duration(0)},          {"30s", seconds(30)},
      {"2m", minutes(2)},          {"1h30m", minutes(90)},
      {"1.5s", milliseconds(1500)}, {"250ms", milliseconds(250)},
      {"10us", Duration(10000)},   {"10\xC2\xB5s", Duration(10000)},
      {"7ns", Duration(7)},        {"-2ms", -milliseconds(2)},
      {"7d", hours(168)},          {"1w", hours(168)},
      {"1h0m0s", hours(1)},
  };
  for (const ParseCase& c : cases) {
    Result<Duration> got = ParseDuration(c.text);
    ASSERT_TRUE(got.ok()) << c.text << ": " << got.status().ToString();
    EXPECT_EQ(*got, c.want) << c.text;
  }
}

TEST(DurationTest, RejectsMalformedText) {
  for (std::string_view bad : {"", "s", "10", "1x", "1.s5", "abc", "-", "1h-2m"}) {
    EXPECT_THAT(ParseDuration(bad), StatusIs(StatusCode::kInvalidArgument, "invalid duration"))
        << bad;
  }
}

TEST(DurationTest, FormatsLikeGo) {
  EXPECT_EQ(FormatDuration(Duration(0)), "0s");
  EXPECT_EQ(FormatDuration(seconds(30)), "30s");
  EXPECT_EQ(FormatDuration(minutes(2)), "2m0s");
  EXPECT_EQ(FormatDuration(hours(1)), "1h0m0s");
  EXPECT_EQ(FormatDuration(hours(168)), "168h0m0s");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(FormatDuration(milliseconds(250)), "250ms");
  EXPECT_EQ(FormatDuration(Duration(1500)), "1.5\xC2\xB5s");
  EXPECT_EQ(FormatDuration(Duration(7)), "7ns");
  EXPECT_EQ(FormatDuration(-seconds(3)), "-3s");
}

TEST(DurationTest, FormatThenParseRoundTrips) {
  for (Duration d : {Duration(1), Duration(999999), Duration(123456789012), Duration(hours(25))}) {
    EXPECT_EQ(*ParseDuration(FormatDuration(d)), d);
  }
}

}  // namespace
}  // namespace flamedb::base
