#include "metastore/etcd_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <thread>

#include "base/ulid.h"
#include "etcd/test_env.h"
#include "metastore/test_blocks.h"
#include "objstore/memory_bucket.h"
#include "testing/fake_clock.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::metastore {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::IsOkAndHolds;
using ::flamedb::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kA[] = "01ARYZ6S41TSV4RRFFQ69G5FA0";
constexpr char kB[] = "01ARYZ6S41TSV4RRFFQ69G5FB0";
constexpr char kC[] = "01ARYZ6S41TSV4RRFFQ69G5FC0";

class EtcdIndexTest : public ::testing::Test {
 protected:
  // A one-profile block `ulid` of `tenant` in the bucket, opened as a writer would hold it.
  BlockRef Write(const std::string& tenant, const std::string& ulid, uint64_t wal_end = 0,
                 std::string source = "segment-writer-0") {
    block::BlockMeta meta;
    meta.source = std::move(source);
    meta.wal_segment_end = wal_end;
    auto ref = OpenBlock(bucket_, WriteTestBlock(bucket_, tenant, ulid, meta, false), nullptr);
    EXPECT_THAT(ref, IsOk());
    return *ref;
  }
  // `owner` claims compaction jobs under the lease `*lease` (null: none).
  std::unique_ptr<EtcdIndex> Open(std::string owner = "", const int64_t* lease = nullptr,
                                  bool open_blocks = true) {
    // One registry per index, as one process has one.
    base::MetricsRegistry& metrics = registries_.emplace_back();
    auto index = EtcdIndex::Open(
        *client_, bucket_,
        {.prefix = prefix_,
         .symbol_cache = nullptr,
         .owner = std::move(owner),
         .lease = [lease] { return lease != nullptr ? *lease : int64_t{0}; },
         .open_blocks = open_blocks},
        logger_, metrics);
    EXPECT_THAT(index, IsOk());
    return std::move(*index);
  }
  static std::vector<std::string> Ulids(const std::vector<BlockRef>& blocks) {
    std::vector<std::string> out;
    for (const BlockRef& b : blocks) out.push_back(b->meta.ulid);
    return out;
  }

  std::unique_ptr<etcd::Client> client_ = etcd::TestClient();
  const std::string prefix_ = etcd::TestPrefix();
  objstore::MemoryBucket bucket_;
  testing::FakeClock clock_;
  base::Logger logger_{clock_, stderr, base::LogLevel::kError};
  std::deque<base::MetricsRegistry> registries_;
};

TEST_F(EtcdIndexTest, AnotherProcessSeesWhatOneAddsAfterARefresh) {
  auto writer = Open();
  auto reader = Open();
  ASSERT_THAT(writer->Add(Write("t1", kA)), IsOk());
  ASSERT_THAT(writer->Add(Write("t2", kB)), IsOk());
  EXPECT_THAT(Ulids(writer->Blocks("t1")), ElementsAre(kA));  // Its own change at once.
  EXPECT_THAT(reader->Tenants(), IsEmpty());

  EXPECT_THAT(reader->Refresh(), IsOkAndHolds(2u));
  EXPECT_THAT(reader->Tenants(), ElementsAre("t1", "t2"));
  EXPECT_EQ(reader->Blocks("t2")[0]->reader->SeriesCount(), 1u);
  EXPECT_THAT(reader->Refresh(), IsOkAndHolds(0u));
  // A new process reads it all at start.
  EXPECT_EQ(Open()->size(), 2u);
}

// Waits for `pred`, up to 10 s (the watch thread applies changes on its own).
template <typename Pred>
bool Eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// A watching index follows another process's adds, swaps and removals without Refresh, and
// its own changes are not undone by the watch catching up with them.
TEST_F(EtcdIndexTest, AnIndexThatDoesNotOpenBlocksHoldsTheirMetasWithoutReadingTheBucket) {
  auto writer = Open();
  auto planner = Open("", nullptr, /*open_blocks=*/false);
  ASSERT_THAT(writer->Add(Write("t1", kA)), IsOk());
  ASSERT_THAT(bucket_.Delete(BlockDir(writer->Blocks("t1")[0]->meta) + "block.bin"), IsOk());

  // An index that opens blocks skips one it cannot read; this one needs only the meta.
  EXPECT_THAT(planner->Refresh(), IsOkAndHolds(1u));
  EXPECT_THAT(Open()->Blocks("t1"), IsEmpty());
  const std::vector<BlockRef> blocks = planner->Blocks("t1");
  ASSERT_THAT(Ulids(blocks), ElementsAre(kA));
  EXPECT_EQ(blocks[0]->reader, nullptr);
  EXPECT_EQ(blocks[0]->meta.profiles, 1u);
}

