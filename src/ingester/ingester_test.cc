#include "ingester/ingester.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "ingester/record.h"
#include "objstore/memory_bucket.h"
#include "testing/fake_clock.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::ingester {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::HasSubstr;

// The fake clock's wall time (2026-01-02T03:04:05Z), so profiles are recent.
constexpr int64_t kNow = 1767323045LL * 1000000000LL;

std::shared_ptr<const model::Profile> Cpu(int64_t a, int64_t b, int64_t time = kNow) {
  testing::ProfileBuilder builder;
  builder.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10000000);
  builder.Sample({"work", "main"}, {a}).Sample({"idle", "main"}, {b});
  return std::make_shared<const model::Profile>(builder.TimeNanos(time).Build());
}

// A bucket whose puts fail for keys under `fail_prefix` (a full or broken store).
class FlakyBucket final : public objstore::Bucket {
 public:
  std::string fail_prefix = "\x01";
  objstore::MemoryBucket inner;
  Result<std::string> Get(std::string_view k) override { return inner.Get(k); }
  Result<std::string> GetRange(std::string_view k, uint64_t o, uint64_t n) override {
    return inner.GetRange(k, o, n);
  }
  Status Put(std::string_view k, std::string_view d) override {
    if (k.starts_with(fail_prefix)) return InternalError("injected put failure");
    return inner.Put(k, d);
  }
  Result<objstore::ListResult> List(std::string_view p, std::string_view d) override {
    return inner.List(p, d);
  }
  Status Delete(std::string_view k) override { return inner.Delete(k); }
  Result<bool> Exists(std::string_view k) override { return inner.Exists(k); }
};

class IngesterTest : public ::testing::Test {
 protected:
  IngesterTest() {
    static int counter = 0;
    dir_ = ::testing::TempDir() + "ingester_test_" + std::to_string(getpid()) + "_" +
           std::to_string(counter++);
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<Ingester> Open(int64_t max_series = 0, uint64_t max_head_bytes = 1 << 30) {
    limits_.max_global_series_per_tenant = max_series;
    overrides_ = std::make_unique<distributor::Overrides>(limits_, "");
    metrics_ = std::make_unique<base::MetricsRegistry>();
    auto ingester = Ingester::Open({.wal_dir = dir_,
                                    .max_block_duration = std::chrono::hours(1),
                                    .max_head_bytes = max_head_bytes,
                                    .cut_check_interval = std::chrono::hours(1)},
                                   bucket_, *overrides_, clock_, logger_, *metrics_);
    EXPECT_THAT(ingester, IsOk());
    return std::move(ingester).value();
  }

  std::string Json(const Ingester& ingester, std::string_view tenant) {
    Result<std::string> json = ingester.DebugJson(tenant);
    EXPECT_THAT(json, IsOk());
    // The source counts differ between a head and a block; the data must not.
    return json->substr(0, json->find("],\"heads\""));
  }

  std::vector<std::string> BlockDirs(std::string_view tenant) {
    return bucket_.inner.List(std::string(tenant) + "/", "/")->prefixes;
  }

  size_t WalSegments() {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      n += e.path().extension() == ".wal";
    }
    return n;
  }

  std::string dir_;
  distributor::Limits limits_;
  std::unique_ptr<distributor::Overrides> overrides_;
  flamedb::testing::FakeClock clock_;
  base::Logger logger_{clock_, stderr, base::LogLevel::kError};
  std::unique_ptr<base::MetricsRegistry> metrics_;
  FlakyBucket bucket_;
};

const model::Labels kLabels = {{"__name__", "process_cpu"}, {"service_name", "api"}};

TEST_F(IngesterTest, AcknowledgedPushesSurviveARestart) {
  std::string before;
  {
    auto ingester = Open();
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(30, 10), {}}}), IsOk());
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(5, 5), {1}}}), IsOk());
    ASSERT_THAT(ingester->Append("t2", {{kLabels, Cpu(1, 1), {}}}), IsOk());
    before = Json(*ingester, "t1");
  }  // A crash: no Shutdown, nothing cut.

  auto restarted = Open();

  EXPECT_EQ(Json(*restarted, "t1"), before);
  EXPECT_THAT(before, HasSubstr(R"("profiles":2,"totals":{"process_cpu:cpu:nanoseconds:cpu:nanoseconds":45})"));
  EXPECT_THAT(Json(*restarted, "t2"), HasSubstr(":2}"));
  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_ingester_wal_replayed_records_total 3\n"));
}

