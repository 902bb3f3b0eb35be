// The compactor service over the blocks the ingester cuts: merging them, swapping them for
// readers, retiring the sources, finishing an interrupted compaction at the next start, and
// retention.
#include "compactor/compact.h"
#include "ingester/test_fixture.h"

namespace flamedb::ingester {
namespace {

constexpr int64_t kMinute = 60'000'000'000;

class CompactionTest : public IngesterTest {
 protected:
  // Three blocks of tenant t1 whose data starts in one hour, three hours ago.
  void CutThreeBlocks(Ingester& ingester) {
    for (int i = 0; i < 3; ++i) {
      const int64_t time = kNow - 180 * kMinute + i * 10 * kMinute;
      ASSERT_THAT(ingester.Append("t1", {{kLabels, Cpu(10 + i, 5, time), {}}}), IsOk());
      ASSERT_THAT(ingester.Flush(), IsOk());
    }
    ASSERT_EQ(Snapshot("t1").blocks.size(), 3u);
  }
};

TEST_F(CompactionTest, AnHoursBlocksBecomeOneAndTheSourcesLeaveOnceUnread) {
  auto ingester = Open();
  CutThreeBlocks(*ingester);
  const std::string before = Json("t1");
  querier::TenantSnapshot held = Snapshot("t1");  // A query still reading the sources.

  ASSERT_THAT(compactor_->Compact(), ::flamedb::testing::IsOkAndHolds(1u));

  const querier::TenantSnapshot now = Snapshot("t1");
  ASSERT_EQ(now.blocks.size(), 1u);
  EXPECT_EQ(now.blocks[0]->meta.level, 2);
  EXPECT_EQ(now.blocks[0]->meta.sources.size(), 3u);
  EXPECT_EQ(Json("t1"), before);
  EXPECT_EQ(BlockDirs("t1").size(), 4u);  // The held sources are still readable.
  held = {};
  ASSERT_THAT(compactor_->Compact(), ::flamedb::testing::IsOkAndHolds(0u));
  EXPECT_EQ(BlockDirs("t1").size(), 1u);
  ingester.reset();
  auto restarted = Open();
  EXPECT_EQ(Json("t1"), before);
  EXPECT_EQ(Snapshot("t1").blocks.size(), 1u);
}

TEST_F(CompactionTest, WithADeleteDelayTheSourcesStayThatLongAfterTheSwap) {
  delete_delay_ = std::chrono::minutes(15);  // A cluster's: other processes may still read them.
  auto ingester = Open();
  CutThreeBlocks(*ingester);

  ASSERT_THAT(compactor_->Compact(), ::flamedb::testing::IsOkAndHolds(1u));
  clock_.Advance(std::chrono::minutes(14));
  ASSERT_THAT(compactor_->Compact(), ::flamedb::testing::IsOkAndHolds(0u));
  EXPECT_EQ(BlockDirs("t1").size(), 4u);  // Unread here, but not 15 minutes old.

  clock_.Advance(std::chrono::minutes(1));
  ASSERT_THAT(compactor_->Compact(), ::flamedb::testing::IsOkAndHolds(0u));
  EXPECT_EQ(BlockDirs("t1").size(), 1u);
}

TEST_F(CompactionTest, WithADeleteDelayRetentionLeavesTheObjectsThatLong) {
  delete_delay_ = std::chrono::minutes(15);
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
      clock_.Now().time_since_epoch()).count();
  limits_.retention_period = std::chrono::hours(24);
  auto ingester = Open();
  ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(1, 0, now - 30 * 60 * kMinute), {}}}), IsOk());
  ASSERT_THAT(ingester->Flush(), IsOk());

  EXPECT_EQ(*compactor_->ApplyRetention(), 1u);
  EXPECT_TRUE(Snapshot("t1").blocks.empty());  // Out of the index at once...
  EXPECT_EQ(BlockDirs("t1").size(), 1u);       // ...its objects still there for other readers.
  clock_.Advance(std::chrono::minutes(15));
  ASSERT_THAT(compactor_->Compact(), ::flamedb::testing::IsOkAndHolds(0u));
  EXPECT_EQ(BlockDirs("t1").size(), 0u);
}

TEST_F(CompactionTest, AnInterruptedCompactionIsFinishedAtTheNextStart) {
  std::string before;
  std::vector<block::BlockMeta> metas;
  {
    auto ingester = Open();
    CutThreeBlocks(*ingester);
    before = Json("t1");
    for (const auto& b : Snapshot("t1").blocks) metas.push_back(b->meta);
  }
  // The merged block reached the bucket; the crash came before the sources were deleted.
  ASSERT_THAT(compactor::CompactBlocks(bucket_, metas, "01ARYZ6S41TSV4RRFFQ69G5FB0"), IsOk());
  ASSERT_EQ(BlockDirs("t1").size(), 4u);

  auto restarted = Open();

  EXPECT_EQ(Snapshot("t1").blocks.size(), 1u);
  EXPECT_EQ(BlockDirs("t1").size(), 1u);
  EXPECT_EQ(Json("t1"), before);  // Nothing counted twice, nothing lost.
}

