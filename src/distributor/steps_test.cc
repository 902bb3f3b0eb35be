#include "distributor/steps.h"

#include <gtest/gtest.h>

#include <vector>

#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::distributor {
namespace {

using ::flamedb::testing::ProfileBuilder;
using ::flamedb::testing::StatusIs;

// Records the order in which RunProfileSteps consults its decisions, and what the profile looked
// like then.
class RecordingDecisions final : public StepDecisions {
 public:
  const ProfileLimits& limits() const override { return limits_; }
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1000));
  }
  void Stamp(model::Profile& p) override {
    calls.push_back("stamp");
    time_at_stamp = p.time_nanos;
  }
  Result<bool> Delta(model::Profile& p) override {
    calls.push_back("delta");
    normalized_at_delta = p.stack_keys.size() == p.samples.size();
    return store;
  }

  ProfileLimits limits_;
  bool store = true;
  std::vector<std::string> calls;
  int64_t time_at_stamp = -1;
  bool normalized_at_delta = false;
};

TEST(RunProfileStepsTest, ValidatesThenStampsThenNormalizesThenAsksForTheDelta) {
  ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds")
      .Sample({"work", "main"}, {30}, {{"profile_id", "00000000000000aa"}})
      .Sample({"work", "main"}, {5});
  model::Profile p = b.Build();
  RecordingDecisions d;
  Result<StepsResult> r = RunProfileSteps(p, d, "{}");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->store);
  EXPECT_EQ(d.calls, (std::vector<std::string>{"stamp", "delta"}));
  EXPECT_EQ(d.time_at_stamp, int64_t{1000} * 1000000000);  // Validation's "now" came first.
  EXPECT_TRUE(d.normalized_at_delta);
  ASSERT_GE(r->links.span, 0);
  EXPECT_EQ(p.String(r->links.span), "span_id");
  EXPECT_EQ(r->links.trace, -1);
}

TEST(RunProfileStepsTest, ABaselineDeltaStoresNothingAndRenamesNothing) {
  ProfileBuilder b;
  b.SampleType("alloc_space", "bytes").Sample({"f"}, {1});
  model::Profile p = b.Build();
  RecordingDecisions d;
  d.store = false;
  Result<StepsResult> r = RunProfileSteps(p, d, "{}");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->store);
  EXPECT_EQ(r->links.span, -1);
}

TEST(RunProfileStepsTest, OnlyEmptySamplesNeverReachTheDelta) {
  ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Sample({"f"}, {0});
  model::Profile p = b.Build();
  RecordingDecisions d;
  Result<StepsResult> r = RunProfileSteps(p, d, "{}");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->store);
  EXPECT_EQ(d.calls, (std::vector<std::string>{"stamp"}));
}

TEST(RunProfileStepsTest, ValidationErrorsStopBeforeAnyDecision) {
  model::Profile p;  // No sample types.
  RecordingDecisions d;
  EXPECT_THAT(RunProfileSteps(p, d, "{}").status(), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_TRUE(d.calls.empty());
}

// Two samples of a cumulative allocation profile, and the facts of a push that replaced their
// values by the growth.
model::Profile TwoAllocSamples() {
  ProfileBuilder b;
  b.SampleType("alloc_space", "bytes").Sample({"f"}, {7}).Sample({"g"}, {9});
  return b.Build();
}

model::Received GrowthOfColumn0() {
  model::Received r;
  r.delta = model::Received::Delta::kGrowth;
  r.delta_columns = {0};
  return r;
}

TEST(RemakeTest, GrowthThatDoesNotFitTheSamplesIsDataLoss) {
  model::Profile p = TwoAllocSamples();
  const std::vector<int64_t> growth = {1};  // Two samples need two values.
  EXPECT_THAT(Remake(p, GrowthOfColumn0(), 5, growth), StatusIs(StatusCode::kDataLoss));
}

TEST(RemakeTest, RepeatsTheRecordedGrowthAndTime) {
  model::Profile p = TwoAllocSamples();
  const std::vector<int64_t> growth = {2, 3};
  ASSERT_TRUE(Remake(p, GrowthOfColumn0(), 5, growth).ok());
  EXPECT_EQ(p.time_nanos, 5);
  int64_t total = 0;
  for (const model::Sample& s : p.samples) total += p.Values(s)[0];
  EXPECT_EQ(total, 5);
}

}  // namespace
}  // namespace flamedb::distributor
