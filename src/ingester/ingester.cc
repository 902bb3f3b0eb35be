#include "ingester/ingester.h"

#include <atomic>
#include <set>

#include "base/json.h"
#include "base/tenant_id.h"
#include "base/ulid.h"
#include "block/bytes.h"
#include "ingester/record.h"
#include "ingester/replay.h"

namespace flamedb::ingester {

std::vector<const store::ProfileSource*> TenantSnapshot::Sources() const {
  std::vector<const store::ProfileSource*> out;
  for (const auto& h : heads) out.push_back(h.get());
  for (const auto& b : blocks) out.push_back(b->reader.get());
  return out;
}

Ingester::Ingester(const IngesterOptions& options, objstore::Bucket& bucket,
                   const distributor::Overrides& overrides, const base::Clock& clock,
                   base::Logger& logger, base::MetricsRegistry& metrics)
    : options_(options),
      bucket_(bucket),
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
      blocks_damaged_(metrics.AddCounter("flamedb_blocks_damaged_total",
                                         "Blocks skipped at load because they are damaged.")),
      blocks_deleted_(metrics.AddCounter("flamedb_blocks_retention_deleted_total",
                                         "Blocks deleted because they passed retention.")),
      cut_failures_(metrics.AddCounter("flamedb_ingester_cut_failures_total",
                                       "Head cuts whose upload failed (retried at the next cut).")),
      cut_paused_(metrics.AddCounter(
          "flamedb_ingester_cut_paused_seconds_total",
          "Time background head cuts paused because requests needed every core.")),
      compactions_(metrics.AddCounter("flamedb_compactor_blocks_made_total",
                                      "Blocks made by merging others (compaction).")),
      compaction_failures_(metrics.AddCounter(
          "flamedb_compactor_failures_total",
          "Merges that failed; their sources stay as they were and are planned again.")),
      compacted_bytes_(metrics.AddCounter("flamedb_compactor_input_bytes_total",
                                          "block.bin bytes of the blocks merged.")),
      compacted_duplicates_(metrics.AddCounter(
          "flamedb_compactor_duplicate_profiles_total",
          "Profiles found in two merged blocks (replicas) and written once.")),
      head_bytes_(metrics.AddGauge("flamedb_ingester_head_bytes",
                                   "Bytes held by the heads of all tenants.")) {}

Ingester::~Ingester() {
  compact_loop_.request_stop();
  loop_.request_stop();
  loop_cv_.notify_all();
}

Result<std::unique_ptr<Ingester>> Ingester::Open(const IngesterOptions& options,
                                                 objstore::Bucket& bucket,
                                                 const distributor::Overrides& overrides,
                                                 const base::Clock& clock, base::Logger& logger,
                                                 base::MetricsRegistry& metrics) {
  std::unique_ptr<Ingester> ingester(
      new Ingester(options, bucket, overrides, clock, logger, metrics));
  FLAMEDB_RETURN_IF_ERROR(ingester->LoadBlocks());
  FLAMEDB_RETURN_IF_ERROR(ingester->DropSuperseded());
  FLAMEDB_RETURN_IF_ERROR(ingester->Replay());
  ingester->loop_ = std::jthread([raw = ingester.get()](std::stop_token stop) { raw->Loop(stop); });
  if (options.compaction_interval > base::Duration::zero()) {
    ingester->compact_loop_ =
        std::jthread([raw = ingester.get()](std::stop_token stop) { raw->CompactLoop(stop); });
  }
  return ingester;
}

Status Ingester::LoadBlocks() {
  FLAMEDB_ASSIGN_OR_RETURN(objstore::ListResult top, bucket_.List("", "/"));
  size_t loaded = 0;
  for (const std::string& prefix : top.prefixes) {
    const std::string tenant = prefix.substr(0, prefix.size() - 1);
    if (!base::ValidateTenantId(tenant).ok()) {
      continue;
    }
    FLAMEDB_ASSIGN_OR_RETURN(objstore::ListResult ids, bucket_.List(prefix, "/"));
    for (const std::string& dir : ids.prefixes) {
      const std::string id = dir.substr(prefix.size(), dir.size() - prefix.size() - 1);
      if (!base::Ulid::Parse(id).has_value()) {
        continue;  // Not a block (the WAL directory may live here too).
      }
      Result<std::string> meta_json = bucket_.Get(dir + std::string(block::kMetaFile));
      if (meta_json.status().code() == StatusCode::kNotFound) {
        // An upload cut short: meta.json goes last, and the WAL still holds the data.
        logger_.Warn("block without meta.json removed (an interrupted upload)", "block", dir);
        FLAMEDB_RETURN_IF_ERROR(bucket_.Delete(dir + std::string(block::kDataFile)));
        continue;
      }
      FLAMEDB_RETURN_IF_ERROR(meta_json.status());
      Result<block::BlockMeta> meta = block::MetaFromJson(*meta_json);
      Result<std::unique_ptr<block::BlockReader>> reader =
          meta.ok() ? block::BlockReader::Open(
                          block::BucketSource(bucket_, dir + std::string(block::kDataFile),
                                              meta->data_bytes),
                          {.symbol_cache = options_.symbol_cache})
                    : meta.status();
      if (!reader.ok()) {
        blocks_damaged_.Inc();
        logger_.Error("damaged block skipped", "block", dir, "err", reader.status());
        continue;
      }
      auto loaded_block = std::make_shared<LoadedBlock>();
      loaded_block->meta = std::move(meta).value();
      loaded_block->reader = std::move(reader).value();
      base::MutexLock lock(mu_);
      tenants_[tenant].blocks.push_back(std::move(loaded_block));
      ++loaded;
    }
  }
  logger_.Info("blocks loaded", "blocks", loaded);
  return OkStatus();
}

Status Ingester::Replay() {
  // Per tenant, every record below the highest WAL segment end of its blocks is in a block.
  std::map<std::string, uint64_t, std::less<>> covered;
  uint64_t min_segment = 1;
  {
    base::MutexLock lock(mu_);
    for (const auto& [name, tenant] : tenants_) {
      for (const auto& b : tenant.blocks) {
        covered[name] = std::max(covered[name], b->meta.wal_segment_end);
        min_segment = std::max(min_segment, b->meta.wal_segment_end);
      }
    }
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
  base::MutexLock lock(mu_);
  auto it = tenants_.find(tenant);
  if (it == tenants_.end()) {
    it = tenants_.emplace(std::string(tenant), Tenant{}).first;
  }
  if (it->second.head == nullptr) {
    it->second.head = std::make_shared<head::Head>();
    it->second.head_started = clock_.SteadyNow();
  }
  return it->second.head;
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
  thread_local base::ByteWriter record;  // Keeps its room from push to push.
  EncodeRecordTo(tenant, profiles, record);
  {
    base::CpuDemand::Waiting fsync(options_.demand);  // Waits for the disk, not the CPU.
    const Status appended = wal_->Append(record.view()).status();
    base::ReleaseIfLarge(record);
    FLAMEDB_RETURN_IF_ERROR(appended);
  }
  // Durable now; apply without the limit so the head matches what a replay would build.
  return Apply(*head, profiles, 0);
}

TenantSnapshot Ingester::Snapshot(std::string_view tenant) const {
  TenantSnapshot out;
  base::MutexLock lock(mu_);
  const auto it = tenants_.find(tenant);
  if (it == tenants_.end()) {
    return out;
  }
  if (it->second.head != nullptr) out.heads.push_back(it->second.head);
  out.heads.insert(out.heads.end(), it->second.cutting.begin(), it->second.cutting.end());
  out.blocks = it->second.blocks;
  return out;
}

std::vector<std::string> Ingester::Tenants() const {
  base::MutexLock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, tenant] : tenants_) out.push_back(name);
  return out;
}

