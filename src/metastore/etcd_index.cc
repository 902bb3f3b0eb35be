#include "metastore/etcd_index.h"

#include <charconv>
#include <condition_variable>
#include <mutex>

#include "base/tenant_id.h"
#include "base/ulid.h"

namespace flamedb::metastore {

EtcdIndex::EtcdIndex(etcd::Client& client, objstore::Bucket& bucket, EtcdIndexOptions options,
                     base::Logger& logger, base::MetricsRegistry& metrics)
    : client_(client),
      bucket_(bucket),
      options_(std::move(options)),
      logger_(logger),
      damaged_(metrics.AddCounter("flamedb_blocks_damaged_total",
                                  "Blocks skipped at load because they are damaged.")) {
  metrics.AddCallback("flamedb_metastore_blocks", "Blocks in the block index, all tenants.",
                      base::MetricType::kGauge, [this] { return static_cast<double>(size()); });
}

Result<std::unique_ptr<EtcdIndex>> EtcdIndex::Open(etcd::Client& client,
                                                   objstore::Bucket& bucket,
                                                   EtcdIndexOptions options, base::Logger& logger,
                                                   base::MetricsRegistry& metrics) {
  std::unique_ptr<EtcdIndex> index(
      new EtcdIndex(client, bucket, std::move(options), logger, metrics));
  FLAMEDB_ASSIGN_OR_RETURN(const size_t loaded, index->Refresh());
  logger.Info("block index read from etcd", "blocks", loaded, "bucket", bucket.Describe());
  return index;
}

std::string EtcdIndex::BlockKey(std::string_view tenant, std::string_view ulid) const {
  return options_.prefix + "index/blocks/" + std::string(tenant) + "/" + std::string(ulid);
}

std::string EtcdIndex::WalKey(std::string_view source, std::string_view tenant) const {
  return options_.prefix + "index/wal/" + std::string(source) + "/" + std::string(tenant);
}

Result<BlockRef> EtcdIndex::Load(const block::BlockMeta& meta) const {
  if (options_.open_blocks) return OpenBlock(bucket_, meta, options_.symbol_cache);
  auto loaded = std::make_shared<LoadedBlock>();
  loaded->meta = meta;
  return BlockRef(std::move(loaded));
}

Result<size_t> EtcdIndex::Refresh() {
  const std::string prefix = options_.prefix + "index/blocks/";
  FLAMEDB_ASSIGN_OR_RETURN(const etcd::RangeResult range, client_.GetPrefix(prefix));
  std::map<std::string, std::map<std::string, block::BlockMeta>> metas;
  for (const etcd::KeyValue& kv : range.kvs) {
    Result<block::BlockMeta> meta = block::MetaFromJson(kv.value);
    if (!meta.ok() || kv.key != BlockKey(meta->tenant, meta->ulid)) {
      damaged_.Inc();
      logger_.Error("block index entry with a damaged meta skipped", "key", kv.key, "err",
                    meta.ok() ? DataLossError("the meta names another block") : meta.status());
      continue;
    }
    metas[meta->tenant].emplace(meta->ulid, std::move(*meta));
  }
  // Open what is new outside the lock: that reads the bucket.
  std::vector<BlockRef> opened;
  for (const auto& [tenant, blocks] : metas) {
    for (const auto& [ulid, meta] : blocks) {
      bool known = false;
      {
        base::MutexLock lock(mu_);
        const auto t = tenants_.find(tenant);
        known = t != tenants_.end() && t->second.count(ulid) > 0;
      }
      if (known) continue;
      Result<BlockRef> block = Load(meta);
      if (!block.ok()) {
        // Deleted meanwhile (a compaction's late delete), or damaged: the next refresh retries.
        logger_.Warn("block of the index cannot be opened; skipped for now", "block",
                     BlockDir(meta), "err", block.status());
        continue;
      }
      opened.push_back(std::move(*block));
    }
  }
  base::MutexLock lock(mu_);
  // Older than our own change, or than what the watch applied: it would undo them.
  if (range.revision < std::max(local_revision_, watched_)) return size_t{0};
  watched_ = range.revision;
  seen_.clear();
  size_t changed = 0;
  std::map<std::string, std::map<std::string, BlockRef>, std::less<>> next;
  for (auto& [tenant, blocks] : tenants_) {
    for (auto& [ulid, block] : blocks) {
      const auto t = metas.find(tenant);
      if (block->staged || (t != metas.end() && t->second.count(ulid) > 0)) {
        next[tenant].emplace(ulid, std::move(block));
      } else {
        ++changed;  // Gone from etcd.
      }
    }
  }
  for (BlockRef& block : opened) {
    const std::string ulid = block->meta.ulid;
    if (next[block->meta.tenant].emplace(ulid, std::move(block)).second) ++changed;
  }
  tenants_ = std::move(next);
  return changed;
}

bool EtcdIndex::IsStaged(std::string_view tenant, std::string_view ulid) const {
  base::MutexLock lock(mu_);
  const auto t = tenants_.find(tenant);
  if (t == tenants_.end()) return false;
  const auto b = t->second.find(std::string(ulid));
  return b != t->second.end() && b->second->staged;
}

void EtcdIndex::Publish(int64_t revision, const std::string& tenant,
                        const std::set<std::string>& removed, BlockRef added) {
  base::MutexLock lock(mu_);
  local_revision_ = std::max(local_revision_, revision);
  auto& blocks = tenants_[tenant];
  for (const std::string& ulid : removed) {
    blocks.erase(ulid);
    if (revision > 0) seen_[tenant + "/" + ulid] = revision;
  }
  if (added != nullptr) {
    const std::string ulid = added->meta.ulid;
    blocks[ulid] = std::move(added);
    if (revision > 0) seen_[tenant + "/" + ulid] = revision;
  }
}

EtcdIndex::~EtcdIndex() {
  follow_.request_stop();
  if (follow_.joinable()) follow_.join();
}

void EtcdIndex::StartWatching() {
  follow_ = std::jthread([this](std::stop_token stop) { Follow(stop); });
}

void EtcdIndex::Follow(std::stop_token stop) {
  const std::string prefix = options_.prefix + "index/blocks/";
  std::mutex m;  // For the stop-aware pause; a plain mutex, as condition_variable_any needs.
  std::condition_variable_any pause;
  while (!stop.stop_requested()) {
    int64_t from = 0;
    {
      base::MutexLock lock(mu_);
      from = watched_ + 1;
    }
    const Status s = client_.Watch(
        prefix, from, [this](std::vector<etcd::WatchEvent> events) { ApplyEvents(std::move(events)); },
        [&stop] { return stop.stop_requested(); }, std::chrono::minutes(5));
    if (stop.stop_requested()) return;
    if (s.ok()) continue;  // The stream ran its time.
    if (s.code() != StatusCode::kOutOfRange) {
      logger_.Warn("block index watch failed; reading the index again", "err", s);
      std::unique_lock<std::mutex> lock(m);
      pause.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
    }
    if (Result<size_t> r = Refresh(); !r.ok()) {
      logger_.Warn("cannot read the block index from etcd", "err", r.status());
    }
  }
}

void EtcdIndex::ApplyEvents(std::vector<etcd::WatchEvent> events) {
  const std::string prefix = options_.prefix + "index/blocks/";
  struct Change {
    std::string tenant, ulid;
    int64_t revision = 0;
    bool deleted = false;
    BlockRef block;  // A put's, opened; null when it could not be or is already here.
  };
  std::vector<Change> changes;
  int64_t highest = 0;
  for (etcd::WatchEvent& e : events) {
    highest = std::max(highest, e.kv.mod_revision);
    if (!e.kv.key.starts_with(prefix)) continue;
    const std::string_view rest = std::string_view(e.kv.key).substr(prefix.size());
    const size_t slash = rest.rfind('/');
    if (slash == std::string_view::npos) continue;
    Change c{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1)),
             e.kv.mod_revision, e.deleted, nullptr};
    if (!c.deleted && !IsKnown(c.tenant, c.ulid)) {
      Result<block::BlockMeta> meta = block::MetaFromJson(e.kv.value);
      if (!meta.ok() || meta->tenant != c.tenant || meta->ulid != c.ulid) {
        damaged_.Inc();
        logger_.Error("block index entry with a damaged meta skipped", "key", e.kv.key);
        continue;
      }
      Result<BlockRef> block = Load(*meta);
      if (!block.ok()) {
        logger_.Warn("block of the index cannot be opened; the next full read retries", "block",
                     BlockDir(*meta), "err", block.status());
        continue;
      }
      c.block = std::move(*block);
    }
    changes.push_back(std::move(c));
  }
  base::MutexLock lock(mu_);
  for (Change& c : changes) {
    int64_t& seen = seen_[c.tenant + "/" + c.ulid];
    if (c.revision <= std::max(seen, watched_)) continue;  // The copy has a newer state.
    seen = c.revision;
    auto& blocks = tenants_[c.tenant];
    if (c.deleted) {
      blocks.erase(c.ulid);
    } else if (c.block != nullptr) {
      blocks.emplace(c.ulid, std::move(c.block));
    }
  }
  watched_ = std::max(watched_, highest);
  std::erase_if(seen_, [this](const auto& kv) REQUIRES(mu_) { return kv.second <= watched_; });
}

