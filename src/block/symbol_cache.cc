#include "block/symbol_cache.h"

namespace flamedb::block {

SymbolCache::SymbolCache(uint64_t max_bytes, base::MetricsRegistry* metrics)
    : max_bytes_(max_bytes) {
  if (metrics == nullptr) return;
  hits_ = &metrics->AddCounter("flamedb_symbol_cache_hits_total",
                               "Symbol partitions a query found decoded in the cache.");
  misses_ = &metrics->AddCounter("flamedb_symbol_cache_misses_total",
                                 "Symbol partitions a query had to read and decode.");
  evictions_ = &metrics->AddCounter("flamedb_symbol_cache_evictions_total",
                                    "Symbol partitions dropped to stay within the cache size.");
  bytes_gauge_ = &metrics->AddGauge("flamedb_symbol_cache_bytes",
                                    "Bytes of decoded symbol partitions the cache holds.");
}

std::shared_ptr<const symdb::Partition> SymbolCache::Get(uint64_t reader, uint32_t partition) {
  base::MutexLock lock(mu_);
  const auto it = index_.find({reader, partition});
  if (it == index_.end()) {
    if (misses_ != nullptr) misses_->Inc();
    return nullptr;
  }
  if (hits_ != nullptr) hits_->Inc();
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->partition;
}

void SymbolCache::Put(uint64_t reader, uint32_t partition,
                      std::shared_ptr<const symdb::Partition> p, uint64_t bytes) {
  if (bytes > max_bytes_) return;
  base::MutexLock lock(mu_);
  const Key key{reader, partition};
  if (const auto it = index_.find(key); it != index_.end()) Erase(it->second);
  EvictTo(max_bytes_ - bytes);
  lru_.push_front({key, std::move(p), bytes});
  index_.emplace(key, lru_.begin());
  bytes_ += bytes;
  if (bytes_gauge_ != nullptr) bytes_gauge_->Set(static_cast<double>(bytes_));
}

void SymbolCache::Forget(uint64_t reader) {
  base::MutexLock lock(mu_);
  auto it = index_.lower_bound({reader, 0});
  while (it != index_.end() && it->first.first == reader) {
    const auto entry = (it++)->second;
    Erase(entry);
  }
  if (bytes_gauge_ != nullptr) bytes_gauge_->Set(static_cast<double>(bytes_));
}

uint64_t SymbolCache::bytes() const {
  base::MutexLock lock(mu_);
  return bytes_;
}

size_t SymbolCache::entries() const {
  base::MutexLock lock(mu_);
  return lru_.size();
}

void SymbolCache::EvictTo(uint64_t limit) {
  while (bytes_ > limit && !lru_.empty()) {
    Erase(std::prev(lru_.end()));
    if (evictions_ != nullptr) evictions_->Inc();
  }
}

void SymbolCache::Erase(std::list<Entry>::iterator it) {
  bytes_ -= it->bytes;
  index_.erase(it->key);
  lru_.erase(it);
}

}  // namespace flamedb::block
