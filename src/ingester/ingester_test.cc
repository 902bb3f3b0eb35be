#include "ingester/ingester.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "base/ulid.h"
#include "compactor/compact.h"
#include "ingester/record.h"
#include "ingester/test_fixture.h"

namespace flamedb::ingester {
namespace {

TEST_F(IngesterTest, AcknowledgedPushesSurviveARestart) {
  std::string before;
  {
    auto ingester = Open();
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(30, 10), {}}}), IsOk());
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(5, 5), {1}}}), IsOk());
    ASSERT_THAT(ingester->Append("t2", {{kLabels, Cpu(1, 1), {}}}), IsOk());
    before = Json("t1");
  }  // A crash: no Shutdown, nothing cut.

  auto restarted = Open();

  EXPECT_EQ(Json("t1"), before);
  EXPECT_THAT(before, HasSubstr(R"("profiles":2,"totals":{"process_cpu:cpu:nanoseconds:cpu:nanoseconds":45})"));
  EXPECT_THAT(Json("t2"), HasSubstr(":2}"));
  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_ingester_wal_replayed_records_total 3\n"));
}

TEST_F(IngesterTest, WaitPublishedReturnsOnceTheCutAfterThePushIsInTheBucket) {
  auto ingester = Open();
  std::vector<distributor::SeriesProfile> push = {{kLabels, Cpu(30, 10), {}}};
  const std::string encoded = EncodeRecord("t1", push);
  uint64_t ticket = 0;
  ASSERT_THAT(ingester->AppendEncoded("t1", push, encoded, &ticket), IsOk());
  const auto soon = std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
  EXPECT_THAT(ingester->WaitPublished(ticket, soon), StatusIs(StatusCode::kDeadlineExceeded));

  ASSERT_THAT(ingester->Flush(), IsOk());  // The cut that takes the push.

  EXPECT_THAT(ingester->WaitPublished(ticket, soon), IsOk());
  EXPECT_THAT(Json("t1"), HasSubstr(":40}"));
  // A push after that cut waits for the next one.
  ASSERT_THAT(ingester->AppendEncoded("t1", push, encoded, &ticket), IsOk());
  EXPECT_THAT(ingester->WaitPublished(ticket, soon), StatusIs(StatusCode::kDeadlineExceeded));
}

TEST_F(IngesterTest, StalledUploadsRefusePushesAtOnceUntilACutIsPublishedAgain) {
  max_upload_wait_ = std::chrono::seconds(2);
  auto ingester = Open();
  std::vector<distributor::SeriesProfile> push = {{kLabels, Cpu(30, 10), {}}};
  const std::string encoded = EncodeRecord("t1", push);
  uint64_t ticket = 0;
  ASSERT_THAT(ingester->AppendEncoded("t1", push, encoded, &ticket), IsOk());
  bucket_.FailPutsUnder("t1/");
  EXPECT_THAT(ingester->Flush(), StatusIs(StatusCode::kInternal));
  // The cut waits, but not yet for long: pushes are taken and wait.
  EXPECT_THAT(ingester->CheckUploads(), IsOk());
  const auto later = std::chrono::steady_clock::now() + std::chrono::hours(1);

  clock_.Advance(std::chrono::seconds(3));

  EXPECT_THAT(ingester->CheckUploads(),
              StatusIs(StatusCode::kUnavailable, "injected put failure"));
  // A push already taken is not held for its whole deadline either.
  EXPECT_THAT(ingester->WaitPublished(ticket, later), StatusIs(StatusCode::kUnavailable));
  bucket_.FailPutsUnder("");
  ASSERT_THAT(ingester->Flush(), IsOk());
  EXPECT_THAT(ingester->CheckUploads(), IsOk());
  EXPECT_THAT(ingester->WaitPublished(ticket, later), IsOk());
}

