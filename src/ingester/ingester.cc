#include "ingester/ingester.h"

#include <atomic>
#include <set>

#include "base/tenant_id.h"
#include "base/ulid.h"
#include "block/bytes.h"
#include "ingester/record.h"
#include "ingester/replay.h"

namespace flamedb::ingester {

Ingester::Ingester(const IngesterOptions& options, objstore::Bucket& bucket,
                   metastore::BlockIndex& index, const distributor::Overrides& overrides,
                   const base::Clock& clock, base::Logger& logger, base::MetricsRegistry& metrics)
    : options_(options),
      bucket_(bucket),
      index_(index),
      overrides_(overrides),
      clock_(clock),
      logger_(logger),
      metrics_(metrics),
      disk_(options.disk_paths, options.min_free_disk_bytes, clock, metrics),
      replayed_(metrics.AddCounter("flamedb_ingester_wal_replayed_records_total",
                                   "Pushes replayed from the write-ahead log at start.")),
      replay_skipped_(metrics.AddCounter(
          "flamedb_ingester_wal_replay_skipped_records_total",
          "WAL records not replayed at start because a block in the bucket already holds them.")),
      blocks_cut_(metrics.AddCounter("flamedb_ingester_blocks_cut_total",
                                     "Blocks written from heads and uploaded to the bucket.")),
      segments_cut_(metrics.AddCounter(
          "flamedb_ingester_segments_cut_total",
          "Segment objects put in the bucket, one PUT each (cluster mode: every tenant of a "
          "cut in one object).")),
      cut_failures_(metrics.AddCounter("flamedb_ingester_cut_failures_total",
                                       "Head cuts whose upload failed (retried at the next cut).")),
      cut_paused_(metrics.AddCounter(
          "flamedb_ingester_cut_paused_seconds_total",
          "Time background head cuts paused because requests needed every core.")),
      head_bytes_(metrics.AddGauge("flamedb_ingester_head_bytes",
                                   "Bytes held by the heads of all tenants.")) {}

Ingester::~Ingester() {
  loop_.request_stop();
  if (uploader_ != nullptr) uploader_->Stop();
}

Result<std::unique_ptr<Ingester>> Ingester::Open(const IngesterOptions& options,
                                                 objstore::Bucket& bucket,
                                                 metastore::BlockIndex& index,
                                                 const distributor::Overrides& overrides,
                                                 const base::Clock& clock, base::Logger& logger,
                                                 base::MetricsRegistry& metrics) {
  std::unique_ptr<Ingester> ingester(
      new Ingester(options, bucket, index, overrides, clock, logger, metrics));
  if (!options.staging_dir.empty()) {
    FLAMEDB_ASSIGN_OR_RETURN(ingester->uploader_,
                             Uploader::Open({.staging_dir = options.staging_dir,
                                             .retry_interval = options.upload_retry_interval,
                                             .symbol_cache = options.symbol_cache},
                                            bucket, index, clock, logger, metrics));
    // Blocks staged before a restart hold WAL records that the replay then skips.
    FLAMEDB_RETURN_IF_ERROR(ingester->uploader_->Recover());
  }
  FLAMEDB_RETURN_IF_ERROR(ingester->Replay());
  if (ingester->uploader_ != nullptr) ingester->uploader_->Start(*ingester->wal_);
  ingester->loop_ = std::jthread([raw = ingester.get()](std::stop_token stop) { raw->Loop(stop); });
  return ingester;
}

Status Ingester::Replay() {
  // Per tenant, every record below the highest WAL segment end of its blocks is in a block.
  std::map<std::string, uint64_t, std::less<>> covered;
  uint64_t min_segment = 1;
  for (const std::string& tenant : index_.Tenants()) {
    FLAMEDB_ASSIGN_OR_RETURN(const uint64_t end, index_.WalSegmentEnd(options_.source, tenant));
    covered[tenant] = end;
    min_segment = std::max(min_segment, end);
  }
  FLAMEDB_ASSIGN_OR_RETURN(wal_, wal::Wal::Open({.dir = options_.wal_dir,
                                                  .sync = options_.wal_sync,
                                                  .min_segment = min_segment},
                                                 logger_, metrics_));
  // Records are applied from several threads at once (HeadFor and Head::Append are safe so).
  std::atomic<uint64_t> records = 0, skipped = 0, failed = 0;
  std::atomic<uint64_t> pprof_bytes = 0;  // Of the profiles replayed, decoded: the restart's work.
  const size_t workers = ReplayWorkers();
  FLAMEDB_RETURN_IF_ERROR(ReplayRecords(*wal_, workers, [&](Result<PushRecord> record,
                                                            wal::Position at) {
    if (record.ok()) {
      const auto it = covered.find(record->tenant);
      if (it != covered.end() && at.segment < it->second) {
        ++skipped;
        replay_skipped_.Inc();
        return;
      }
    }
    // Everything in the WAL was acknowledged, so replay applies it without the series limit.
    const Status applied =
        record.ok() ? Apply(*HeadFor(record->tenant), record->series, 0) : record.status();
    if (!applied.ok()) {
      ++failed;
      logger_.Error("wal: skipped a record that cannot be applied", "segment", at.segment,
                    "offset", at.offset, "err", applied);
      return;
    }
    ++records;
    replayed_.Inc();
    std::set<const model::Profile*> counted;  // Series may share a profile.
    for (const auto& s : record->series) {
      if (counted.insert(s.profile.get()).second && s.profile->storage) {
        pprof_bytes += s.profile->storage->size();
      }
    }
  }));
  logger_.Info("wal replayed", "dir", options_.wal_dir, "records", records.load(),
               "already_in_blocks", skipped.load(), "failed", failed.load(), "threads", workers,
               "pprof_bytes", pprof_bytes.load());
  return OkStatus();
}

std::shared_ptr<head::Head> Ingester::HeadFor(std::string_view tenant) {
  std::shared_ptr<const head::Head> seed;
  uint64_t seed_bytes = 0;
  {
    base::MutexLock lock(mu_);
    auto it = tenants_.find(tenant);
    if (it == tenants_.end()) {
      it = tenants_.emplace(std::string(tenant), Tenant{}).first;
    }
    if (it->second.head != nullptr) return it->second.head;
    if (options_.carry_symbols_bytes > 0) seed = it->second.last_cut.lock();
    // The budget is the writer's, shared by its tenants: carried symbols count as head bytes
    // (max_head_bytes), which must not be reached by them alone.
    seed_bytes = options_.carry_symbols_bytes / tenants_.size();
  }
  // Copying the symbols takes a while: not under mu_, which every push and read takes.
  auto head = std::make_shared<head::Head>();
  if (seed != nullptr) head->SeedSymbols(*seed, seed_bytes);
  base::MutexLock lock(mu_);
  Tenant& t = tenants_[std::string(tenant)];
  if (t.head == nullptr) {  // Else a concurrent push made one first.
    t.head = std::move(head);
    t.head_started = clock_.SteadyNow();
  }
  return t.head;
}

Status Ingester::Apply(head::Head& head, const std::vector<distributor::SeriesProfile>& profiles,
                       size_t max_series) {
  for (const distributor::SeriesProfile& p : profiles) {
    FLAMEDB_RETURN_IF_ERROR(head.Append(p.labels, *p.profile, p.samples, max_series));
  }
  return OkStatus();
}

Status Ingester::Append(std::string_view tenant,
                        std::vector<distributor::SeriesProfile> profiles) {
  thread_local base::ByteWriter record;  // Keeps its room from push to push.
  EncodeRecordTo(tenant, profiles, record);
  const Status s = AppendEncoded(tenant, std::move(profiles), record.view(), nullptr);
  base::ReleaseIfLarge(record);
  return s;
}

Status Ingester::WaitPublished(uint64_t cut_ticket, std::chrono::steady_clock::time_point deadline) {
  base::MutexLock lock(published_mu_);
  while (published_ <= cut_ticket) {
    const auto since = bucket_wait_since_;
    auto until = deadline;
    if (since.has_value() && options_.max_upload_wait > base::Duration::zero()) {
      // What is left of the oldest waiting cut's allowance, by the injected clock.
      const base::Duration left = options_.max_upload_wait - (clock_.SteadyNow() - *since);
      if (left <= base::Duration::zero()) return UploadsStalledError();
      until = std::min(deadline, std::chrono::steady_clock::now() +
                                     std::chrono::duration_cast<std::chrono::nanoseconds>(left));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return DeadlineExceededError("the push is not in the bucket yet (segment upload pending)");
    }
    // Wakes when a cut is published, when one starts waiting (a new limit), or at the limit.
    (void)published_cv_.WaitUntil(published_mu_, until, [&]() REQUIRES(published_mu_) {
      return published_ > cut_ticket || bucket_wait_since_ != since;
    });
  }
  return OkStatus();
}

Status Ingester::CheckUploads() const {
  base::MutexLock lock(published_mu_);
  if (!bucket_wait_since_.has_value() || options_.max_upload_wait <= base::Duration::zero() ||
      clock_.SteadyNow() - *bucket_wait_since_ < options_.max_upload_wait) {
    return OkStatus();
  }
  return UploadsStalledError();
}

Status Ingester::UploadsStalledError() const {
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
      clock_.SteadyNow() - bucket_wait_since_.value_or(clock_.SteadyNow()));
  return UnavailableError("segment-writer: segments are not reaching the bucket (the oldest has "
                          "waited " + std::to_string(waited.count()) + " ms" +
                          (last_upload_error_.empty() ? "" : "; last error: " + last_upload_error_) +
                          "); try again later");
}