bool EtcdIndex::IsKnown(std::string_view tenant, std::string_view ulid) const {
  base::MutexLock lock(mu_);
  const auto t = tenants_.find(tenant);
  return t != tenants_.end() && t->second.count(std::string(ulid)) > 0;
}

std::vector<BlockRef> EtcdIndex::Blocks(std::string_view tenant) const {
  base::MutexLock lock(mu_);
  std::vector<BlockRef> out;
  const auto t = tenants_.find(tenant);
  if (t == tenants_.end()) return out;
  for (const auto& [ulid, block] : t->second) out.push_back(block);
  return out;
}

std::vector<std::string> EtcdIndex::Tenants() const {
  base::MutexLock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [tenant, blocks] : tenants_) {
    if (!blocks.empty()) out.push_back(tenant);
  }
  return out;
}

size_t EtcdIndex::size() const {
  base::MutexLock lock(mu_);
  size_t n = 0;
  for (const auto& [tenant, blocks] : tenants_) n += blocks.size();
  return n;
}

Result<int64_t> EtcdIndex::Put(const block::BlockMeta& meta) {
  const std::string key = BlockKey(meta.tenant, meta.ulid);
  std::vector<etcd::Op> ops = {etcd::Op::Put(key, block::MetaToJson(meta))};
  if (meta.wal_segment_end > 0 && !meta.source.empty()) {
    ops.push_back(etcd::Op::Put(WalKey(meta.source, meta.tenant),
                                std::to_string(meta.wal_segment_end)));
  }
  // Only if absent: a retry after an answer that got lost finds its own block there.
  FLAMEDB_ASSIGN_OR_RETURN(const etcd::TxnResult txn,
                           client_.Txn({etcd::Compare::Missing(key)}, ops));
  return txn.revision;
}

