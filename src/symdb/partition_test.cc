#include "symdb/partition.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <numeric>

#include "model/stack_key.h"
#include "symdb/frames_for_test.h"
#include "testing/profile_builder.h"

namespace flamedb::symdb {
namespace {

using ::testing::ElementsAre;

std::vector<uint32_t> AllSamples(const model::Profile& p) {
  std::vector<uint32_t> all(p.samples.size());
  std::iota(all.begin(), all.end(), 0);
  return all;
}

TEST(PartitionTest, InterningDeduplicates) {
  Partition p;

  const uint32_t a = p.InternString("main.work");
  const uint32_t b = p.InternString("main.idle");

  EXPECT_EQ(p.InternString("main.work"), a);
  EXPECT_NE(a, b);
  EXPECT_EQ(p.InternString(""), 0u);
  EXPECT_EQ(p.String(b), "main.idle");
  const uint32_t f = p.InternFunction({a, 0, 0, 10});
  EXPECT_EQ(p.InternFunction({a, 0, 0, 10}), f);
  EXPECT_NE(p.InternFunction({a, 0, 0, 11}), f);
  const Line lines[] = {{f, 42}};
  const uint32_t loc = p.InternLocation(0, 0, lines);
  EXPECT_EQ(p.InternLocation(0, 0, lines), loc);
}

TEST(PartitionTest, StacksShareTreePrefixesAndIdsAreDense) {
  Partition p;
  const uint32_t abc[] = {3, 2, 1};  // Leaf first: root 1, then 2, leaf 3.
  const uint32_t ab[] = {2, 1};
  const uint32_t ad[] = {4, 1};

  const uint32_t s1 = p.InternStack(abc);
  const uint32_t s2 = p.InternStack(ab);
  const uint32_t s3 = p.InternStack(ad);

  EXPECT_EQ(p.InternStack(abc), s1);
  EXPECT_EQ(p.stacks(), 5u);  // Root, 1, 1>2, 1>2>3, 1>4: shared prefixes stored once.
  EXPECT_LT(s2, s1);          // "1>2" was created on the way to "1>2>3".
  std::vector<uint32_t> resolved;
  p.ResolveStack(s3, resolved);
  EXPECT_THAT(resolved, ElementsAre(4, 1));
  EXPECT_EQ(p.InternStack({}), 0u);
}

TEST(PartitionTest, ProfilesMapOntoSharedSymbolsWhateverTheirOwnIds) {
  testing::ProfileBuilder b1;
  b1.SampleType("cpu", "nanoseconds").Sample({"leaf", "mid", "main"}, {1}).Sample({"mid", "main"}, {2});
  testing::ProfileBuilder b2;  // Same functions, created in another order: other pprof ids.
  b2.SampleType("cpu", "nanoseconds").Sample({"main"}, {3}).Sample({"mid", "main"}, {4});
  model::Profile first = b1.Build();
  model::Profile second = b2.Build();
  for (model::Profile* profile : {&first, &second}) {
    for (model::Location& l : profile->locations) {
      l.address = 0;  // As normalization leaves symbolized locations.
    }
  }
  Partition p;

  const std::vector<uint32_t> s1 = p.AddSamples(first, AllSamples(first));
  const std::vector<uint32_t> s2 = p.AddSamples(second, AllSamples(second));

  EXPECT_EQ(Frames(p, s1[0]), "main;mid;leaf");
  EXPECT_EQ(Frames(p, s1[1]), "main;mid");
  EXPECT_EQ(Frames(p, s2[0]), "main");
  EXPECT_EQ(s2[1], s1[1]);  // The same stack in both profiles: one id.
  EXPECT_EQ(p.functions(), 4u);  // The empty function plus main, mid, leaf.
  EXPECT_GT(p.MemoryBytes(), 0u);
}

TEST(PartitionTest, StacksAreFoundByTheProfilesStackKeys) {
  testing::ProfileBuilder b1;
  b1.SampleType("cpu", "nanoseconds").Sample({"leaf", "mid", "main"}, {1}).Sample({"mid", "main"}, {2});
  testing::ProfileBuilder b2;
  b2.SampleType("cpu", "nanoseconds").Sample({"mid", "main"}, {4}).Sample({"leaf", "mid", "main"}, {3});
  model::Profile keyed = b1.Build();
  model::Profile unkeyed = b2.Build();
  for (model::Profile* profile : {&keyed, &unkeyed}) {
    for (model::Location& l : profile->locations) l.address = 0;
  }
  keyed.stack_keys = model::KeyStacks(keyed);  // As normalization sets them.
  Partition p;

  const std::vector<uint32_t> s1 = p.AddSamples(keyed, AllSamples(keyed));
  const std::vector<uint32_t> s2 = p.AddSamples(unkeyed, AllSamples(unkeyed));
  // The keys are trusted: a profile whose key names a known stack gets that stack.
  testing::ProfileBuilder b3;
  b3.SampleType("cpu", "nanoseconds").Sample({"mid", "main"}, {4}).Sample({"main"}, {3});
  model::Profile misled = b3.Build();
  misled.stack_keys = {keyed.stack_keys[0], keyed.stack_keys[0]};
  const std::vector<uint32_t> s3 = p.AddSamples(misled, AllSamples(misled));

  EXPECT_EQ(Frames(p, s1[0]), "main;mid;leaf");
  EXPECT_EQ(s2[0], s1[1]);  // Keys computed for the unkeyed profile match normalization's.
  EXPECT_EQ(s2[1], s1[0]);
  EXPECT_THAT(s3, ElementsAre(s1[0], s1[0]));
}

}  // namespace
}  // namespace flamedb::symdb
