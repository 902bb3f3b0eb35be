// The write path's tests' fixture: an ingester over a bucket that can fail on demand, with a
// fake clock and a WAL directory of its own, and the block index, compactor and querier
// wired around it as the server wires them.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "compactor/compactor.h"
#include "ingester/ingester.h"
#include "metastore/embedded_index.h"
#include "objstore/forwarding_bucket.h"
#include "objstore/memory_bucket.h"
#include "querier/querier.h"
#include "testing/fake_clock.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::ingester {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::HasSubstr;

// The fake clock's wall time (2026-01-02T03:04:05Z), so profiles are recent.
inline constexpr int64_t kNow = 1767323045LL * 1000000000LL;

inline std::shared_ptr<const model::Profile> Cpu(int64_t a, int64_t b, int64_t time = kNow) {
  testing::ProfileBuilder builder;
  builder.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10000000);
  builder.Sample({"work", "main"}, {a}).Sample({"idle", "main"}, {b});
  return std::make_shared<const model::Profile>(builder.TimeNanos(time).Build());
}

// A bucket whose puts fail for keys under a prefix (a full or broken store). The prefix may be
// changed while the ingester's uploader thread puts.
class FlakyBucket final : public objstore::ForwardingBucket {
 public:
  FlakyBucket() : ForwardingBucket(std::make_unique<objstore::MemoryBucket>()) {}
  // Puts of keys under `prefix` fail from now on; "" lets every put through.
  void FailPutsUnder(std::string prefix) {
    base::MutexLock lock(mu_);
    fail_prefix_ = prefix.empty() ? "\x01" : std::move(prefix);
  }
  Status Put(std::string_view k, std::string_view d) override {
    {
      base::MutexLock lock(mu_);
      if (k.starts_with(fail_prefix_)) return InternalError("injected put failure");
    }
    return inner().Put(k, d);
  }
  // PutFile reads the file and calls Put, so that it fails alike.
  Status PutFile(std::string_view k, const std::string& path) override {
    return Bucket::PutFile(k, path);
  }
  std::string Describe() const override { return "flaky memory"; }

 private:
  base::Mutex mu_;
  std::string fail_prefix_ GUARDED_BY(mu_) = "\x01";
};

// The ingester's view of the index: adds take `add_time` by the fake clock (an etcd leader
// election) and fail while `fail_adds` is set. Everything else goes to `inner`.
class SlowIndex final : public metastore::BlockIndex {
 public:
  SlowIndex(metastore::BlockIndex& inner, flamedb::testing::FakeClock& clock)
      : inner_(inner), clock_(clock) {}
  std::vector<metastore::BlockRef> Blocks(std::string_view t) const override {
    return inner_.Blocks(t);
  }
  std::vector<std::string> Tenants() const override { return inner_.Tenants(); }
  Status Add(metastore::BlockRef block) override {
    clock_.Advance(add_time);
    if (fail_adds) return UnavailableError("injected index failure");
    return inner_.Add(std::move(block));
  }
  Result<std::optional<std::vector<metastore::BlockRef>>> Replace(
      std::string_view t, const std::set<std::string>& sources,
      metastore::BlockRef merged) override {
    return inner_.Replace(t, sources, std::move(merged));
  }
  Result<std::vector<metastore::BlockRef>> RemoveIf(
      std::string_view t, const std::function<bool(const block::BlockMeta&)>& pred) override {
    return inner_.RemoveIf(t, pred);
  }

  base::Duration add_time = base::Duration::zero();  // Set while no ingester runs.
  bool fail_adds = false;

 private:
  metastore::BlockIndex& inner_;
  flamedb::testing::FakeClock& clock_;
};

class IngesterTest : public ::testing::Test {
 protected:
  IngesterTest() {
    static int counter = 0;
    dir_ = ::testing::TempDir() + "ingester_test_" + std::to_string(getpid()) + "_" +
           std::to_string(counter++);
    std::filesystem::remove_all(dir_);
  }

  // A start of the server's storage: the index loads the bucket, the compactor drops what an
  // interrupted compaction left, the ingester replays its WAL. The ingester a test keeps from
  // an earlier Open must be gone by now.
  std::unique_ptr<Ingester> Open(int64_t max_series = 0, uint64_t max_head_bytes = 1 << 30) {
    querier_.reset();
    compactor_.reset();
    limits_.max_global_series_per_tenant = max_series;
    overrides_ = std::make_unique<distributor::Overrides>(limits_, "");
    metrics_ = std::make_unique<base::MetricsRegistry>();
    auto index = metastore::EmbeddedIndex::Load(bucket_, {}, logger_, *metrics_);
    EXPECT_THAT(index, IsOk());
    index_ = std::move(*index);
    slow_index_ = std::make_unique<SlowIndex>(*index_, clock_);
    compactor_ = std::make_unique<compactor::Compactor>(
        compactor::CompactorOptions{
            .scratch_dir = ::testing::TempDir(),
            .retention = [this](std::string_view t) { return overrides_->For(t)->retention_period; },
            .delete_delay = delete_delay_},
        bucket_, *index_, clock_, logger_, *metrics_);
    EXPECT_THAT(compactor_->DropSuperseded(), IsOk());
    auto ingester = Ingester::Open({.wal_dir = dir_,
                                    .max_block_duration = std::chrono::hours(1),
                                    .max_head_bytes = max_head_bytes,
                                    .cut_check_interval = std::chrono::hours(1),
                                    .staging_dir = staging_dir_,
                                    .max_upload_wait = max_upload_wait_,
                                    .segment_objects = segment_objects_},
                                   bucket_, *slow_index_, *overrides_, clock_, logger_, *metrics_);
    EXPECT_THAT(ingester, IsOk());
    querier_ = std::make_unique<querier::Querier>(*index_, ingester->get());
    return std::move(ingester).value();
  }

  querier::TenantSnapshot Snapshot(std::string_view tenant) { return querier_->Snapshot(tenant); }

  std::string Json(std::string_view tenant) {
    Result<std::string> json = querier_->DebugJson(tenant);
    EXPECT_THAT(json, IsOk());
    // The source counts differ between a head and a block; the data must not.
    return json->substr(0, json->find("],\"heads\""));
  }

  std::vector<std::string> BlockDirs(std::string_view tenant) {
    return bucket_.inner().List(std::string(tenant) + "/", "/")->prefixes;
  }

  size_t WalSegments() {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      n += e.path().extension() == ".wal";
    }
    return n;
  }

  std::string dir_;
  std::string staging_dir_;  // Set: cut blocks are staged and uploaded (remote buckets).
  distributor::Limits limits_;
  std::unique_ptr<distributor::Overrides> overrides_;
  flamedb::testing::FakeClock clock_;
  base::Duration delete_delay_ = base::Duration::zero();  // The compactor's, set before Open.
  base::Duration max_upload_wait_ = base::Duration::zero();  // The ingester's, set before Open.
  bool segment_objects_ = false;  // The ingester's, set before Open.
  base::Logger logger_{clock_, stderr, base::LogLevel::kError};
  std::unique_ptr<base::MetricsRegistry> metrics_;
  FlakyBucket bucket_;
  std::unique_ptr<metastore::EmbeddedIndex> index_;
  std::unique_ptr<SlowIndex> slow_index_;  // The ingester's way to index_.
  std::unique_ptr<compactor::Compactor> compactor_;
  std::unique_ptr<querier::Querier> querier_;
};

inline const model::Labels kLabels = {{"__name__", "process_cpu"}, {"service_name", "api"}};

}  // namespace flamedb::ingester