TEST_F(IngesterTest, TheStallLimitCountsOnlyTheWaitForTheBucketNotForTheIndex) {
  // An etcd member's death makes an index step take longer than max_upload_wait: the bucket
  // took the segment, so pushes are still taken and wait for their deadline.
  max_upload_wait_ = std::chrono::seconds(2);
  segment_objects_ = true;
  auto ingester = Open();
  std::vector<distributor::SeriesProfile> push = {{kLabels, Cpu(30, 10), {}}};
  const std::string encoded = EncodeRecord("t1", push);
  uint64_t ticket = 0;
  ASSERT_THAT(ingester->AppendEncoded("t1", push, encoded, &ticket), IsOk());
  slow_index_->add_time = std::chrono::seconds(5);
  slow_index_->fail_adds = true;

  EXPECT_THAT(ingester->Flush(), StatusIs(StatusCode::kUnavailable, "injected index failure"));
  EXPECT_THAT(ingester->CheckUploads(), IsOk());
  clock_.Advance(std::chrono::seconds(3));
  EXPECT_THAT(ingester->CheckUploads(), IsOk());
  const auto soon = std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
  EXPECT_THAT(ingester->WaitPublished(ticket, soon), StatusIs(StatusCode::kDeadlineExceeded));

  slow_index_->fail_adds = false;
  ASSERT_THAT(ingester->Flush(), IsOk());  // Slow, but it gets there.
  EXPECT_THAT(ingester->CheckUploads(), IsOk());
  EXPECT_THAT(ingester->WaitPublished(ticket, soon), IsOk());
  EXPECT_THAT(Json("t1"), HasSubstr(":40}"));

  // A bucket that refuses still counts.
  ASSERT_THAT(ingester->AppendEncoded("t1", push, encoded, &ticket), IsOk());
  bucket_.FailPutsUnder(std::string(metastore::kSegmentPrefix));
  EXPECT_THAT(ingester->Flush(), StatusIs(StatusCode::kInternal));
  clock_.Advance(std::chrono::seconds(3));
  EXPECT_THAT(ingester->CheckUploads(),
              StatusIs(StatusCode::kUnavailable, "injected put failure"));
}

TEST_F(IngesterTest, ASegmentCutIsOneObjectForEveryTenantAndItsBlocksMergeOut) {
  segment_objects_ = true;
  auto ingester = Open();
  ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(30, 10), {}}}), IsOk());
  ASSERT_THAT(ingester->Append("t2", {{kLabels, Cpu(5, 1), {}}}), IsOk());
  ASSERT_THAT(ingester->Flush(), IsOk());
  ASSERT_THAT(ingester->Append("t0", {{kLabels, Cpu(7, 7), {}}}), IsOk());
  ASSERT_THAT(ingester->Append("t2", {{kLabels, Cpu(1, 1), {}}}), IsOk());

  ASSERT_THAT(ingester->Flush(), IsOk());

  // Two cuts, two objects: nothing per tenant (the index holds the metas).
  Result<objstore::ListResult> all = bucket_.inner().List("", "");
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->objects.size(), 2u);
  for (const objstore::ObjectInfo& o : all->objects) {
    EXPECT_TRUE(o.key.starts_with(metastore::kSegmentPrefix)) << o.key;
  }
  EXPECT_THAT(Json("t1"), HasSubstr(R"("profiles":1,"totals":{"process_cpu:cpu:nanoseconds:cpu:nanoseconds":40})"));
  EXPECT_THAT(Json("t2"), HasSubstr(R"("profiles":2,"totals":{"process_cpu:cpu:nanoseconds:cpu:nanoseconds":8})"));
  std::vector<block::BlockMeta> metas;
  for (const metastore::BlockRef& b : index_->Blocks("t2")) {
    EXPECT_GT(b->meta.object_offset, 0u) << "t2 follows another tenant in both objects";
    metas.push_back(b->meta);
  }
  ASSERT_EQ(metas.size(), 2u);
  EXPECT_NE(metas[0].object, metas[1].object);
  // A merge reads each block's range of its object.
  Result<compactor::Compacted> merged =
      compactor::CompactBlocks(bucket_, metas, base::Ulid::New(clock_.Now()).ToString(), {});
  ASSERT_THAT(merged, IsOk());
  EXPECT_EQ(merged->meta.profiles, 2u);
  EXPECT_TRUE(merged->meta.object.empty());
}

TEST_F(IngesterTest, FlushCutsHeadsIntoBlocksAndDeletesTheWalTheyCover) {
  std::string before;
  {
    auto ingester = Open();
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(30, 10), {}}}), IsOk());
    ASSERT_THAT(ingester->Append("t2", {{kLabels, Cpu(1, 1), {}}}), IsOk());
    before = Json("t1");

    ASSERT_THAT(ingester->Flush(), IsOk());

    EXPECT_EQ(BlockDirs("t1").size(), 1u);
    EXPECT_EQ(BlockDirs("t2").size(), 1u);
    EXPECT_EQ(WalSegments(), 0u);  // Everything written so far is in blocks.
    EXPECT_EQ(Json("t1"), before);
    const querier::TenantSnapshot snapshot = Snapshot("t1");
    EXPECT_TRUE(snapshot.heads.empty());
    EXPECT_EQ(snapshot.blocks.size(), 1u);
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(1, 0), {}}}), IsOk());  // After the cut.
  }

  auto restarted = Open();

  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_ingester_wal_replayed_records_total 1\n"));
  EXPECT_THAT(Json("t1"), HasSubstr(R"("profiles":2,"totals":{"process_cpu:cpu:nanoseconds:cpu:nanoseconds":41})"));
}

