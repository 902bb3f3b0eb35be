#include "compactor/segments.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "metastore/embedded_index.h"
#include "objstore/memory_bucket.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"

namespace flamedb::compactor {
namespace {

using ::flamedb::testing::IsOk;
using ::testing::ElementsAre;

class SegmentSweeperTest : public ::testing::Test {
 protected:
  SegmentSweeperTest() {
    auto index = metastore::EmbeddedIndex::Load(bucket_, {}, logger_, metrics_);
    EXPECT_THAT(index, IsOk());
    index_ = std::move(*index);
  }
  // A block of `tenant` inside segment object `object` (no reader: the sweeper needs none).
  void AddPart(std::string tenant, std::string ulid, std::string object) {
    auto b = std::make_shared<metastore::LoadedBlock>();
    b->meta.tenant = std::move(tenant);
    b->meta.ulid = std::move(ulid);
    b->meta.object = std::move(object);
    ASSERT_THAT(index_->Add(std::move(b)), IsOk());
  }
  std::vector<std::string> Keys() {
    std::vector<std::string> out;
    Result<objstore::ListResult> listed = bucket_.List("", "");
    EXPECT_THAT(listed, IsOk());
    for (const objstore::ObjectInfo& o : listed->objects) out.push_back(o.key);
    return out;
  }

  objstore::MemoryBucket bucket_;
  flamedb::testing::FakeClock clock_;
  base::Logger logger_{clock_, stderr, base::LogLevel::kError};
  base::MetricsRegistry metrics_;
  std::unique_ptr<metastore::EmbeddedIndex> index_;
};

TEST_F(SegmentSweeperTest, AnObjectGoesOnceNoBlockHasBeenInItForTheDelay) {
  const std::string used = metastore::SegmentKey("01AAAAAAAAAAAAAAAAAAAAAAAA");
  const std::string unused = metastore::SegmentKey("01BBBBBBBBBBBBBBBBBBBBBBBB");
  for (const std::string& key : {used, unused, std::string("t1/01CCCCCCCCCCCCCCCCCCCCCCCC/block.bin")}) {
    ASSERT_THAT(bucket_.Put(key, "data"), IsOk());
  }
  AddPart("t1", "01DDDDDDDDDDDDDDDDDDDDDDDD", used);
  AddPart("t2", "01EEEEEEEEEEEEEEEEEEEEEEEE", used);
  SegmentSweeper sweeper(bucket_, *index_, clock_, std::chrono::minutes(1), logger_, metrics_);

  EXPECT_EQ(*sweeper.Sweep(), 0u);  // Unused, but only from now on.
  clock_.Advance(std::chrono::seconds(30));
  // t1's part merged away: t2's still holds the object.
  ASSERT_THAT(index_->RemoveIf("t1", [](const block::BlockMeta&) { return true; }), IsOk());
  EXPECT_EQ(*sweeper.Sweep(), 0u);
  clock_.Advance(std::chrono::seconds(31));
  ASSERT_THAT(index_->RemoveIf("t2", [](const block::BlockMeta&) { return true; }), IsOk());

  EXPECT_EQ(*sweeper.Sweep(), 1u);
  EXPECT_THAT(Keys(), ElementsAre("t1/01CCCCCCCCCCCCCCCCCCCCCCCC/block.bin", used));
  clock_.Advance(std::chrono::seconds(59));
  EXPECT_EQ(*sweeper.Sweep(), 0u);  // Queries that planned before the merge may still read.
  clock_.Advance(std::chrono::seconds(1));

  EXPECT_EQ(*sweeper.Sweep(), 1u);
  EXPECT_THAT(Keys(), ElementsAre("t1/01CCCCCCCCCCCCCCCCCCCCCCCC/block.bin"));
}

TEST_F(SegmentSweeperTest, AnObjectInUseAgainStartsItsDelayOver) {
  const std::string key = metastore::SegmentKey("01AAAAAAAAAAAAAAAAAAAAAAAA");
  ASSERT_THAT(bucket_.Put(key, "data"), IsOk());
  SegmentSweeper sweeper(bucket_, *index_, clock_, std::chrono::minutes(1), logger_, metrics_);
  EXPECT_EQ(*sweeper.Sweep(), 0u);
  clock_.Advance(std::chrono::seconds(50));
  AddPart("t1", "01DDDDDDDDDDDDDDDDDDDDDDDD", key);  // Its writer's index add came late.
  EXPECT_EQ(*sweeper.Sweep(), 0u);
  ASSERT_THAT(index_->RemoveIf("t1", [](const block::BlockMeta&) { return true; }), IsOk());
  clock_.Advance(std::chrono::seconds(50));

  EXPECT_EQ(*sweeper.Sweep(), 0u);

  EXPECT_THAT(Keys(), ElementsAre(key));
}

}  // namespace
}  // namespace flamedb::compactor