TEST_F(EtcdIndexTest, AWatchingIndexFollowsOtherProcessesAtOnce) {
  auto writer = Open();
  auto reader = Open();
  reader->StartWatching();
  writer->StartWatching();
  ASSERT_THAT(writer->Add(Write("t1", kA)), IsOk());
  ASSERT_THAT(writer->Add(Write("t1", kB)), IsOk());
  EXPECT_TRUE(Eventually([&] { return Ulids(reader->Blocks("t1")) == std::vector<std::string>{kA, kB}; }));
  auto merged = writer->Replace("t1", {kA, kB}, Write("t1", kC));
  ASSERT_THAT(merged, IsOk());
  ASSERT_TRUE(merged->has_value());
  EXPECT_TRUE(Eventually([&] { return Ulids(reader->Blocks("t1")) == std::vector<std::string>{kC}; }));
  // The reader's own removal, then the writer's add of a new A: both land everywhere.
  ASSERT_THAT(reader->RemoveIf("t1", [](const block::BlockMeta&) { return true; }), IsOk());
  EXPECT_TRUE(Ulids(reader->Blocks("t1")).empty());
  ASSERT_THAT(writer->Add(Write("t1", kA)), IsOk());
  EXPECT_TRUE(Eventually([&] { return Ulids(reader->Blocks("t1")) == std::vector<std::string>{kA}; }));
  EXPECT_TRUE(Eventually([&] { return Ulids(writer->Blocks("t1")) == std::vector<std::string>{kA}; }));
  // An index that read etcd before a change whose history was then compacted away: its watch
  // cannot start there, so it reads the index whole and goes on from that read.
  auto late = Open();
  ASSERT_THAT(writer->Add(Write("t2", kB)), IsOk());
  auto rev = client_->Put(prefix_ + "unrelated", "x");
  ASSERT_THAT(rev, IsOk());
  ASSERT_THAT(client_->Compact(*rev), IsOk());
  late->StartWatching();
  EXPECT_TRUE(Eventually([&] { return Ulids(late->Blocks("t2")) == std::vector<std::string>{kB}; }));
  ASSERT_THAT(writer->Add(Write("t2", kC)), IsOk());
  EXPECT_TRUE(Eventually([&] { return Ulids(late->Blocks("t2")) == std::vector<std::string>{kB, kC}; }));
}

TEST_F(EtcdIndexTest, AddingTheSameBlockTwiceKeepsOne) {
  auto index = Open();
  BlockRef a = Write("t1", kA);
  ASSERT_THAT(index->Add(a), IsOk());
  ASSERT_THAT(index->Add(a), IsOk());  // A retry after a lost answer.
  EXPECT_THAT(Ulids(Open()->Blocks("t1")), ElementsAre(kA));
}

TEST_F(EtcdIndexTest, ReplaceIsOneStepAndFailsWhenASourceIsGone) {
  auto compactor = Open();
  auto retention = Open();
  ASSERT_THAT(compactor->Add(Write("t1", kA)), IsOk());
  ASSERT_THAT(compactor->Add(Write("t1", kB)), IsOk());
  ASSERT_THAT(retention->Refresh(), IsOk());

  // Retention (another process) takes A out while the compactor merges A and B.
  auto removed = retention->RemoveIf("t1", [](const block::BlockMeta& m) { return m.ulid == kA; });
  ASSERT_THAT(removed, IsOk());
  EXPECT_THAT(Ulids(*removed), ElementsAre(kA));
  auto lost = compactor->Replace("t1", {kA, kB}, Write("t1", kC));
  ASSERT_THAT(lost, IsOk());
  EXPECT_FALSE(lost->has_value());  // Nothing changed: A's data cannot come back.
  ASSERT_THAT(compactor->Refresh(), IsOk());
  EXPECT_THAT(Ulids(compactor->Blocks("t1")), ElementsAre(kB));

  ASSERT_THAT(compactor->Add(Write("t1", kA)), IsOk());
  auto merged = compactor->Replace("t1", {kA, kB}, Write("t1", kC));
  ASSERT_THAT(merged, IsOk());
  ASSERT_TRUE(merged->has_value());
  EXPECT_THAT(Ulids(**merged), ElementsAre(kA, kB));
  EXPECT_THAT(Ulids(compactor->Blocks("t1")), ElementsAre(kC));
  ASSERT_THAT(retention->Refresh(), IsOk());
  EXPECT_THAT(Ulids(retention->Blocks("t1")), ElementsAre(kC));
}