TEST_F(IngesterTest, FlushCutsHeadsIntoBlocksAndDeletesTheWalTheyCover) {
  std::string before;
  {
    auto ingester = Open();
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(30, 10), {}}}), IsOk());
    ASSERT_THAT(ingester->Append("t2", {{kLabels, Cpu(1, 1), {}}}), IsOk());
    before = Json(*ingester, "t1");

    ASSERT_THAT(ingester->Flush(), IsOk());

    EXPECT_EQ(BlockDirs("t1").size(), 1u);
    EXPECT_EQ(BlockDirs("t2").size(), 1u);
    EXPECT_EQ(WalSegments(), 0u);  // Everything written so far is in blocks.
    EXPECT_EQ(Json(*ingester, "t1"), before);
    const TenantSnapshot snapshot = ingester->Snapshot("t1");
    EXPECT_TRUE(snapshot.heads.empty());
    EXPECT_EQ(snapshot.blocks.size(), 1u);
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(1, 0), {}}}), IsOk());  // After the cut.
  }

  auto restarted = Open();

  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_ingester_wal_replayed_records_total 1\n"));
  EXPECT_THAT(Json(*restarted, "t1"), HasSubstr(R"("profiles":2,"totals":{"process_cpu:cpu:nanoseconds:cpu:nanoseconds":41})"));
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
    t1 = Json(*ingester, "t1");
    t2 = Json(*ingester, "t2");
    bucket_.fail_prefix = "t2/";  // t1's block lands; t2's does not.

    EXPECT_THAT(ingester->Flush(), StatusIs(StatusCode::kInternal, "injected"));

    EXPECT_EQ(Json(*ingester, "t2"), t2);  // The head stays readable.
    EXPECT_GT(WalSegments(), 0u);
  }  // Crash.
  bucket_.fail_prefix = "\x01";

  auto restarted = Open();

  EXPECT_EQ(Json(*restarted, "t1"), t1);  // From the block; its WAL record is skipped.
  EXPECT_EQ(Json(*restarted, "t2"), t2);  // From the WAL.
  EXPECT_THAT(metrics_->Render(),
              HasSubstr("flamedb_ingester_wal_replay_skipped_records_total 1\n"));
  ASSERT_THAT(restarted->Flush(), IsOk());
  EXPECT_EQ(Json(*restarted, "t2"), t2);
  EXPECT_EQ(WalSegments(), 0u);
}

TEST_F(IngesterTest, AFailedCutIsRetriedBeforeTheNextOne) {
  auto ingester = Open();
  ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(30, 10), {}}}), IsOk());
  bucket_.fail_prefix = "t1/";
  EXPECT_THAT(ingester->Flush(), StatusIs(StatusCode::kInternal));
  ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(1, 1), {}}}), IsOk());
  bucket_.fail_prefix = "\x01";

  ASSERT_THAT(ingester->Flush(), IsOk());

  EXPECT_EQ(BlockDirs("t1").size(), 2u);
  EXPECT_THAT(Json(*ingester, "t1"), HasSubstr(R"("profiles":2,"totals":{"process_cpu:cpu:nanoseconds:cpu:nanoseconds":42})"));
}

TEST_F(IngesterTest, AnUnfinishedUploadIsRemovedAndADamagedBlockSkipped) {
  {
    auto ingester = Open();
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(30, 10), {}}}), IsOk());
    ASSERT_THAT(ingester->Append("t2", {{kLabels, Cpu(3, 1), {}}}), IsOk());
    ASSERT_THAT(ingester->Flush(), IsOk());
  }
  ASSERT_THAT(bucket_.inner.Put("t1/01ARYZ6S41TSV4RRFFQ69G5FAV/block.bin", "partial"), IsOk());
  const std::string t2_block = BlockDirs("t2")[0];
  ASSERT_THAT(bucket_.inner.Put(t2_block + "block.bin", "garbage"), IsOk());

  auto restarted = Open();

  EXPECT_FALSE(*bucket_.inner.Exists("t1/01ARYZ6S41TSV4RRFFQ69G5FAV/block.bin"));
  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_blocks_damaged_total 1\n"));
  EXPECT_THAT(Json(*restarted, "t1"), HasSubstr(":40}"));
  EXPECT_THAT(Json(*restarted, "t2"), ::testing::Not(HasSubstr("totals")));
}

TEST_F(IngesterTest, RetentionDeletesWholeBlocksPastTheirTenantsPeriod) {
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

  EXPECT_EQ(*ingester->ApplyRetention(), 1u);

  EXPECT_EQ(BlockDirs("t1").size(), 1u);
  EXPECT_THAT(Json(*ingester, "t1"), HasSubstr(":2}"));
  EXPECT_THAT(metrics_->Render(), HasSubstr("flamedb_blocks_retention_deleted_total 1\n"));
  EXPECT_EQ(*ingester->ApplyRetention(), 0u);
}

TEST_F(IngesterTest, ShutdownCutsEverythingSoARestartReplaysNothing) {
  std::string before;
  {
    auto ingester = Open();
    ASSERT_THAT(ingester->Append("t1", {{kLabels, Cpu(30, 10), {}}}), IsOk());
    before = Json(*ingester, "t1");
    ASSERT_THAT(ingester->Shutdown(), IsOk());
    EXPECT_THAT(ingester->Append("t1", {{kLabels, Cpu(1, 1), {}}}),
                StatusIs(StatusCode::kUnavailable, "shutting down"));
  }

  auto restarted = Open();

  EXPECT_EQ(Json(*restarted, "t1"), before);
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

  EXPECT_THAT(Json(*ingester, "t1"), HasSubstr("\"profiles\":400,"));
  auto restarted = (ingester.reset(), Open());
  EXPECT_THAT(Json(*restarted, "t1"), HasSubstr("\"profiles\":400,"));
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

  EXPECT_THAT(Json(*restarted, "t1"), ::testing::Not(HasSubstr("other")));
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