Status Ingester::AppendEncoded(std::string_view tenant,
                               std::vector<distributor::SeriesProfile> profiles,
                               std::string_view encoded, uint64_t* cut_ticket) {
  FLAMEDB_RETURN_IF_ERROR(disk_.Check());
  const auto max = static_cast<size_t>(
      std::max<int64_t>(0, overrides_.For(tenant)->max_global_series_per_tenant));
  // Shared: a cut cannot swap the head or rotate the WAL between the two writes below.
  base::ReaderLock append(append_mu_);
  {
    base::MutexLock lock(mu_);
    if (shut_down_) {
      return UnavailableError("ingester: shutting down");
    }
  }
  const std::shared_ptr<head::Head> head = HeadFor(tenant);
  if (max > 0) {
    // Checked before the WAL write, so that a refused push leaves nothing behind.
    size_t fresh = 0;
    for (const distributor::SeriesProfile& p : profiles) {
      fresh += head->NewSeries(p.labels, *p.profile);
    }
    if (fresh > 0 && head->series() + fresh > max) {
      return store::SeriesLimitError(head->series(), max);
    }
  }
  {
    base::CpuDemand::Waiting fsync(options_.demand);  // Waits for the disk, not the CPU.
    FLAMEDB_RETURN_IF_ERROR(wal_->Append(encoded).status());
  }
  // The next cut takes this push: it cannot start before the shared lock is released.
  if (cut_ticket != nullptr) *cut_ticket = cuts_started_.load();
  // Durable now; apply without the limit so the head matches what a replay would build.
  return Apply(*head, profiles, 0);
}

void Ingester::ReadHeads(std::string_view tenant, const std::function<void(Heads)>& fn) const {
  Heads heads;
  base::MutexLock lock(mu_);
  if (const auto it = tenants_.find(tenant); it != tenants_.end()) {
    if (it->second.head != nullptr) heads.push_back(it->second.head);
    heads.insert(heads.end(), it->second.cutting.begin(), it->second.cutting.end());
  }
  fn(std::move(heads));
}

std::vector<std::string> Ingester::Tenants() const {
  base::MutexLock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, tenant] : tenants_) out.push_back(name);
  return out;
}

}  // namespace flamedb::ingester
