#include "distributor/delta.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "distributor/normalize.h"
#include "testing/profile_builder.h"

namespace flamedb::distributor {
namespace {

using ::flamedb::testing::ProfileBuilder;

const model::Labels kHeap = {{"__name__", "memory"}, {"service_name", "app"}};

// A heap profile: alloc_objects, alloc_space, inuse_space for stacks a and b.
model::Profile Heap(int64_t a_objects, int64_t a_space, int64_t b_space, int64_t inuse) {
  ProfileBuilder b;
  b.SampleType("alloc_objects", "count").SampleType("alloc_space", "bytes");
  b.SampleType("inuse_space", "bytes");
  b.Sample({"a", "main"}, {a_objects, a_space, inuse});
  b.Sample({"b", "main"}, {1, b_space, 0});
  return b.Build();
}

std::vector<int64_t> Values(const model::Profile& p) { return p.values; }

TEST(DeltaTrackerTest, OnlyMemoryWithoutDeltaFalseApplies) {
  EXPECT_TRUE(DeltaTracker::Applies(kHeap));
  EXPECT_FALSE(DeltaTracker::Applies({{"__name__", "memory"}, {"__delta__", "false"}}));
  EXPECT_FALSE(DeltaTracker::Applies({{"__name__", "process_cpu"}}));
}

TEST(DeltaTrackerTest, FirstIsTheBaselineThenGrowthIsStored) {
  DeltaTracker tracker;
  model::Profile first = Heap(10, 1000, 50, 7);
  model::Profile second = Heap(15, 1600, 80, 9);

  EXPECT_TRUE(tracker.Apply("t", kHeap, first));
  EXPECT_TRUE(tracker.Apply("t", kHeap, second));

  // The baseline keeps only inuse_space; then alloc_* are growth and inuse_space is untouched.
  ASSERT_EQ(first.sample_types.size(), 1u);
  EXPECT_EQ(first.String(first.sample_types[0].type), "inuse_space");
  EXPECT_EQ(Values(first), (std::vector<int64_t>{7, 0}));
  EXPECT_EQ(Values(second), (std::vector<int64_t>{5, 600, 9, 0, 30, 0}));
}

TEST(DeltaTrackerTest, ADecreaseMeansARestartAndANewBaseline) {
  DeltaTracker tracker;
  model::Profile first = Heap(10, 1000, 50, 0);
  model::Profile restarted = Heap(2, 100, 5, 0);
  model::Profile after = Heap(3, 150, 5, 0);

  ASSERT_TRUE(tracker.Apply("t", kHeap, first));
  EXPECT_TRUE(tracker.Apply("t", kHeap, restarted));
  ASSERT_TRUE(tracker.Apply("t", kHeap, after));

  EXPECT_EQ(restarted.sample_types.size(), 1u);  // Only inuse_space: a new baseline.
  EXPECT_EQ(Values(after), (std::vector<int64_t>{1, 50, 0, 0, 0, 0}));
}

// Only alloc columns: a baseline leaves nothing to store.
model::Profile AllocOnly(int64_t objects) {
  ProfileBuilder b;
  b.SampleType("alloc_objects", "count").Sample({"a"}, {objects});
  return b.Build();
}

TEST(DeltaTrackerTest, TenantsAndSeriesAreSeparateAndBounded) {
  DeltaTracker tracker(1);
  model::Profile a1 = AllocOnly(1), b1 = AllocOnly(1), a2 = AllocOnly(2);

  EXPECT_FALSE(tracker.Apply("t1", kHeap, a1));
  EXPECT_FALSE(tracker.Apply("t2", kHeap, b1));  // Another tenant: its own baseline.
  EXPECT_FALSE(tracker.Apply("t1", kHeap, a2));  // t1 was evicted (max 1 series): baseline again.
}

// A stack sampled twice gets its growth once, on its first sample; a stack missing from one
// profile keeps its last cumulative value for the next.
TEST(DeltaTrackerTest, RepeatedStacksGrowOnceAndAbsentStacksKeepTheirValue) {
  DeltaTracker tracker;
  const auto build = [](std::vector<std::pair<std::string, int64_t>> samples) {
    ProfileBuilder b;
    b.SampleType("alloc_objects", "count");
    for (const auto& [leaf, v] : samples) b.Sample({leaf, "main"}, {v});
    model::Profile p = b.Build();
    // Symbolized, as normalization leaves them: the builder's addresses follow its ids, which
    // differ from profile to profile. Not normalized, so that a stack is sampled twice.
    for (model::Location& l : p.locations) l.address = 0;
    return p;
  };
  model::Profile first = build({{"a", 10}, {"b", 4}});
  model::Profile second = build({{"a", 6}, {"a", 6}});  // a: 12 in all; b absent.
  model::Profile third = build({{"b", 9}, {"a", 12}});

  ASSERT_FALSE(tracker.Apply("t", kHeap, first));  // Only alloc_objects: nothing to store yet.
  ASSERT_TRUE(tracker.Apply("t", kHeap, second));
  ASSERT_TRUE(tracker.Apply("t", kHeap, third));

  EXPECT_EQ(Values(second), (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(Values(third), (std::vector<int64_t>{5, 0}));  // b grew from 4 to 9; a did not.
}

// As pushes reach it: normalized, with stack keys. A process's next profile numbers its
// locations differently; the stacks still match.
TEST(DeltaTrackerTest, NormalizedProfilesMatchStacksByTheirKeysNotTheirIds) {
  DeltaTracker tracker;
  const auto build = [](std::vector<std::pair<std::string, int64_t>> samples) {
    ProfileBuilder b;
    b.SampleType("alloc_objects", "count").SampleType("inuse_objects", "count");
    for (const auto& [leaf, v] : samples) b.Sample({leaf, "main"}, {v, 1});
    model::Profile p = b.Build();
    NormalizeProfile(p);
    return p;
  };
  model::Profile first = build({{"a", 10}, {"b", 4}});
  model::Profile second = build({{"c", 1}, {"b", 6}, {"a", 13}});  // Other ids for a and b.
  ASSERT_FALSE(first.stack_keys.empty());

  ASSERT_TRUE(tracker.Apply("t", kHeap, first));
  ASSERT_TRUE(tracker.Apply("t", kHeap, second));

  EXPECT_EQ(Values(second), (std::vector<int64_t>{1, 1, 2, 1, 3, 1}));  // c new; b +2; a +3.
}

}  // namespace
}  // namespace flamedb::distributor
