// The decoded symbol partitions of every open block, bounded by bytes and shared by all
// blocks (design §6: symbols are the most expensive part of a block to decode, and the
// partitions a dashboard keeps asking for are few). Least recently used entries leave first.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <utility>

#include "base/metrics.h"
#include "base/mutex.h"
#include "symdb/partition.h"

namespace flamedb::block {

// Thread-safe. Entries are shared_ptr<const> snapshots: an evicted partition lives on until
// the last query that holds it lets go, so the bound is on what the cache keeps, not on what
// running queries hold.
class SymbolCache {
 public:
  // `max_bytes` 0 caches nothing. `metrics` (may be null) gets the flamedb_symbol_cache_*
  // series; it must outlive the cache.
  explicit SymbolCache(uint64_t max_bytes, base::MetricsRegistry* metrics = nullptr);

  // Keys are (a reader's process-unique id, partition index).
  std::shared_ptr<const symdb::Partition> Get(uint64_t reader, uint32_t partition)
      EXCLUDES(mu_);
  // Keeps `p` (of `bytes`) unless it alone is larger than the bound, evicting the least
  // recently used entries to make room.
  void Put(uint64_t reader, uint32_t partition, std::shared_ptr<const symdb::Partition> p,
           uint64_t bytes) EXCLUDES(mu_);
  // Drops every entry of `reader` (its block was closed: nobody can ask for them again).
  void Forget(uint64_t reader) EXCLUDES(mu_);

  uint64_t bytes() const EXCLUDES(mu_);
  size_t entries() const EXCLUDES(mu_);
  uint64_t max_bytes() const { return max_bytes_; }

 private:
  using Key = std::pair<uint64_t, uint32_t>;
  struct Entry {
    Key key;
    std::shared_ptr<const symdb::Partition> partition;
    uint64_t bytes = 0;
  };
  void EvictTo(uint64_t limit) REQUIRES(mu_);
  void Erase(std::list<Entry>::iterator it) REQUIRES(mu_);

  const uint64_t max_bytes_;
  mutable base::Mutex mu_;
  std::list<Entry> lru_ GUARDED_BY(mu_);  // Most recently used first.
  std::map<Key, std::list<Entry>::iterator> index_ GUARDED_BY(mu_);
  uint64_t bytes_ GUARDED_BY(mu_) = 0;
  base::Counter* hits_ = nullptr;
  base::Counter* misses_ = nullptr;
  base::Counter* evictions_ = nullptr;
  base::Gauge* bytes_gauge_ = nullptr;
};

}  // namespace flamedb::block