std::string EtcdIndex::JobKey(std::string_view job) const {
  return options_.prefix + "compaction/jobs/" + std::string(job);
}

Result<bool> EtcdIndex::ClaimJob(std::string_view job) {
  const int64_t lease = options_.lease ? options_.lease() : 0;
  if (lease == 0) {
    return FailedPreconditionError("compaction jobs need a lease: the process has not joined "
                                   "the cluster yet");
  }
  const std::string key = JobKey(job);
  FLAMEDB_ASSIGN_OR_RETURN(
      const etcd::TxnResult txn,
      client_.Txn({etcd::Compare::Missing(key)}, {etcd::Op::Put(key, options_.owner, lease)}));
  if (txn.succeeded) return true;
  // A claim of ours from before (a retry after a lost answer) is still ours.
  FLAMEDB_ASSIGN_OR_RETURN(std::optional<etcd::KeyValue> held, client_.Get(key));
  return held.has_value() && held->value == options_.owner && held->lease == lease;
}

Result<std::optional<std::vector<BlockRef>>> EtcdIndex::CommitJob(
    std::string_view job, std::string_view tenant, const std::set<std::string>& sources,
    BlockRef merged) {
  const std::string key = JobKey(job);
  return ReplaceIf(tenant, sources, std::move(merged), {etcd::Compare::ValueIs(key, options_.owner)},
                   {etcd::Op::Delete(key)});
}

Status EtcdIndex::ReleaseJob(std::string_view job) {
  const std::string key = JobKey(job);
  return client_.Txn({etcd::Compare::ValueIs(key, options_.owner)}, {etcd::Op::Delete(key)})
      .status();
}

Result<std::vector<std::pair<std::string, std::string>>> EtcdIndex::Jobs() const {
  const std::string prefix = JobKey("");
  FLAMEDB_ASSIGN_OR_RETURN(etcd::RangeResult range, client_.GetPrefix(prefix));
  std::vector<std::pair<std::string, std::string>> out;
  for (etcd::KeyValue& kv : range.kvs) out.emplace_back(kv.key.substr(prefix.size()), std::move(kv.value));
  return out;
}

Status EtcdIndex::Add(BlockRef block) {
  const std::string tenant = block->meta.tenant;
  int64_t revision = 0;
  if (!block->staged) {
    FLAMEDB_ASSIGN_OR_RETURN(revision, Put(block->meta));
  }
  Publish(revision, tenant, {}, std::move(block));
  return OkStatus();
}