// The index as one compaction-worker of several sees it: a job may be another worker's, or its
// claim may be lost (the lease expired) before the commit.
class SharedJobs final : public metastore::BlockIndex {
 public:
  explicit SharedJobs(metastore::BlockIndex& inner) : inner_(inner) {}
  std::vector<metastore::BlockRef> Blocks(std::string_view t) const override { return inner_.Blocks(t); }
  std::vector<std::string> Tenants() const override { return inner_.Tenants(); }
  Status Add(metastore::BlockRef b) override { return inner_.Add(std::move(b)); }
  Result<std::optional<std::vector<metastore::BlockRef>>> Replace(
      std::string_view t, const std::set<std::string>& s, metastore::BlockRef m) override {
    return inner_.Replace(t, s, std::move(m));
  }
  Result<std::vector<metastore::BlockRef>> RemoveIf(
      std::string_view t, const std::function<bool(const block::BlockMeta&)>& p) override {
    return inner_.RemoveIf(t, p);
  }
  Result<bool> ClaimJob(std::string_view job) override {
    claimed.emplace_back(job);
    return !taken_elsewhere;
  }
  Result<std::optional<std::vector<metastore::BlockRef>>> CommitJob(
      std::string_view job, std::string_view t, const std::set<std::string>& s,
      metastore::BlockRef m) override {
    if (claim_lost) return std::optional<std::vector<metastore::BlockRef>>();
    return BlockIndex::CommitJob(job, t, s, std::move(m));
  }
  bool taken_elsewhere = false;
  bool claim_lost = false;
  std::vector<std::string> claimed;

 private:
  metastore::BlockIndex& inner_;
};

TEST_F(CompactionTest, AMergeRunsOnlyUnderItsJobAndALostClaimDiscardsTheResult) {
  auto ingester = Open();
  CutThreeBlocks(*ingester);
  const std::string before = Json("t1");
  SharedJobs jobs(*index_);
  base::MetricsRegistry metrics;
  compactor::Compactor worker({.scratch_dir = ::testing::TempDir()}, bucket_, jobs, clock_,
                              logger_, metrics);
  jobs.taken_elsewhere = true;
  EXPECT_THAT(worker.Compact(), ::flamedb::testing::IsOkAndHolds(0u));
  ASSERT_EQ(jobs.claimed.size(), 1u);
  EXPECT_THAT(jobs.claimed[0], ::testing::StartsWith("t1/2/"));  // Tenant, level, window.
  EXPECT_EQ(BlockDirs("t1").size(), 3u);  // Nothing merged here.

  jobs.taken_elsewhere = false;
  jobs.claim_lost = true;
  EXPECT_THAT(worker.Compact(), ::flamedb::testing::IsOkAndHolds(0u));
  EXPECT_EQ(Snapshot("t1").blocks.size(), 3u);
  EXPECT_EQ(BlockDirs("t1").size(), 3u);  // The merged block was deleted again.
  EXPECT_EQ(Json("t1"), before);

  jobs.claim_lost = false;
  EXPECT_THAT(worker.Compact(), ::flamedb::testing::IsOkAndHolds(1u));
  EXPECT_EQ(Snapshot("t1").blocks.size(), 1u);
  EXPECT_EQ(Json("t1"), before);
}

TEST_F(CompactionTest, AFailedMergeLeavesEveryBlockAsItWas) {
  auto ingester = Open();
  CutThreeBlocks(*ingester);
  const std::string before = Json("t1");
  bucket_.FailPutsUnder("t1/");

  EXPECT_THAT(compactor_->Compact(), StatusIs(StatusCode::kInternal, "injected"));

  EXPECT_EQ(Snapshot("t1").blocks.size(), 3u);
  EXPECT_EQ(Json("t1"), before);
  bucket_.FailPutsUnder("");
  EXPECT_THAT(compactor_->Compact(), ::flamedb::testing::IsOkAndHolds(1u));  // Planned again, and done.
  EXPECT_EQ(Json("t1"), before);
}

TEST_F(CompactionTest, RetentionDeletesWholeBlocksPastTheirTenantsPeriod) {
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
      clock_.Now().time_since_epoch()).count();
  const int64_t hour = std::chrono::nanoseconds(std::chrono::hours(1)).count();
  limits_.retention_period = std::chrono::hours(24);
  auto ingester = Open();
  ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(1, 0, now - 30 * hour), {}}}), IsOk());
  ASSERT_THAT(ingester->Flush(), IsOk());
  ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(2, 0, now - 2 * hour), {}}}), IsOk());
  ASSERT_THAT(ingester->Flush(), IsOk());
  ASSERT_EQ(BlockDirs("t1").size(), 2u);

  EXPECT_EQ(*compactor_->ApplyRetention(), 1u);

  EXPECT_EQ(BlockDirs("t1").size(), 1u);
  EXPECT_THAT(Json("t1"), HasSubstr(":2}"));
  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_blocks_retention_deleted_total 1\n"));
  EXPECT_EQ(*compactor_->ApplyRetention(), 0u);
}

}  // namespace
}  // namespace flamedb::ingester