TEST_F(IngesterTest, HeadsAreCutOnceTheOldestIsAsOldAsTheBlockDuration) {
  auto ingester = Open();
  EXPECT_FALSE(*ingester->CutIfDue());  // Nothing to cut.
  ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(30, 10), {}}}), IsOk());
  clock_.Advance(std::chrono::minutes(59));
  EXPECT_FALSE(*ingester->CutIfDue());

  clock_.Advance(std::chrono::minutes(1));

  EXPECT_TRUE(*ingester->CutIfDue());
  EXPECT_EQ(BlockDirs("t1").size(), 1u);
  EXPECT_FALSE(*ingester->CutIfDue());  // The new head is empty.
}

TEST_F(IngesterTest, HeadsAreCutOnceTheyHoldMaxBytes) {
  auto ingester = Open(0, /*max_head_bytes=*/64 << 10);
  ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(30, 10), {}}}), IsOk());
  EXPECT_FALSE(*ingester->CutIfDue());
  for (int i = 0; i < 200; ++i) {
    const model::Labels pod = {{"__name__", "process_cpu"}, {"pod", std::to_string(i)},
                               {"service_name", "api"}};
    ASSERT_THAT(ingester->Append("t1", {{pod, Cpu(1, 1), {}}}), IsOk());
  }

  EXPECT_TRUE(*ingester->CutIfDue());

  EXPECT_EQ(BlockDirs("t1").size(), 1u);
  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_ingester_blocks_cut_total 1\n"));
}

TEST_F(IngesterTest, ACrashBetweenUploadAndWalDeletionStoresEachProfileOnce) {
  std::string t1, t2;
  {
    auto ingester = Open();
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(30, 10), {}}}), IsOk());
    ASSERT_THAT(ingester->Append("t2", {{kLabels, Cpu(3, 1), {}}}), IsOk());
    t1 = Json("t1");
    t2 = Json("t2");
    bucket_.FailPutsUnder("t2/");  // t1's block lands; t2's does not.

    EXPECT_THAT(ingester->Flush(), StatusIs(StatusCode::kInternal, "injected"));

    EXPECT_EQ(Json("t2"), t2);  // The head stays readable.
    EXPECT_GT(WalSegments(), 0u);
  }  // Crash.
  bucket_.FailPutsUnder("");

  auto restarted = Open();

  EXPECT_EQ(Json("t1"), t1);  // From the block; its WAL record is skipped.
  EXPECT_EQ(Json("t2"), t2);  // From the WAL.
  EXPECT_THAT(metrics_->Render(),
              HasSubstr("flamedb_ingester_wal_replay_skipped_records_total 1\n"));
  ASSERT_THAT(restarted->Flush(), IsOk());
  EXPECT_EQ(Json("t2"), t2);
  EXPECT_EQ(WalSegments(), 0u);
}

TEST_F(IngesterTest, AFailedCutIsRetriedBeforeTheNextOne) {
  auto ingester = Open();
  ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(30, 10), {}}}), IsOk());
  bucket_.FailPutsUnder("t1/");
  EXPECT_THAT(ingester->Flush(), StatusIs(StatusCode::kInternal));
  ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(1, 1), {}}}), IsOk());
  bucket_.FailPutsUnder("");

  ASSERT_THAT(ingester->Flush(), IsOk());

  EXPECT_EQ(BlockDirs("t1").size(), 2u);
  EXPECT_THAT(Json("t1"), HasSubstr(R"("profiles":2,"totals":{"process_cpu:cpu:nanoseconds:cpu:nanoseconds":42})"));
}

TEST_F(IngesterTest, AnUnfinishedUploadIsRemovedAndADamagedBlockSkipped) {
  {
    auto ingester = Open();
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(30, 10), {}}}), IsOk());
    ASSERT_THAT(ingester->Append("t2", {{kLabels, Cpu(3, 1), {}}}), IsOk());
    ASSERT_THAT(ingester->Flush(), IsOk());
  }
  ASSERT_THAT(bucket_.inner().Put("t1/01ARYZ6S41TSV4RRFFQ69G5FAV/block.bin", "partial"), IsOk());
  const std::string t2_block = BlockDirs("t2")[0];
  ASSERT_THAT(bucket_.inner().Put(t2_block + "block.bin", "garbage"), IsOk());

  auto restarted = Open();

  EXPECT_FALSE(*bucket_.inner().Exists("t1/01ARYZ6S41TSV4RRFFQ69G5FAV/block.bin"));
  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_blocks_damaged_total 1\n"));
  EXPECT_THAT(Json("t1"), HasSubstr(":40}"));
  EXPECT_THAT(Json("t2"), ::testing::Not(HasSubstr("totals")));
}