Status EtcdIndex::AddAll(std::vector<BlockRef> blocks, size_t* added) {
  *added = 0;
  // etcd refuses transactions of more than 128 operations (--max-txn-ops); a block takes two.
  constexpr size_t kBlocksPerTxn = 60;
  for (size_t first = 0; first < blocks.size(); first += kBlocksPerTxn) {
    const size_t end = std::min(blocks.size(), first + kBlocksPerTxn);
    std::vector<etcd::Compare> compares;
    std::vector<etcd::Op> ops;
    for (size_t i = first; i < end; ++i) {
      const block::BlockMeta& meta = blocks[i]->meta;
      compares.push_back(etcd::Compare::Missing(BlockKey(meta.tenant, meta.ulid)));
      ops.push_back(etcd::Op::Put(BlockKey(meta.tenant, meta.ulid), block::MetaToJson(meta)));
      if (meta.wal_segment_end > 0 && !meta.source.empty()) {
        ops.push_back(etcd::Op::Put(WalKey(meta.source, meta.tenant),
                                    std::to_string(meta.wal_segment_end)));
      }
    }
    FLAMEDB_ASSIGN_OR_RETURN(const etcd::TxnResult txn, client_.Txn(compares, ops));
    for (size_t i = first; i < end; ++i) {
      if (!txn.succeeded) {
        // One is there already (a retry after a lost answer): each on its own, which keeps it.
        FLAMEDB_RETURN_IF_ERROR(Add(std::move(blocks[i])));
        ++*added;
        continue;
      }
      const std::string tenant = blocks[i]->meta.tenant;
      Publish(txn.revision, tenant, {}, std::move(blocks[i]));
      ++*added;
    }
  }
  return OkStatus();
}

Result<std::optional<std::vector<BlockRef>>> EtcdIndex::Replace(
    std::string_view tenant, const std::set<std::string>& sources, BlockRef merged) {
  return ReplaceIf(tenant, sources, std::move(merged), {}, {});
}

Result<std::optional<std::vector<BlockRef>>> EtcdIndex::ReplaceIf(
    std::string_view tenant, const std::set<std::string>& sources, BlockRef merged,
    std::vector<etcd::Compare> compares, std::vector<etcd::Op> ops) {
  std::vector<BlockRef> out;
  bool staged = !sources.empty();
  {
    base::MutexLock lock(mu_);
    const auto t = tenants_.find(tenant);
    for (const std::string& s : sources) {
      const auto b = t == tenants_.end() ? nullptr : t->second.count(s) ? t->second.at(s) : nullptr;
      if (b != nullptr) out.push_back(b);
      staged = staged && b != nullptr && b->staged;
    }
  }
  if (staged) {  // A writer's own upload: the block goes to etcd, the local copy away.
    FLAMEDB_ASSIGN_OR_RETURN(const int64_t revision, Put(merged->meta));
    Publish(revision, std::string(tenant), sources, std::move(merged));
    return std::optional<std::vector<BlockRef>>(std::move(out));
  }
  for (const std::string& s : sources) {
    compares.push_back(etcd::Compare::Exists(BlockKey(tenant, s)));
    ops.push_back(etcd::Op::Delete(BlockKey(tenant, s)));
  }
  ops.push_back(etcd::Op::Put(BlockKey(tenant, merged->meta.ulid), block::MetaToJson(merged->meta)));
  FLAMEDB_ASSIGN_OR_RETURN(const etcd::TxnResult txn, client_.Txn(compares, ops));
  // A source is gone, or a compare of the caller's failed.
  if (!txn.succeeded) return std::optional<std::vector<BlockRef>>();
  Publish(txn.revision, std::string(tenant), sources, std::move(merged));
  return std::optional<std::vector<BlockRef>>(std::move(out));
}

Result<std::vector<BlockRef>> EtcdIndex::RemoveIf(
    std::string_view tenant, const std::function<bool(const block::BlockMeta&)>& pred) {
  std::vector<BlockRef> out;
  for (BlockRef& b : Blocks(tenant)) {
    if (!pred(b->meta)) continue;
    int64_t revision = 0;
    if (!b->staged) {
      const std::string key = BlockKey(tenant, b->meta.ulid);
      FLAMEDB_ASSIGN_OR_RETURN(const etcd::TxnResult txn,
                               client_.Txn({etcd::Compare::Exists(key)}, {etcd::Op::Delete(key)}));
      // Another process took it out first: it is that one's to delete.
      if (!txn.succeeded) continue;
      revision = txn.revision;
    }
    Publish(revision, std::string(tenant), {b->meta.ulid}, nullptr);
    out.push_back(std::move(b));
  }
  return out;
}

Result<uint64_t> EtcdIndex::WalSegmentEnd(std::string_view source, std::string_view tenant) const {
  FLAMEDB_ASSIGN_OR_RETURN(const std::optional<etcd::KeyValue> kv,
                           client_.Get(WalKey(source, tenant)));
  if (!kv.has_value()) return uint64_t{0};
  uint64_t end = 0;
  const auto [ptr, ec] = std::from_chars(kv->value.data(), kv->value.data() + kv->value.size(), end);
  if (ec != std::errc() || ptr != kv->value.data() + kv->value.size()) {
    return DataLossError("the WAL segment end of " + std::string(source) + " for tenant " +
                         std::string(tenant) + " in etcd is not a number: " + kv->value);
  }
  return end;
}

}  // namespace flamedb::metastore
