#include "ingest/speedscope.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb::ingest {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

int64_t Total(const model::Profile& p) {
  int64_t sum = 0;
  for (int64_t v : p.values) sum += v;
  return sum;
}

const char* kTwoProfiles = R"({
  "$schema": "https://www.speedscope.app/file-format-schema.json",
  "shared": {"frames": [{"name": "main"}, {"name": "work"}, {"name": "idle"}]},
  "profiles": [
    {"type": "sampled", "name": "cpu", "unit": "milliseconds", "startValue": 0, "endValue": 9,
     "samples": [[0, 1], [0, 2], [0, 1]], "weights": [2, 3, 1.5]},
    {"type": "evented", "name": "alloc", "unit": "bytes", "startValue": 0, "endValue": 100,
     "events": [{"type": "O", "frame": 0, "at": 0}, {"type": "O", "frame": 1, "at": 10},
                {"type": "C", "frame": 1, "at": 40}, {"type": "C", "frame": 0, "at": 100}]}
  ]})";

TEST(ParseSpeedscopeTest, SampledAndEventedProfilesBecomeLabeledProfiles) {
  Result<std::vector<model::LabeledProfile>> out =
      ParseSpeedscope(kTwoProfiles, ParsedName{"app", {}}, {});

  ASSERT_THAT(out, IsOk());
  ASSERT_EQ(out->size(), 2u);
  const model::LabeledProfile& wall = (*out)[0];
  EXPECT_EQ(wall.labels.Get("__name__"), "wall");
  EXPECT_EQ(wall.labels.Get("profile_name"), "cpu");
  EXPECT_EQ(wall.labels.Get("service_name"), "app");
  EXPECT_EQ(Total(wall.profile), 6500000);  // 6.5 ms in nanoseconds.
  const model::LabeledProfile& memory = (*out)[1];
  EXPECT_EQ(memory.labels.Get("__name__"), "memory");
  EXPECT_EQ(Total(memory.profile), 100);  // 30 bytes in main;work, 70 in main.
}

TEST(ParseSpeedscopeTest, BadFilesNameTheProblem) {
  const ParsedName name{"app", {}};
  EXPECT_THAT(ParseSpeedscope("{", name, {}), StatusIs(StatusCode::kInvalidArgument, "not a JSON"));
  EXPECT_THAT(ParseSpeedscope(R"({"$schema":"x"})", name, {}),
              StatusIs(StatusCode::kInvalidArgument, "$schema must be"));
  const std::string head =
      R"({"$schema":"https://www.speedscope.app/file-format-schema.json","shared":{"frames":[{"name":"a"}]},)";
  EXPECT_THAT(ParseSpeedscope(head + R"("profiles":[{"type":"sampled","samples":[[5]],"weights":[1]}]})", name, {}),
              StatusIs(StatusCode::kInvalidArgument, "frame index 5"));
  EXPECT_THAT(ParseSpeedscope(head + R"("profiles":[{"type":"sampled","samples":[[0]],"weights":[1,2]}]})", name, {}),
              StatusIs(StatusCode::kInvalidArgument, "equal length"));
  EXPECT_THAT(ParseSpeedscope(head + R"("profiles":[{"type":"evented","events":[{"type":"C","frame":0,"at":1}]}]})", name, {}),
              StatusIs(StatusCode::kInvalidArgument, "closes a frame that is not open"));
  EXPECT_THAT(ParseSpeedscope(head + R"("profiles":[{"type":"sampled","name":7,"samples":[],"weights":[]},)"
                                     R"({"type":"sampled","unit":"none","samples":[],"weights":[]}]})", name, {}),
              StatusIs(StatusCode::kInvalidArgument, "unknown profile type: none"));
  EXPECT_THAT(ParseSpeedscope(head + R"("profiles":[{"type":"sampled","samples":[[0]],"weights":["x"]}]})", name, {}),
              StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace flamedb::ingest