// Two compaction-workers plan the same merge: one claims its job. A worker whose lease is lost
// mid-merge cannot commit (its result is discarded); the job is then free for another.
TEST_F(EtcdIndexTest, AJobIsOneWorkersAndALostLeaseDiscardsItsResult) {
  auto lease = [&] { return client_->GrantLease(std::chrono::seconds(30)).value(); };
  int64_t lease1 = lease(), lease2 = lease();
  auto w1 = Open("worker-1", &lease1);
  auto w2 = Open("worker-2", &lease2);
  EXPECT_THAT(Open()->ClaimJob("t1/2/0"), StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_THAT(w1->Add(Write("t1", kA)), IsOk());
  ASSERT_THAT(w1->Add(Write("t1", kB)), IsOk());
  ASSERT_THAT(w2->Refresh(), IsOk());
  EXPECT_THAT(w1->ClaimJob("t1/2/0"), IsOkAndHolds(true));
  EXPECT_THAT(w1->ClaimJob("t1/2/0"), IsOkAndHolds(true));  // A retry finds its own claim.
  EXPECT_THAT(w2->ClaimJob("t1/2/0"), IsOkAndHolds(false));
  auto jobs = w2->Jobs();
  ASSERT_THAT(jobs, IsOk());
  EXPECT_THAT(*jobs, ElementsAre(std::pair<std::string, std::string>("t1/2/0", "worker-1")));
  // Worker 1 hangs: its lease expires (revoked here) while it merges.
  ASSERT_THAT(client_->Revoke(lease1), IsOk());
  auto discarded = w1->CommitJob("t1/2/0", "t1", {kA, kB}, Write("t1", kC));
  ASSERT_THAT(discarded, IsOk());
  EXPECT_FALSE(discarded->has_value());
  // Worker 2 redoes it.
  EXPECT_THAT(w2->ClaimJob("t1/2/0"), IsOkAndHolds(true));
  auto done = w2->CommitJob("t1/2/0", "t1", {kA, kB}, Write("t1", kC));
  ASSERT_THAT(done, IsOk());
  ASSERT_TRUE(done->has_value());
  ASSERT_THAT(w1->Refresh(), IsOk());
  EXPECT_THAT(Ulids(w1->Blocks("t1")), ElementsAre(kC));
  EXPECT_THAT(w2->Jobs(), IsOkAndHolds(IsEmpty()));  // The commit ended the claim.
  // A released claim is free again.
  EXPECT_THAT(w2->ClaimJob("t1/3/0"), IsOkAndHolds(true));
  ASSERT_THAT(w2->ReleaseJob("t1/3/0"), IsOk());
  lease1 = lease();
  EXPECT_THAT(w1->ClaimJob("t1/3/0"), IsOkAndHolds(true));
}

TEST_F(EtcdIndexTest, OnlyOneOfTwoProcessesRemovesABlock) {
  auto one = Open();
  auto two = Open();
  ASSERT_THAT(one->Add(Write("t1", kA)), IsOk());
  ASSERT_THAT(two->Refresh(), IsOk());
  auto all = [](const block::BlockMeta&) { return true; };
  auto first = one->RemoveIf("t1", all);
  auto second = two->RemoveIf("t1", all);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(first->size() + second->size(), 1u);  // Only one deletes the objects.
}

TEST_F(EtcdIndexTest, ReadersNeverSeeAProfileTwiceOrMissOne) {
  auto compactor = Open();
  ASSERT_THAT(compactor->Add(Write("t1", kA)), IsOk());
  ASSERT_THAT(compactor->Add(Write("t1", kB)), IsOk());
  // Merges of merges: A and B into C, then each result into a new block, 30 times over.
  std::vector<BlockRef> rounds = {Write("t1", kC)};
  for (int i = 0; i < 30; ++i) {
    rounds.push_back(Write("t1", base::Ulid::New(std::chrono::system_clock::now() +
                                                 std::chrono::hours(i + 1))
                                     .ToString()));
  }
  std::atomic<bool> done = false;
  std::atomic<int> reads = 0;
  std::thread reader([&] {
    auto index = Open();
    while (!done) {
      ASSERT_THAT(index->Refresh(), IsOk());
      const auto ulids = Ulids(index->Blocks("t1"));
      // Both sources before the first merge, then exactly one block: never a mix.
      EXPECT_TRUE(ulids == std::vector<std::string>({kA, kB}) || ulids.size() == 1)
          << ::testing::PrintToString(ulids);
      ++reads;
    }
  });
  std::set<std::string> sources = {kA, kB};
  for (BlockRef& next : rounds) {
    const std::string ulid = next->meta.ulid;
    auto merged = compactor->Replace("t1", sources, std::move(next));
    ASSERT_THAT(merged, IsOk());
    ASSERT_TRUE(merged->has_value());
    sources = {ulid};
  }
  done = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
}

TEST_F(EtcdIndexTest, AddAllAddsASegmentOfMoreTenantsThanOneTransactionTakes) {
  auto index = Open();
  std::vector<BlockRef> blocks;
  for (int t = 0; t < 130; ++t) blocks.push_back(Write("t" + std::to_string(t), kA, 9));

  size_t added = 0;
  ASSERT_THAT(index->AddAll(blocks, &added), IsOk());
  EXPECT_EQ(added, blocks.size());
  ASSERT_THAT(index->AddAll(blocks, &added), IsOk());  // A retry after a lost answer.
  EXPECT_EQ(added, blocks.size());

  auto reader = Open();
  EXPECT_EQ(reader->Tenants().size(), 130u);
  for (int t = 0; t < 130; ++t) {
    const std::string tenant = "t" + std::to_string(t);
    EXPECT_THAT(Ulids(reader->Blocks(tenant)), ElementsAre(kA)) << tenant;
    EXPECT_THAT(reader->WalSegmentEnd("segment-writer-0", tenant), IsOkAndHolds(9u)) << tenant;
  }
}

TEST_F(EtcdIndexTest, WalSegmentEndIsPerWriterAndTenant) {
  auto index = Open();
  ASSERT_THAT(index->Add(Write("t1", kA, 7, "segment-writer-0")), IsOk());
  ASSERT_THAT(index->Add(Write("t1", kB, 3, "segment-writer-1")), IsOk());
  EXPECT_THAT(index->WalSegmentEnd("segment-writer-0", "t1"), IsOkAndHolds(7u));
  EXPECT_THAT(index->WalSegmentEnd("segment-writer-1", "t1"), IsOkAndHolds(3u));
  EXPECT_THAT(index->WalSegmentEnd("segment-writer-1", "t2"), IsOkAndHolds(0u));
  // Compaction takes the blocks away; the writers' marks stay.
  ASSERT_THAT(index->Replace("t1", {kA, kB}, Write("t1", kC, 7, "compactor")), IsOk());
  EXPECT_THAT(index->WalSegmentEnd("segment-writer-0", "t1"), IsOkAndHolds(7u));
}

TEST_F(EtcdIndexTest, StagedBlocksStayLocalUntilUploaded) {
  auto writer = Open();
  BlockRef a = Write("t1", kA);
  auto staged = std::make_shared<LoadedBlock>();
  staged->meta = a->meta;
  staged->staged = true;
  ASSERT_THAT(writer->Add(staged), IsOk());
  EXPECT_THAT(Ulids(writer->Blocks("t1")), ElementsAre(kA));
  auto other = Open();
  EXPECT_THAT(other->Blocks("t1"), IsEmpty());  // No one else could read it.
  ASSERT_THAT(writer->Refresh(), IsOk());
  EXPECT_THAT(Ulids(writer->Blocks("t1")), ElementsAre(kA));  // A refresh keeps it.

  auto uploaded = writer->Replace("t1", {kA}, a);
  ASSERT_THAT(uploaded, IsOk());
  ASSERT_TRUE(uploaded->has_value());
  EXPECT_FALSE(writer->Blocks("t1")[0]->staged);
  ASSERT_THAT(other->Refresh(), IsOkAndHolds(1u));
}

TEST_F(EtcdIndexTest, DamagedEntriesAreSkippedAndCounted) {
  ASSERT_THAT(client_->Put(prefix_ + "index/blocks/t1/" + kA, "{not json").status(), IsOk());
  auto index = Open();
  EXPECT_EQ(index->size(), 0u);
  EXPECT_THAT(registries_.back().Render(), ::testing::HasSubstr("flamedb_blocks_damaged_total 1"));
  ASSERT_THAT(client_->Put(index->WalKey("w", "t1"), "seven").status(), IsOk());
  EXPECT_EQ(index->WalSegmentEnd("w", "t1").status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace flamedb::metastore
