#include "base/common_divisor.h"

#include <gtest/gtest.h>

#include <random>

namespace flamedb::base {
namespace {

TEST(ExactDividerTest, AgreesWithDivisionAndModulo) {
  std::mt19937_64 rng(7);
  for (uint64_t d : {uint64_t{1}, uint64_t{2}, uint64_t{3}, uint64_t{10'000'000}, uint64_t{1} << 40,
                     uint64_t{999'999'937}, uint64_t{INT64_MAX}}) {
    const ExactDivider div(d);
    for (int i = 0; i < 2000; ++i) {
      const uint64_t m = i < 1000 ? rng() : rng() % 100'000 * d;  // Random, and multiples.
      EXPECT_EQ(div.Divides(m), m % d == 0) << m << " by " << d;
      const int64_t q = static_cast<int64_t>(rng() % (uint64_t{INT64_MAX} / d));
      const int64_t v = static_cast<int64_t>(static_cast<uint64_t>(q) * d);
      EXPECT_EQ(div.Divide(v), q) << v << " by " << d;
      EXPECT_EQ(div.Divide(-v), -q) << -v << " by " << d;
    }
    EXPECT_TRUE(div.Divides(0));
  }
}

TEST(CommonDivisorTest, IsTheGcdOfTheMagnitudes) {
  CommonDivisor c;
  EXPECT_EQ(c.divisor(), 1u);
  for (int64_t v : {30'000'000, -20'000'000, 0, 50'000'000}) c.Add(v);
  EXPECT_EQ(c.divisor(), 10'000'000u);
  c.Add(7);
  EXPECT_EQ(c.divisor(), 1u);
  CommonDivisor min_only;
  min_only.Add(INT64_MIN);
  EXPECT_EQ(min_only.divisor(), 1u);  // 2^63 does not fit a signed divisor.
}

}  // namespace
}  // namespace flamedb::base
