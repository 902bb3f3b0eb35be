#include "model/stack_key.h"

#include <gtest/gtest.h>

#include "testing/profile_builder.h"

namespace flamedb::model {
namespace {

using ::flamedb::testing::ProfileBuilder;

// As normalization leaves a symbolized profile: addresses cleared.
Profile Symbolized(ProfileBuilder& b) {
  Profile p = b.Build();
  for (Location& l : p.locations) l.address = 0;
  return p;
}

TEST(StackKeyTest, EqualStacksOfProfilesWithOtherIdsHaveEqualKeys) {
  ProfileBuilder b1;
  b1.SampleType("cpu", "nanoseconds").Sample({"leaf", "mid", "main"}, {1}).Sample({"mid", "main"}, {2});
  ProfileBuilder b2;  // The same functions made in another order: other ids everywhere.
  b2.SampleType("cpu", "nanoseconds").Sample({"main"}, {3}).Sample({"mid", "main"}, {4});
  b2.Sample({"leaf", "mid", "main"}, {5});
  const Profile first = Symbolized(b1);
  const Profile second = Symbolized(b2);

  const std::vector<StackKey> k1 = KeyStacks(first);
  const std::vector<StackKey> k2 = KeyStacks(second);

  ASSERT_EQ(k1.size(), 2u);
  ASSERT_EQ(k2.size(), 3u);
  EXPECT_EQ(k1[0], k2[2]);
  EXPECT_EQ(k1[1], k2[1]);
  EXPECT_NE(k1[0], k1[1]);
  EXPECT_NE(k2[0], k2[1]);
}

TEST(StackKeyTest, EveryFieldSymbolsAreInternedByChangesTheKey) {
  ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Sample({"f", "main"}, {1});
  const Profile base = Symbolized(b);
  const StackKey before = KeyStacks(base)[0];
  // Each change makes a stack that symdb interns as another stack.
  const std::vector<void (*)(Profile&)> changes = {
      [](Profile& p) { p.lines[0].line = 2; },
      [](Profile& p) { p.functions[0].start_line = 7; },
      [](Profile& p) { p.functions[0].system_name = p.AddString("f_sys"); },
      [](Profile& p) { p.functions[0].filename = p.AddString("other.go"); },
      [](Profile& p) { p.functions[0].name = p.AddString("g"); },
      [](Profile& p) { p.locations[0].address = 0x40; },
      [](Profile& p) { p.mappings[0].build_id = p.AddString("abc"); },
      [](Profile& p) { p.mappings[0].filename = p.AddString("other"); },
      [](Profile& p) { p.mappings[0].memory_start = 0x1000; },
      [](Profile& p) { p.mappings[0].file_offset = 0x10; },
      [](Profile& p) { p.mappings[0].has_inline_frames = true; },
      [](Profile& p) { p.location_ids[0] = 2; },  // main;main instead of main;f.
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    ProfileBuilder copy;
    copy.SampleType("cpu", "nanoseconds").Sample({"f", "main"}, {1});
    Profile p = Symbolized(copy);
    changes[i](p);
    EXPECT_NE(KeyStacks(p)[0], before) << "change " << i;
  }
}

TEST(StackKeyTest, KeyStackReportsTheFirstLocationWithoutAKey) {
  ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Sample({"a", "b", "c"}, {1});
  Profile p = Symbolized(b);
  p.lines[1].function_id = 99;  // Location 2 ("b") names a function that does not exist.
  const LocationKeys keys(p);
  const uint64_t ids[] = {1, 2, 3};
  StackKey key{1, 1};

  EXPECT_NE(keys.Get(1), 0u);
  EXPECT_EQ(keys.Get(2), 0u);
  EXPECT_EQ(keys.Get(1234), 0u);
  EXPECT_EQ(KeyStack(ids, keys, key), 1u);
  EXPECT_EQ(key, (StackKey{1, 1}));  // Left alone.
  const uint64_t known[] = {1, 3, 1};
  EXPECT_EQ(KeyStack(known, keys, key), 3u);
  EXPECT_NE(key, (StackKey{1, 1}));
}

TEST(StackKeyTest, SparseIdsKeyLikeDenseOnes) {
  ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Sample({"f", "main"}, {1});
  const Profile dense = Symbolized(b);
  ProfileBuilder b2;
  b2.SampleType("cpu", "nanoseconds").Sample({"f", "main"}, {1});
  Profile sparse = Symbolized(b2);
  for (Location& l : sparse.locations) l.id += 1ULL << 40;
  for (uint64_t& id : sparse.location_ids) id += 1ULL << 40;
  for (Function& f : sparse.functions) f.id += 1ULL << 50;
  for (Line& l : sparse.lines) l.function_id += 1ULL << 50;

  EXPECT_EQ(KeyStacks(sparse)[0], KeyStacks(dense)[0]);
}

}  // namespace
}  // namespace flamedb::model
