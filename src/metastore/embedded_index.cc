#include "metastore/embedded_index.h"

#include "base/tenant_id.h"
#include "base/ulid.h"
#include "block/format.h"

namespace flamedb::metastore {

EmbeddedIndex::EmbeddedIndex(objstore::Bucket& bucket, const EmbeddedIndexOptions& options,
                             base::Logger& logger, base::MetricsRegistry& metrics)
    : bucket_(bucket),
      options_(options),
      logger_(logger),
      damaged_(metrics.AddCounter("flamedb_blocks_damaged_total",
                                  "Blocks skipped at load because they are damaged.")) {
  metrics.AddCallback("flamedb_metastore_blocks", "Blocks in the block index, all tenants.",
                      base::MetricType::kGauge, [this] { return static_cast<double>(size()); });
}

Result<std::unique_ptr<EmbeddedIndex>> EmbeddedIndex::Load(objstore::Bucket& bucket,
                                                           const EmbeddedIndexOptions& options,
                                                           base::Logger& logger,
                                                           base::MetricsRegistry& metrics) {
  std::unique_ptr<EmbeddedIndex> index(new EmbeddedIndex(bucket, options, logger, metrics));
  FLAMEDB_ASSIGN_OR_RETURN(size_t loaded, index->Refresh());
  logger.Info("blocks loaded", "blocks", loaded, "bucket", bucket.Describe());
  return index;
}

Result<std::map<std::string, block::BlockMeta>> EmbeddedIndex::ListBlocks() {
  std::map<std::string, block::BlockMeta> out;
  FLAMEDB_ASSIGN_OR_RETURN(objstore::ListResult top, bucket_.List("", "/"));
  for (const std::string& prefix : top.prefixes) {
    const std::string tenant = prefix.substr(0, prefix.size() - 1);
    if (!base::ValidateTenantId(tenant).ok()) continue;
    FLAMEDB_ASSIGN_OR_RETURN(objstore::ListResult ids, bucket_.List(prefix, "/"));
    for (const std::string& dir : ids.prefixes) {
      const std::string id = dir.substr(prefix.size(), dir.size() - prefix.size() - 1);
      if (!base::Ulid::Parse(id).has_value()) continue;  // Not a block.
      Result<std::string> json = bucket_.Get(dir + std::string(block::kMetaFile));
      if (json.status().code() == StatusCode::kNotFound) {
        logger_.Warn("block without meta.json removed (an interrupted upload)", "block", dir);
        FLAMEDB_RETURN_IF_ERROR(bucket_.Delete(dir + std::string(block::kDataFile)));
        continue;
      }
      FLAMEDB_RETURN_IF_ERROR(json.status());
      Result<block::BlockMeta> meta = block::MetaFromJson(*json);
      if (!meta.ok() || meta->tenant != tenant || meta->ulid != id) {
        damaged_.Inc();
        logger_.Error("block with a damaged meta.json skipped", "block", dir, "err",
                      meta.ok() ? DataLossError("meta.json names another block") : meta.status());
        continue;
      }
      out.emplace(id, std::move(*meta));
    }
  }
  return out;
}

Result<size_t> EmbeddedIndex::Refresh() {
  uint64_t started = 0;
  std::set<std::string> known;
  {
    base::MutexLock lock(mu_);
    started = ++sequence_;
    for (const auto& [tenant, blocks] : tenants_) {
      for (const auto& [ulid, entry] : blocks) known.insert(ulid);
    }
  }
  FLAMEDB_ASSIGN_OR_RETURN(auto listed, ListBlocks());
  size_t changed = 0;
  for (auto& [ulid, meta] : listed) {
    if (known.count(ulid) != 0) continue;
    Result<BlockRef> block = OpenBlock(bucket_, meta, options_.symbol_cache);
    if (!block.ok()) {
      damaged_.Inc();
      logger_.Error("damaged block skipped", "block", BlockDir(meta), "err", block.status());
      continue;
    }
    (void)Add(std::move(*block));  // The embedded index always takes it.
    ++changed;
  }
  base::MutexLock lock(mu_);
  for (auto& [tenant, blocks] : tenants_) {
    changed += std::erase_if(blocks, [&](const auto& item) {
      return item.second.added < started && !item.second.block->staged &&
             listed.count(item.first) == 0;
    });
  }
  return changed;
}

std::vector<BlockRef> EmbeddedIndex::Blocks(std::string_view tenant) const {
  std::vector<BlockRef> out;
  base::MutexLock lock(mu_);
  if (const auto it = tenants_.find(tenant); it != tenants_.end()) {
    for (const auto& [ulid, entry] : it->second) out.push_back(entry.block);
  }
  return out;
}

std::vector<std::string> EmbeddedIndex::Tenants() const {
  std::vector<std::string> out;
  base::MutexLock lock(mu_);
  for (const auto& [tenant, blocks] : tenants_) {
    if (!blocks.empty()) out.push_back(tenant);
  }
  return out;
}

size_t EmbeddedIndex::size() const {
  size_t n = 0;
  base::MutexLock lock(mu_);
  for (const auto& [tenant, blocks] : tenants_) n += blocks.size();
  return n;
}

Status EmbeddedIndex::Add(BlockRef block) {
  base::MutexLock lock(mu_);
  auto& blocks = tenants_[block->meta.tenant];
  const std::string ulid = block->meta.ulid;
  blocks[ulid] = Entry{.block = std::move(block), .added = ++sequence_};
  return OkStatus();
}

Result<std::optional<std::vector<BlockRef>>> EmbeddedIndex::Replace(
    std::string_view tenant, const std::set<std::string>& sources, BlockRef merged) {
  base::MutexLock lock(mu_);
  auto& blocks = tenants_[std::string(tenant)];
  for (const std::string& s : sources) {
    if (blocks.count(s) == 0) return std::optional<std::vector<BlockRef>>();
  }
  std::vector<BlockRef> out;
  for (const std::string& s : sources) {
    out.push_back(std::move(blocks[s].block));
    blocks.erase(s);
  }
  const std::string ulid = merged->meta.ulid;
  blocks[ulid] = Entry{.block = std::move(merged), .added = ++sequence_};
  return std::optional<std::vector<BlockRef>>(std::move(out));
}

Result<std::vector<BlockRef>> EmbeddedIndex::RemoveIf(
    std::string_view tenant, const std::function<bool(const block::BlockMeta&)>& pred) {
  std::vector<BlockRef> out;
  base::MutexLock lock(mu_);
  const auto it = tenants_.find(tenant);
  if (it == tenants_.end()) return out;
  std::erase_if(it->second, [&](auto& item) {
    if (!pred(item.second.block->meta)) return false;
    out.push_back(std::move(item.second.block));
    return true;
  });
  return out;
}

}  // namespace flamedb::metastore
