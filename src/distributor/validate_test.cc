#include "distributor/validate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::distributor {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::ProfileBuilder;
using ::flamedb::testing::StatusIs;
using std::chrono::hours;
using std::chrono::minutes;

const std::chrono::system_clock::time_point kNow =
    std::chrono::system_clock::time_point(std::chrono::seconds(1767323045));

int64_t NanosAt(std::chrono::system_clock::duration offset) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>((kNow + offset).time_since_epoch())
      .count();
}

ProfileBuilder CpuProfile() {
  ProfileBuilder b;
  b.SampleType("samples", "count").SampleType("cpu", "nanoseconds");
  b.Sample({"work", "main"}, {1, 10000000});
  return b;
}

Status Validate(model::Profile& p, ProfileLimits limits = {}) {
  return ValidateProfile(p, limits, kNow, R"({service_name="app"})");
}

void ExpectRejected(model::Profile p, std::string_view reason, std::string_view message,
                    ProfileLimits limits = {}) {
  const Status s = Validate(p, limits);
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument, message));
  EXPECT_EQ(s.tag(), reason) << s.ToString();
}

TEST(ValidateProfileTest, AcceptsAGoodProfileAndStampsAMissingTime) {
  model::Profile p = CpuProfile().Build();

  ASSERT_THAT(Validate(p), IsOk());

  EXPECT_EQ(p.time_nanos, NanosAt({}));
}

TEST(ValidateProfileTest, NoSampleTypesIsAnEmptyProfile) {
  ExpectRejected(ProfileBuilder().Build(), reason::kMalformedProfile, "empty profile");
}

TEST(ValidateProfileTest, TimeOutsideTheIngestionWindowIsRejected) {
  ExpectRejected(CpuProfile().TimeNanos(NanosAt(-hours(2))).Build(),
                 reason::kNotInIngestionWindow,
                 "profile with labels '{service_name=\"app\"}' is outside of ingestion window "
                 "(profile timestamp: 2026-01-02T01:04:05Z, the ingestion window starts at "
                 "2026-01-02T02:04:05Z and ends at 2026-01-02T03:14:05Z)");
  ExpectRejected(CpuProfile().TimeNanos(NanosAt(minutes(11))).Build(),
                 reason::kNotInIngestionWindow, "outside of ingestion window");
  model::Profile recent = CpuProfile().TimeNanos(NanosAt(-minutes(59))).Build();
  EXPECT_THAT(Validate(recent), IsOk());
  model::Profile old = CpuProfile().TimeNanos(NanosAt(-hours(48))).Build();
  EXPECT_THAT(Validate(old, {.reject_older_than = base::Duration(0)}), IsOk());
}

TEST(ValidateProfileTest, TooManySamplesOrSampleLabelsAreRejected) {
  ProfileBuilder many = CpuProfile();
  many.Sample({"a"}, {1, 1}).Sample({"b"}, {1, 1});
  ExpectRejected(many.Build(), reason::kSamplesLimit,
                 "exceeds the samples count limit (max_profile_stacktrace_samples, actual: 3, "
                 "limit: 2)",
                 {.max_profile_stacktrace_samples = 2});

  ProfileBuilder labeled = CpuProfile();
  labeled.Sample({"a"}, {1, 1}, {{"k1", "v"}, {"k2", "v"}, {"k3", "v"}});
  ExpectRejected(labeled.Build(), reason::kSampleLabelsLimit,
                 "max_profile_stacktrace_sample_labels, actual: 3, limit: 2",
                 {.max_profile_stacktrace_sample_labels = 2});
}

TEST(ValidateProfileTest, DeepStacksKeepTheirLeafFrames) {
  ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Sample({"leaf", "mid", "root"}, {5});
  model::Profile p = b.Build();

  ASSERT_THAT(Validate(p, {.max_profile_stacktrace_depth = 2}), IsOk());

  ASSERT_EQ(p.samples[0].locations.size, 2u);
  const auto ids = p.LocationIds(p.samples[0]);
  EXPECT_EQ(p.String(p.functions[ids[0] - 1].name), "leaf");
  EXPECT_EQ(p.String(p.functions[ids[1] - 1].name), "mid");
}

TEST(ValidateProfileTest, LongSymbolsKeepTheirTailOnACharacterBoundary) {
  ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Sample({"pkg.\xE2\x82\xAC" "func"}, {5});
  model::Profile p = b.Build();

  ASSERT_THAT(Validate(p, {.max_profile_symbol_value_length = 6}), IsOk());

  EXPECT_EQ(p.String(p.functions[0].name), "func");  // The cut euro sign is not kept in part.
}

TEST(ValidateProfileTest, BrokenReferencesAreMalformed) {
  struct Case {
    std::string name;
    std::function<void(model::Profile&)> damage;
    std::string message;
  };
  const Case cases[] = {
      {"location id 0", [](model::Profile& p) { p.locations[0].id = 0; }, "location id is 0"},
      {"function id 0", [](model::Profile& p) { p.functions[0].id = 0; }, "function id is 0"},
      {"value count", [](model::Profile& p) { p.samples[0].values.size = 1; },
       "sample value length mismatch"},
      {"string 0", [](model::Profile& p) { p.string_table[0] = "x"; },
       "string 0 should be empty string"},
      {"function name", [](model::Profile& p) { p.functions[0].name = 999; },
       "function name string index out of range: 999"},
      {"negative index", [](model::Profile& p) { p.sample_types[0].unit = -1; },
       "sample unit string index out of range"},
      {"mapping", [](model::Profile& p) { p.mappings[0].build_id = 77; },
       "mapping build id string index out of range"},
      {"label key", [](model::Profile& p) { p.labels.push_back({500, 0, 1, 0}); },
       "sample label key string index out of range"},
      {"dash", [](model::Profile& p) { p.string_table[p.sample_types[0].type] = "alloc-space"; },
       "sample type contains -"},
      {"utf8", [](model::Profile& p) { p.string_table.back() = "\xff\xfe"; },
       "invalid utf8 string hex: fffe"},
      {"duplicate type", [](model::Profile& p) { p.sample_types[1] = p.sample_types[0]; },
       "duplicate sample type samples:count"},
  };
  for (const Case& c : cases) {
    model::Profile p = CpuProfile().Build();
    c.damage(p);
    ExpectRejected(std::move(p), reason::kMalformedProfile, c.message);
  }
}

}  // namespace
}  // namespace flamedb::distributor