TEST_F(IngesterTest, ShutdownCutsEverythingSoARestartReplaysNothing) {
  std::string before;
  {
    auto ingester = Open();
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(30, 10), {}}}), IsOk());
    before = Json("t1");
    ASSERT_THAT(ingester->Shutdown(), IsOk());
    EXPECT_THAT(ingester->Append("t1", {{kLabels, Cpu(1, 1), {}}}),
                StatusIs(StatusCode::kUnavailable, "shutting down"));
  }

  auto restarted = Open();

  EXPECT_EQ(Json("t1"), before);
  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_ingester_wal_replayed_records_total 0\n"));
}

TEST_F(IngesterTest, PushesDuringCutsAreCountedExactlyOnce) {
  auto ingester = Open();
  constexpr int kThreads = 4, kPushes = 100;
  std::atomic<bool> done{false};
  std::thread cutter([&] {
    while (!done) EXPECT_THAT(ingester->Flush(), IsOk());
  });
  std::vector<std::thread> pushers;
  for (int t = 0; t < kThreads; ++t) {
    pushers.emplace_back([&] {
      for (int i = 0; i < kPushes; ++i) {
        EXPECT_THAT(ingester->Append("t1", {{kLabels, Cpu(1, 0), {}}}), IsOk());
      }
    });
  }
  for (auto& p : pushers) p.join();
  done = true;
  cutter.join();

  EXPECT_THAT(Json("t1"), HasSubstr("\"profiles\":400,"));
  auto restarted = (ingester.reset(), Open());
  EXPECT_THAT(Json("t1"), HasSubstr("\"profiles\":400,"));
}

TEST_F(IngesterTest, TheSeriesLimitRefusesBeforeAnythingIsWritten) {
  {
    auto ingester = Open(1);
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(1, 1), {}}}), IsOk());
    const model::Labels other = {{"__name__", "process_cpu"}, {"service_name", "other"}};
    EXPECT_THAT(ingester->Append("t1", {{other, Cpu(1, 1), {}}}),
                StatusIs(StatusCode::kResourceExhausted, "Maximum active series limit exceeded"));
    EXPECT_THAT(ingester->Append("t1", {{kLabels, Cpu(2, 2), {}}}), IsOk());  // Known series.
  }

  auto restarted = Open();

  EXPECT_THAT(Json("t1"), ::testing::Not(HasSubstr("other")));
}

TEST(RecordTest, SharedProfilesAndSampleSubsetsRoundTrip) {
  const auto profile = Cpu(3, 4);
  const model::Labels a = {{"__name__", "process_cpu"}, {"endpoint", "/a"}};
  const model::Labels b = {{"__name__", "process_cpu"}, {"endpoint", "/b"}};

  const std::string bytes = EncodeRecord("tenant-1", {{a, profile, {0}}, {b, profile, {1}}});
  Result<PushRecord> back = DecodeRecord(bytes);

  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->tenant, "tenant-1");
  ASSERT_EQ(back->series.size(), 2u);
  EXPECT_EQ(back->series[0].profile, back->series[1].profile);  // Written once, shared again.
  EXPECT_EQ(back->series[1].labels, b);
  EXPECT_THAT(back->series[1].samples, ::testing::ElementsAre(1));
  EXPECT_EQ(back->series[0].profile->samples.size(), 2u);
  EXPECT_THAT(DecodeRecord(bytes.substr(0, bytes.size() / 2)), StatusIs(StatusCode::kDataLoss));
  EXPECT_THAT(DecodeRecord("\x07junk"), StatusIs(StatusCode::kDataLoss));
  // A writer kept from record to record (as each handler thread keeps one) writes the same
  // bytes, also after a larger record left it more room and other bytes.
  base::ByteWriter reused;
  EncodeRecordTo("a-longer-tenant-name", {{a, profile, {0, 1}}, {b, profile, {0, 1}}}, reused);
  EncodeRecordTo("tenant-1", {{a, profile, {0}}, {b, profile, {1}}}, reused);
  EXPECT_EQ(reused.view(), bytes);
}

TEST(RecordTest, SpanIdSampleLabelsRoundTripForReplay) {
  testing::ProfileBuilder builder;
  builder.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10000000);
  builder.Sample({"work", "main"}, {7}, {{"span_id", "00000000000000a1"}});
  const auto profile = std::make_shared<const model::Profile>(builder.Build());

  Result<PushRecord> back = DecodeRecord(EncodeRecord("t", {{kLabels, profile, {}}}));

  ASSERT_THAT(back, IsOk());
  const model::Profile& p = *back->series[0].profile;
  ASSERT_EQ(p.Labels(p.samples[0]).size(), 1u);
  EXPECT_EQ(p.String(p.Labels(p.samples[0])[0].key), "span_id");
  EXPECT_EQ(p.String(p.Labels(p.samples[0])[0].str), "00000000000000a1");
}

}  // namespace
}  // namespace flamedb::ingester
