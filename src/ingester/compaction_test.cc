// The ingester's compaction: merging its blocks, swapping them for readers, retiring the
// sources, and finishing an interrupted compaction at the next start.
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
    ASSERT_EQ(ingester.Snapshot("t1").blocks.size(), 3u);
  }
};

TEST_F(CompactionTest, AnHoursBlocksBecomeOneAndTheSourcesLeaveOnceUnread) {
  auto ingester = Open();
  CutThreeBlocks(*ingester);
  const std::string before = Json(*ingester, "t1");
  TenantSnapshot held = ingester->Snapshot("t1");  // A query still reading the sources.

  ASSERT_THAT(ingester->Compact(), ::flamedb::testing::IsOkAndHolds(1u));

  const TenantSnapshot now = ingester->Snapshot("t1");
  ASSERT_EQ(now.blocks.size(), 1u);
  EXPECT_EQ(now.blocks[0]->meta.level, 2);
  EXPECT_EQ(now.blocks[0]->meta.sources.size(), 3u);
  EXPECT_EQ(Json(*ingester, "t1"), before);
  EXPECT_EQ(BlockDirs("t1").size(), 4u);  // The held sources are still readable.
  held = {};
  ASSERT_THAT(ingester->Compact(), ::flamedb::testing::IsOkAndHolds(0u));
  EXPECT_EQ(BlockDirs("t1").size(), 1u);
  ingester.reset();
  auto restarted = Open();
  EXPECT_EQ(Json(*restarted, "t1"), before);
  EXPECT_EQ(restarted->Snapshot("t1").blocks.size(), 1u);
}

TEST_F(CompactionTest, AnInterruptedCompactionIsFinishedAtTheNextStart) {
  std::string before;
  std::vector<block::BlockMeta> metas;
  {
    auto ingester = Open();
    CutThreeBlocks(*ingester);
    before = Json(*ingester, "t1");
    for (const auto& b : ingester->Snapshot("t1").blocks) metas.push_back(b->meta);
  }
  // The merged block reached the bucket; the crash came before the sources were deleted.
  ASSERT_THAT(compactor::CompactBlocks(bucket_, metas, "01ARYZ6S41TSV4RRFFQ69G5FB0"), IsOk());
  ASSERT_EQ(BlockDirs("t1").size(), 4u);

  auto restarted = Open();

  EXPECT_EQ(restarted->Snapshot("t1").blocks.size(), 1u);
  EXPECT_EQ(BlockDirs("t1").size(), 1u);
  EXPECT_EQ(Json(*restarted, "t1"), before);  // Nothing counted twice, nothing lost.
}

TEST_F(CompactionTest, AFailedMergeLeavesEveryBlockAsItWas) {
  auto ingester = Open();
  CutThreeBlocks(*ingester);
  const std::string before = Json(*ingester, "t1");
  bucket_.fail_prefix = "t1/";

  EXPECT_THAT(ingester->Compact(), StatusIs(StatusCode::kInternal, "injected"));

  EXPECT_EQ(ingester->Snapshot("t1").blocks.size(), 3u);
  EXPECT_EQ(Json(*ingester, "t1"), before);
  bucket_.fail_prefix = "\x01";
  EXPECT_THAT(ingester->Compact(), ::flamedb::testing::IsOkAndHolds(1u));  // Planned again, and done.
  EXPECT_EQ(Json(*ingester, "t1"), before);
}

}  // namespace
}  // namespace flamedb::ingester
