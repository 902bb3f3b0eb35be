#include "base/gzip.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb::base {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

TEST(GzipTest, RoundTrips) {
  const std::string text(100000, 'x');

  const std::string compressed = Gzip(text);
  Result<std::string> back = GunzipCapped(compressed, text.size());

  EXPECT_TRUE(LooksGzipped(compressed));
  EXPECT_LT(compressed.size(), text.size() / 10);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back, text);
}

TEST(GzipTest, ConcatenatedMembersAreJoined) {
  const std::string data = Gzip("hello ") + Gzip("world");

  EXPECT_EQ(*GunzipCapped(data, 100), "hello world");
}

TEST(GzipTest, BombStopsAtTheCap) {
  // 64 MiB of zeros compress to about 64 KiB; the cap must stop the inflate early.
  const std::string bomb = Gzip(std::string(64 << 20, '\0'), 9);

  EXPECT_THAT(GunzipCapped(bomb, 1 << 20), StatusIs(StatusCode::kResourceExhausted, "limit"));
}

TEST(GzipTest, OutputExactlyAtTheCapIsAccepted) {
  const std::string data = Gzip(std::string(4096, 'a'));

  EXPECT_THAT(GunzipCapped(data, 4096), IsOk());
  EXPECT_THAT(GunzipCapped(data, 4095), StatusIs(StatusCode::kResourceExhausted));
}

TEST(GzipTest, GarbageAndTruncationAreInvalidArgument) {
  const std::string good = Gzip("some text that is long enough to matter");

  EXPECT_THAT(GunzipCapped("not gzip at all", 100), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(GunzipCapped(good.substr(0, good.size() / 2), 100),
              StatusIs(StatusCode::kInvalidArgument, "unexpected end"));
  EXPECT_THAT(GunzipCapped("", 100), StatusIs(StatusCode::kInvalidArgument));
}

// The one-call fast path trusts nothing: a stream whose trailer lies about its size, or one
// followed by bytes that are not gzip, gets the streaming decoder's answer.
TEST(GzipTest, ALyingSizeTrailerOrTrailingBytesGetTheStreamingDecodersAnswer) {
  std::string lying = Gzip(std::string(5000, 'b'));
  lying[lying.size() - 4] = 0x10;  // ISIZE now claims 4112 bytes, not 5000.

  EXPECT_THAT(GunzipCapped(lying, 1 << 20), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(*GunzipCapped(Gzip("abc") + "trailing junk", 100), "abc");
}

}  // namespace
}  // namespace flamedb::base
