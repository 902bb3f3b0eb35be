#include "ring/placement.h"

#include <gtest/gtest.h>

#include <map>

namespace flamedb::ring {
namespace {

std::vector<Member> Writers(int n, int first = 0) {
  std::vector<Member> out;
  for (int i = first; i < first + n; ++i) {
    out.push_back({"segment-writer-" + std::to_string(i), "http://127.0.0.1:" + std::to_string(9000 + i),
                   {"segment-writer"}, 0});
  }
  return out;
}

constexpr uint32_t kShards = 256;

TEST(PlacementTest, ShardOfIsStableAndSpreadsServices) {
  EXPECT_EQ(ShardOf("t", "svc", kShards), ShardOf("t", "svc", kShards));
  EXPECT_NE(ShardOf("ab", "c", 1u << 30), ShardOf("a", "bc", 1u << 30));
  std::map<uint32_t, int> used;
  for (int i = 0; i < 1000; ++i) ++used[ShardOf("tenant", "service-" + std::to_string(i), 16)];
  EXPECT_EQ(used.size(), 16u);
  for (const auto& [shard, n] : used) EXPECT_GT(n, 30) << shard;  // ~62 each.
}

TEST(PlacementTest, OwnersAreTheFirstCandidatesAndIndependentOfOrder) {
  std::vector<Member> members = Writers(3);
  const std::vector<std::string> owners = Owners(kShards, members);
  std::reverse(members.begin(), members.end());
  EXPECT_EQ(Owners(kShards, members), owners);
  for (uint32_t s = 0; s < kShards; ++s) {
    const auto candidates = Candidates(s, members);
    ASSERT_EQ(candidates.size(), 3u);
    EXPECT_EQ(candidates.front()->id, owners[s]);
  }
}

TEST(PlacementTest, AJoiningMemberTakesOnlyItsOwnShare) {
  const std::vector<Member> before = Writers(3);
  std::vector<Member> after = before;
  after.push_back(Writers(1, 3).front());
  const auto old_owners = Owners(kShards, before), new_owners = Owners(kShards, after);
  int moved = 0;
  for (uint32_t s = 0; s < kShards; ++s) {
    if (old_owners[s] == new_owners[s]) continue;
    ++moved;
    EXPECT_EQ(new_owners[s], "segment-writer-3") << "shard " << s << " moved between old members";
  }
  EXPECT_GT(moved, 30);   // About a quarter: 64.
  EXPECT_LT(moved, 100);
}

TEST(PlacementTest, ALeavingMemberGivesAwayOnlyItsShardsToTheirNextCandidate) {
  const std::vector<Member> before = Writers(4);
  const std::vector<Member> after(before.begin(), before.begin() + 3);
  const auto old_owners = Owners(kShards, before), new_owners = Owners(kShards, after);
  for (uint32_t s = 0; s < kShards; ++s) {
    if (old_owners[s] != "segment-writer-3") {
      EXPECT_EQ(old_owners[s], new_owners[s]) << s;
    } else {
      // The fallback the distributors already used while it was down.
      EXPECT_EQ(new_owners[s], Candidates(s, before)[1]->id) << s;
    }
  }
}

TEST(PlacementTest, ShardsSpreadEvenlyEnough) {
  const auto owners = Owners(kShards, Writers(3));
  std::map<std::string, int> count;
  for (const std::string& o : owners) ++count[o];
  ASSERT_EQ(count.size(), 3u);
  for (const auto& [id, n] : count) EXPECT_GT(n, 50) << id;  // 85 on average.
}

TEST(PlacementTest, NoMembersNoOwners) {
  EXPECT_EQ(Owners(4, {}), std::vector<std::string>(4));
  EXPECT_TRUE(Candidates(0, {}).empty());
}

}  // namespace
}  // namespace flamedb::ring