Result<std::string> Ingester::DebugJson(std::string_view tenant) const {
  const TenantSnapshot snapshot = Snapshot(tenant);
  FLAMEDB_ASSIGN_OR_RETURN(std::vector<store::SeriesSummary> summaries,
                           store::Summarize(snapshot.Sources()));
  std::string out = "{\"series\":[";
  for (size_t i = 0; i < summaries.size(); ++i) {
    const store::SeriesSummary& s = summaries[i];
    out += i == 0 ? "{\"labels\":{" : ",{\"labels\":{";
    for (size_t l = 0; l < s.labels.pairs().size(); ++l) {
      out += l == 0 ? "" : ",";
      base::AppendJsonString(out, s.labels.pairs()[l].name);
      out += ':';
      base::AppendJsonString(out, s.labels.pairs()[l].value);
    }
    out += "},\"profiles\":" + std::to_string(s.profiles) + ",\"totals\":{";
    bool first = true;
    for (const auto& [type, total] : s.totals) {
      out += first ? "" : ",";
      first = false;
      base::AppendJsonString(out, type);
      out += ':' + std::to_string(total);
    }
    out += "}}";
  }
  return out + "],\"heads\":" + std::to_string(snapshot.heads.size()) +
         ",\"blocks\":" + std::to_string(snapshot.blocks.size()) + ",\"untracked_profiles\":0}";
}

}  // namespace flamedb::ingester
