#include "metastore/embedded_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "metastore/test_blocks.h"
#include "objstore/memory_bucket.h"
#include "testing/fake_clock.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::metastore {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::IsOkAndHolds;
using ::testing::ElementsAre;

class EmbeddedIndexTest : public ::testing::Test {
 protected:
  block::BlockMeta Write(const std::string& tenant, const std::string& ulid) {
    return WriteTestBlock(bucket_, tenant, ulid);
  }
  std::unique_ptr<EmbeddedIndex> Load() {
    auto index = EmbeddedIndex::Load(bucket_, {}, logger_, metrics_);
    EXPECT_THAT(index, IsOk());
    return std::move(*index);
  }
  static std::vector<std::string> Ulids(const std::vector<BlockRef>& blocks) {
    std::vector<std::string> out;
    for (const BlockRef& b : blocks) out.push_back(b->meta.ulid);
    return out;
  }

  objstore::MemoryBucket bucket_;
  testing::FakeClock clock_;
  base::Logger logger_{clock_, stderr, base::LogLevel::kError};
  base::MetricsRegistry metrics_;
};

constexpr char kA[] = "01ARYZ6S41TSV4RRFFQ69G5FA0";
constexpr char kB[] = "01ARYZ6S41TSV4RRFFQ69G5FB0";
constexpr char kC[] = "01ARYZ6S41TSV4RRFFQ69G5FC0";

TEST_F(EmbeddedIndexTest, LoadsEveryCompleteBlockAndRemovesInterruptedUploads) {
  Write("t1", kA);
  Write("t2", kB);
  ASSERT_THAT(bucket_.Put(std::string("t1/") + kC + "/block.bin", "no meta.json"), IsOk());
  ASSERT_THAT(bucket_.Put("t1/not-a-block/meta.json", "{}"), IsOk());

  auto index = Load();

  EXPECT_THAT(Ulids(index->Blocks("t1")), ElementsAre(kA));
  EXPECT_THAT(Ulids(index->Blocks("t2")), ElementsAre(kB));
  EXPECT_THAT(index->Tenants(), ElementsAre("t1", "t2"));
  EXPECT_EQ(*bucket_.Exists(std::string("t1/") + kC + "/block.bin"), false);
  EXPECT_EQ(index->Blocks("t1")[0]->reader->SeriesCount(), 1u);
}

TEST_F(EmbeddedIndexTest, ADamagedBlockIsSkippedAndCounted) {
  Write("t1", kA);
  const block::BlockMeta b = Write("t1", kB);
  ASSERT_THAT(bucket_.Put(DataKey(b), "not a block"), IsOk());

  auto index = Load();

  EXPECT_THAT(Ulids(index->Blocks("t1")), ElementsAre(kA));
  EXPECT_THAT(metrics_.Render(), ::testing::HasSubstr("flamedb_blocks_damaged_total 1"));
}

TEST_F(EmbeddedIndexTest, ReplaceSwapsSourcesForTheMergedBlockOnlyIfAllAreThere) {
  Write("t1", kA);
  Write("t1", kB);
  auto index = Load();
  const block::BlockMeta c = Write("t1", kC);
  const std::vector<BlockRef> before = index->Blocks("t1");

  auto merged = OpenBlock(bucket_, c, nullptr);
  ASSERT_THAT(merged, IsOk());
  auto missing = index->Replace("t1", {kA, "01ARYZ6S41TSV4RRFFQ69G5FZ9"}, *merged);
  auto replaced = index->Replace("t1", {kA, kB}, *merged);

  ASSERT_THAT(missing, IsOk());
  EXPECT_FALSE(missing->has_value());
  ASSERT_THAT(replaced, IsOk());
  ASSERT_TRUE(replaced->has_value());
  EXPECT_THAT(Ulids(**replaced), ElementsAre(kA, kB));
  EXPECT_THAT(Ulids(index->Blocks("t1")), ElementsAre(kC));
  EXPECT_THAT(Ulids(before), ElementsAre(kA, kB));  // A reader's list does not change.
}

TEST_F(EmbeddedIndexTest, RefreshFindsBlocksOthersWroteAndDropsThoseGone) {
  const block::BlockMeta a = Write("t1", kA);
  auto index = Load();
  Write("t1", kB);                               // Another process wrote it...
  ASSERT_THAT(DeleteBlock(bucket_, a), IsOk());  // ...and deleted this one.

  EXPECT_THAT(index->Refresh(), IsOkAndHolds(2u));

  EXPECT_THAT(Ulids(index->Blocks("t1")), ElementsAre(kB));
  EXPECT_THAT(index->Refresh(), IsOkAndHolds(0u));
}

TEST_F(EmbeddedIndexTest, RemoveIfTakesOutWhatThePredicateNames) {
  Write("t1", kA);
  Write("t1", kB);
  auto index = Load();

  auto removed = index->RemoveIf("t1", [](const block::BlockMeta& m) { return m.ulid == kA; });

  ASSERT_THAT(removed, IsOk());
  EXPECT_THAT(Ulids(*removed), ElementsAre(kA));
  EXPECT_THAT(Ulids(index->Blocks("t1")), ElementsAre(kB));
  auto none = index->RemoveIf("nobody", [](const auto&) { return true; });
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace flamedb::metastore
