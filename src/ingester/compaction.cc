// The ingester's side of compaction: planning over its blocks, swapping merged blocks in for
// their sources, and retiring the sources (docs/block-format.md, "Compaction").
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "base/ulid.h"
#include "block/bytes.h"
#include "compactor/compact.h"
#include "ingester/ingester.h"

namespace flamedb::ingester {

Result<size_t> Ingester::Compact(std::stop_token stop) {
  base::MutexLock compact(compact_mu_);
  std::vector<std::pair<std::string, std::vector<block::BlockMeta>>> tenants;
  {
    base::MutexLock lock(mu_);
    for (const auto& [name, tenant] : tenants_) {
      std::vector<block::BlockMeta> metas;
      for (const auto& b : tenant.blocks) metas.push_back(b->meta);
      tenants.emplace_back(name, std::move(metas));
    }
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          clock_.Now().time_since_epoch())
                          .count();
  size_t made = 0;
  Status first;
  for (auto& [name, metas] : tenants) {
    for (const compactor::PlannedMerge& merge :
         compactor::Plan(std::move(metas), now, options_.compaction)) {
      if (stop.stop_requested()) return made;
      Result<bool> done = RunMerge(merge, stop);
      if (done.ok()) {
        made += *done ? 1 : 0;
        continue;
      }
      if (done.status().code() == StatusCode::kCancelled) {
        logger_.Info("compaction stopped for shutdown", "tenant", name);
        return made;
      }
      compaction_failures_.Inc();
      logger_.Error("compaction failed", "tenant", name, "blocks", merge.inputs.size(), "err",
                    done.status());
      if (first.ok()) first = done.status();
    }
  }
  FLAMEDB_RETURN_IF_ERROR(DeleteRetired());
  if (!first.ok()) return first;
  return made;
}

Result<bool> Ingester::RunMerge(const compactor::PlannedMerge& merge, std::stop_token stop) {
  const auto started = clock_.SteadyNow();
  const std::string ulid = base::Ulid::New(clock_.Now()).ToString();
  FLAMEDB_ASSIGN_OR_RETURN(
      compactor::Compacted done,
      compactor::CompactBlocks(bucket_, merge.inputs, ulid,
                               {.scratch_dir = options_.compaction_dir,
                                .level = merge.level,
                                .stop = std::move(stop)}));
  auto loaded = std::make_shared<LoadedBlock>();
  loaded->meta = done.meta;
  const std::string data_key = compactor::BlockDir(done.meta) + std::string(block::kDataFile);
  FLAMEDB_ASSIGN_OR_RETURN(loaded->reader,
                           block::BlockReader::Open(
                               block::BucketSource(bucket_, data_key, done.meta.data_bytes),
                               {.symbol_cache = options_.symbol_cache}));
  std::set<std::string> inputs;
  for (const block::BlockMeta& in : merge.inputs) inputs.insert(in.ulid);
  bool swapped = false;
  std::vector<std::shared_ptr<const LoadedBlock>> sources;
  {
    // One step for readers, as a cut: the sources leave and the merged block arrives.
    base::MutexLock lock(mu_);
    auto& blocks = tenants_[done.meta.tenant].blocks;
    const auto present = std::count_if(blocks.begin(), blocks.end(), [&](const auto& b) {
      return inputs.count(b->meta.ulid) > 0;
    });
    if (static_cast<size_t>(present) == inputs.size()) {
      std::erase_if(blocks, [&](const std::shared_ptr<const LoadedBlock>& b) {
        if (inputs.count(b->meta.ulid) == 0) return false;
        sources.push_back(b);
        return true;
      });
      blocks.push_back(std::move(loaded));
      swapped = true;
    }
  }
  for (auto& b : sources) {
    retired_meta_.push_back(b->meta);
    retired_.push_back(std::move(b));
  }
  sources.clear();  // Held only by readers now: DeleteRetired sees when they let go.
  if (!swapped) {
    logger_.Warn("compacted block dropped: a source left meanwhile (retention)", "block", ulid);
    FLAMEDB_RETURN_IF_ERROR(DeleteBlock(done.meta));
    return false;
  }
  compactions_.Inc();
  compacted_bytes_.Inc(static_cast<double>(done.input_bytes));
  compacted_duplicates_.Inc(static_cast<double>(done.duplicates));
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.SteadyNow() - started);
  logger_.Info("blocks compacted", "tenant", done.meta.tenant, "block", ulid, "level",
               done.meta.level, "sources", merge.inputs.size(), "input_bytes", done.input_bytes,
               "bytes", done.meta.data_bytes, "duplicates", done.duplicates, "duration_ms",
               static_cast<int64_t>(ms.count()));
  return true;
}

Status Ingester::DeleteBlock(const block::BlockMeta& meta) {
  const std::string dir = compactor::BlockDir(meta);
  // meta.json first: a block without it is never loaded again, whatever happens next.
  FLAMEDB_RETURN_IF_ERROR(bucket_.Delete(dir + std::string(block::kMetaFile)));
  return bucket_.Delete(dir + std::string(block::kDataFile));
}

Status Ingester::DeleteRetired() {
  // A query that took a snapshot before the swap may still read a source: it goes once the
  // last such reader lets go of it.
  for (size_t i = 0; i < retired_.size();) {
    if (!retired_[i].expired()) {
      ++i;
      continue;
    }
    FLAMEDB_RETURN_IF_ERROR(DeleteBlock(retired_meta_[i]));
    retired_.erase(retired_.begin() + static_cast<std::ptrdiff_t>(i));
    retired_meta_.erase(retired_meta_.begin() + static_cast<std::ptrdiff_t>(i));
  }
  return OkStatus();
}

Status Ingester::DropSuperseded() {
  std::vector<std::shared_ptr<const LoadedBlock>> dropped;
  {
    base::MutexLock lock(mu_);
    for (auto& [name, tenant] : tenants_) {
      std::set<std::string> merged;  // Blocks that another loaded block was made from.
      for (const auto& b : tenant.blocks) {
        for (const std::string& s : b->meta.sources) {
          if (s != b->meta.ulid) merged.insert(s);
        }
      }
      std::erase_if(tenant.blocks, [&](const std::shared_ptr<const LoadedBlock>& b) {
        if (merged.count(b->meta.ulid) == 0) return false;
        dropped.push_back(b);
        return true;
      });
    }
  }
  for (const auto& b : dropped) {
    logger_.Warn("block removed: a compacted block holds it (a compaction was interrupted)",
                 "tenant", b->meta.tenant, "block", b->meta.ulid);
    FLAMEDB_RETURN_IF_ERROR(DeleteBlock(b->meta));
  }
  return OkStatus();
}

void Ingester::CompactLoop(std::stop_token stop) {
  // Merging is background work: ingestion and queries come first (Linux nice is per thread).
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
  Every(stop, options_.compaction_interval, [this, stop] {
    if (Result<size_t> made = Compact(stop); !made.ok()) {
      logger_.Error("compaction round failed", "err", made.status());
    }
  });
}

}  // namespace flamedb::ingester
