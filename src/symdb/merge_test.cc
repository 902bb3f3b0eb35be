#include "symdb/merge.h"

#include <gtest/gtest.h>

#include <numeric>

#include "testing/profile_builder.h"

namespace flamedb::symdb {
namespace {

// "root;...;leaf (file:line)" of a stack id, through the partition's symbols.
std::string Frames(const Partition& p, uint32_t stack) {
  std::vector<uint32_t> locations;
  p.ResolveStack(stack, locations);
  std::string out;
  for (auto it = locations.rbegin(); it != locations.rend(); ++it) {
    const Location& loc = p.location(*it);
    for (const Line& line : p.Lines(loc)) {
      const Function& f = p.function(line.function);
      out += (out.empty() ? "" : ";") + std::string(p.String(f.name)) + " (" +
             std::string(p.String(f.filename)) + ":" + std::to_string(line.line) + " in " +
             std::string(p.String(p.mapping(loc.mapping).filename)) + ")";
    }
  }
  return out;
}

std::vector<uint32_t> Add(Partition& p, testing::ProfileBuilder& b) {
  model::Profile profile = b.Build();
  for (model::Location& l : profile.locations) l.address = 0;  // As normalization leaves them.
  std::vector<uint32_t> all(profile.samples.size());
  std::iota(all.begin(), all.end(), 0);
  return p.AddSamples(profile, all);
}

TEST(MergeTest, StacksKeepTheirFramesAndSharedSymbolsAreStoredOnce) {
  Partition first, second;
  testing::ProfileBuilder b1;
  b1.SampleType("cpu", "nanoseconds").Sample({"leaf", "mid", "main"}, {1}).Sample({"mid", "main"}, {2});
  testing::ProfileBuilder b2;  // Other functions first: every id differs from the first's.
  b2.SampleType("cpu", "nanoseconds")
      .Sample({"gc", "runtime"}, {3})
      .Sample({"mid", "main"}, {4})
      .Sample({"other", "main"}, {5});
  const std::vector<uint32_t> s1 = Add(first, b1);
  const std::vector<uint32_t> s2 = Add(second, b2);
  Partition merged;

  const std::vector<uint32_t> r1 = MergeInto(first, merged);
  const std::vector<uint32_t> r2 = MergeInto(second, merged);

  ASSERT_EQ(r1.size(), first.stacks());
  ASSERT_EQ(r2.size(), second.stacks());
  EXPECT_EQ(r1[0], 0u);
  for (size_t i = 0; i < s1.size(); ++i) {
    EXPECT_EQ(Frames(merged, r1[s1[i]]), Frames(first, s1[i]));
  }
  for (size_t i = 0; i < s2.size(); ++i) {
    EXPECT_EQ(Frames(merged, r2[s2[i]]), Frames(second, s2[i]));
  }
  EXPECT_EQ(r2[s2[1]], r1[s1[1]]);  // main;mid in both: one stack.
  // The empty entry plus main, mid, leaf, runtime, gc, other.
  EXPECT_EQ(merged.functions(), 7u);
  EXPECT_EQ(merged.stacks(), 7u);  // Root, main, main;mid, main;mid;leaf, runtime, ;gc, main;other.
}

TEST(MergeTest, MergingAPartitionIntoACopyOfItselfChangesNothing) {
  Partition p;
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Sample({"c", "b", "a"}, {1}).Sample({"d", "a"}, {2});
  Add(p, b);
  Partition merged;
  const std::vector<uint32_t> once = MergeInto(p, merged);
  const size_t stacks = merged.stacks(), locations = merged.locations();

  const std::vector<uint32_t> twice = MergeInto(p, merged);

  EXPECT_EQ(twice, once);
  EXPECT_EQ(merged.stacks(), stacks);
  EXPECT_EQ(merged.locations(), locations);
}

}  // namespace
}  // namespace flamedb::symdb
