#include "ingest/attime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb::ingest {
namespace {

using ::flamedb::testing::StatusIs;
using Clock = std::chrono::system_clock;
using std::chrono::seconds;

const Clock::time_point kNow = Clock::time_point(seconds(1767323045));  // 2026-01-02T03:04:05Z

int64_t NanosOf(std::string_view text) {
  Result<Clock::time_point> t = ParseAtTime(text, kNow);
  EXPECT_TRUE(t.ok()) << text << ": " << t.status().ToString();
  return t.ok() ? std::chrono::duration_cast<std::chrono::nanoseconds>(t->time_since_epoch()).count()
                : -1;
}

TEST(ParseAtTimeTest, DigitCountSelectsTheUnit) {
  EXPECT_EQ(NanosOf("1767323045"), 1767323045000000000);
  EXPECT_EQ(NanosOf("1767323045123"), 1767323045123000000);
  EXPECT_EQ(NanosOf("1767323045123456"), 1767323045123456000);
  EXPECT_EQ(NanosOf("1767323045123456789"), 1767323045123456789);
  EXPECT_EQ(NanosOf("1_767_323_045"), 1767323045000000000);  // '_' and ',' are ignored.
}

TEST(ParseAtTimeTest, EightDigitsThatFormADateAreYyyymmdd) {
  EXPECT_EQ(NanosOf("20260102"), 1767312000000000000);
  EXPECT_EQ(NanosOf("20240229"), 1709164800000000000);  // A leap day.
  EXPECT_EQ(NanosOf("20230229"), 20230229LL * 1000000000);  // Not a date: seconds.
}

TEST(ParseAtTimeTest, NowAndOffsets) {
  EXPECT_EQ(NanosOf(""), 1767323045000000000);
  EXPECT_EQ(NanosOf("now"), 1767323045000000000);
  EXPECT_EQ(NanosOf("now-1h"), 1767323045000000000 - 3600000000000);
  EXPECT_EQ(NanosOf("now-30m15s"), 1767323045000000000 - 1815000000000);
  EXPECT_EQ(NanosOf("now+2d"), 1767323045000000000 + 172800000000000);
  EXPECT_EQ(NanosOf("now-1mon"), 1767323045000000000 - 2592000000000000);
  EXPECT_EQ(NanosOf("now-1y"), 1767323045000000000 - 31536000000000000);
  EXPECT_EQ(NanosOf("anything-1w"), 1767323045000000000 - 604800000000000);
}

TEST(ParseAtTimeTest, GarbageIsInvalidArgument) {
  for (std::string_view bad : {"yesterday", "now-", "now-1x", "now-h", "12345678901234567890123",
                               "9999999999999999999", "99999999999", "now-999999999999y",
                               "now+99999999999d", "-6d517667742033y,0y"}) {
    EXPECT_THAT(ParseAtTime(bad, kNow), StatusIs(StatusCode::kInvalidArgument, "invalid time"))
        << bad;
  }
}

}  // namespace
}  // namespace flamedb::ingest
