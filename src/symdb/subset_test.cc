#include "symdb/subset.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/strings.h"
#include "symdb/frames_for_test.h"

namespace flamedb::symdb {
namespace {

using ::testing::UnorderedElementsAre;

// Interns "root;...;leaf", each frame a function of its own name in `file`.
uint32_t AddStack(Partition& p, std::string_view frames, std::string_view file = "main.go") {
  std::vector<uint32_t> leaf_first;
  for (const std::string_view name : base::SplitNonEmpty(frames, ';')) {
    const uint32_t f = p.InternFunction({p.InternString(name), 0, p.InternString(file), 1});
    const Line lines[] = {{f, 7}};
    const uint32_t mapping = p.InternMapping({p.InternString("/bin/app"), 0, 0, 0, 0, 0});
    leaf_first.insert(leaf_first.begin(), p.InternLocation(mapping, 0, lines));
  }
  return p.InternStack(leaf_first);
}

std::vector<std::string> Strings(const Partition& p) {
  std::vector<std::string> out;
  for (uint32_t i = 0; i < p.strings(); ++i) out.emplace_back(p.String(i));
  return out;
}

TEST(SubsetTest, KeepsTheUsedStacksTheirAncestorsAndWhatTheyReferTo) {
  Partition p;
  const uint32_t old_leaf = AddStack(p, "main;old;gone", "old.go");
  const uint32_t work = AddStack(p, "main;run;work");
  const uint32_t idle = AddStack(p, "main;run;idle");
  std::vector<uint8_t> used(p.stacks(), 0);
  used[work] = used[idle] = 1;

  Result<Subset> s = SubsetOf(p, used);

  ASSERT_TRUE(s.ok()) << s.status().message();
  const Partition& kept = *s->partition;
  EXPECT_EQ(kept.stacks(), 5u);  // The root, main, run, work, idle.
  EXPECT_EQ(Frames(kept, s->stack_ids[work]), "main;run;work");
  EXPECT_EQ(Frames(kept, s->stack_ids[idle]), "main;run;idle");
  EXPECT_EQ(s->stack_ids[old_leaf], Subset::kMissing);
  EXPECT_EQ(kept.functions(), 5u);  // The empty one and four.
  EXPECT_EQ(kept.locations(), 5u);
  EXPECT_EQ(kept.mappings(), 2u);
  EXPECT_THAT(Strings(kept), UnorderedElementsAre("", "main", "main.go", "/bin/app", "run",
                                                  "work", "idle"));
}

TEST(SubsetTest, NothingUsedLeavesTheEmptyEntries) {
  Partition p;
  AddStack(p, "main;work");

  Result<Subset> s = SubsetOf(p, {});

  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->partition->stacks(), 1u);
  EXPECT_EQ(s->partition->strings(), 1u);
  EXPECT_EQ(s->partition->functions(), 1u);
  EXPECT_EQ(s->partition->locations(), 1u);
  EXPECT_EQ(s->partition->mappings(), 1u);
}

TEST(SubsetTest, ACopiedPartitionInternsWhatItsOriginalHeldToTheSameIds) {
  Partition original;
  const uint32_t work = AddStack(original, "main;run;work");
  Partition copy;

  copy.CopyFrom(original);
  const uint32_t again = AddStack(copy, "main;run;work");
  const uint32_t fresh = AddStack(copy, "main;run;sleep");

  EXPECT_EQ(again, work);
  EXPECT_EQ(copy.stacks(), original.stacks() + 1);
  EXPECT_EQ(Frames(copy, fresh), "main;run;sleep");
  EXPECT_EQ(Frames(original, work), "main;run;work");
  EXPECT_EQ(original.stacks(), 4u);  // The original is untouched.
}

}  // namespace
}  // namespace flamedb::symdb
