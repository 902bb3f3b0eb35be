#include "api/render_routes.h"

#include <gtest/gtest.h>

namespace flamedb::api {
namespace {

constexpr int64_t kHourMs = 3600 * 1000;

// Pyroscope's CalcPointInterval table, with its 15 s floor.
TEST(RenderTest, TimelineStepFollowsGrafanasTable) {
  EXPECT_EQ(TimelineStepSeconds(0, kHourMs), 15);           // 2.4 s -> 2 s -> floor 15 s.
  EXPECT_EQ(TimelineStepSeconds(0, 6 * kHourMs), 15);       // 14.4 s -> 15 s.
  EXPECT_EQ(TimelineStepSeconds(0, 12 * kHourMs), 30);      // 28.8 s -> 30 s.
  EXPECT_EQ(TimelineStepSeconds(0, 24 * kHourMs), 60);      // 57.6 s -> 1 m.
  EXPECT_EQ(TimelineStepSeconds(0, 7 * 24 * kHourMs), 300);  // 403 s -> 5 m.
}

}  // namespace
}  // namespace flamedb::api
