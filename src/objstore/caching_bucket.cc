#include "objstore/caching_bucket.h"

#include <xxhash.h>

#include <filesystem>
#include <fstream>

#include "base/strings.h"

namespace flamedb::objstore {
namespace {

namespace fs = std::filesystem;

// Moves `key` to the front of `lru`, adding it if new.
void Touch(std::map<std::string, std::list<std::string>::iterator>& pos,
           std::list<std::string>& lru, const std::string& key) {
  if (auto it = pos.find(key); it != pos.end()) lru.erase(it->second);
  lru.push_front(key);
  pos[key] = lru.begin();
}

}  // namespace

CachingBucket::CachingBucket(std::unique_ptr<Bucket> inner, const CacheOptions& options,
                             base::MetricsRegistry* metrics)
    : ForwardingBucket(std::move(inner)), options_(options) {
  if (metrics == nullptr) return;
  auto& hits = metrics->AddCounterFamily(
      "flamedb_objstore_cache_hits_total",
      "Range reads of the bucket served from a cache, by tier (memory, disk).", {"tier"});
  memory_hits_ = &hits.WithLabels({"memory"});
  disk_hits_ = &hits.WithLabels({"disk"});
  misses_ = &metrics->AddCounter("flamedb_objstore_cache_misses_total",
                                 "Range reads of the bucket that had to download.");
  fetched_bytes_ = &metrics->AddCounter("flamedb_objstore_fetched_bytes_total",
                                        "Bytes downloaded from the bucket by range reads.");
  metrics->AddCallback("flamedb_objstore_cache_memory_bytes", "Bytes held by the memory cache.",
                       base::MetricType::kGauge,
                       [this] { return static_cast<double>(memory_bytes()); });
  metrics->AddCallback("flamedb_objstore_cache_disk_bytes", "Bytes held by the disk cache.",
                       base::MetricType::kGauge,
                       [this] { return static_cast<double>(disk_bytes()); });
}

Result<std::unique_ptr<CachingBucket>> CachingBucket::Open(std::unique_ptr<Bucket> inner,
                                                           const CacheOptions& options,
                                                           base::MetricsRegistry* metrics) {
  auto bucket =
      std::unique_ptr<CachingBucket>(new CachingBucket(std::move(inner), options, metrics));
  if (!options.disk_dir.empty()) FLAMEDB_RETURN_IF_ERROR(bucket->ScanDisk());
  return bucket;
}

std::string CachingBucket::DiskPath(const Key& key) const {
  return options_.disk_dir + "/" + base::Hex64(XXH3_64bits(key.data(), key.size()));
}

// A disk entry is "<key>\n<bytes>": the key inside the file tells a hash collision and lets a
// restart rebuild the index.
Status CachingBucket::ScanDisk() {
  std::error_code ec;
  fs::create_directories(options_.disk_dir, ec);
  if (ec) {
    return FailedPreconditionError("cannot create cache directory " + options_.disk_dir + ": " +
                                   ec.message());
  }
  base::MutexLock lock(mu_);
  for (const auto& entry : fs::directory_iterator(options_.disk_dir, ec)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::string key;
    if (!entry.is_regular_file() || !std::getline(in, key, '\n') || DiskPath(key) != entry.path()) {
      fs::remove(entry.path(), ec);  // A temporary file, or not ours.
      continue;
    }
    const uint64_t size = entry.file_size();
    disk_[key] = size;
    Touch(disk_pos_, disk_lru_, key);
    disk_used_ += size;
  }
  EvictDisk();
  return OkStatus();
}

Result<std::string> CachingBucket::ReadDisk(const Key& key) const {
  std::ifstream in(DiskPath(key), std::ios::binary);
  std::string stored;
  if (!in || !std::getline(in, stored, '\n') || stored != key) return NotFoundError(key);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void CachingBucket::WriteDisk(const Key& key, const std::string& data) {
  const std::string path = DiskPath(key);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << key << '\n' << data;
    if (!out.good()) return;  // A full cache disk costs a download later, nothing more.
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return;
  base::MutexLock lock(mu_);
  if (auto it = disk_.find(key); it != disk_.end()) disk_used_ -= it->second;
  disk_[key] = key.size() + 1 + data.size();
  disk_used_ += disk_[key];
  Touch(disk_pos_, disk_lru_, key);
  EvictDisk();
}

void CachingBucket::InsertMemory(const Key& key, const std::string& data) {
  if (data.size() > options_.memory_bytes) return;
  base::MutexLock lock(mu_);
  if (auto [it, fresh] = memory_.try_emplace(key, data); fresh) memory_used_ += data.size();
  Touch(memory_pos_, memory_lru_, key);
  EvictMemory();
}

void CachingBucket::EvictMemory() {
  while (memory_used_ > options_.memory_bytes && !memory_lru_.empty()) {
    const Key& victim = memory_lru_.back();
    memory_used_ -= memory_.at(victim).size();
    memory_.erase(victim);
    memory_pos_.erase(victim);
    memory_lru_.pop_back();
  }
}

void CachingBucket::EvictDisk() {
  while (disk_used_ > options_.disk_bytes && !disk_lru_.empty()) {
    const Key& victim = disk_lru_.back();
    disk_used_ -= disk_.at(victim);
    std::error_code ec;
    fs::remove(DiskPath(victim), ec);
    disk_.erase(victim);
    disk_pos_.erase(victim);
    disk_lru_.pop_back();
  }
}

Result<std::string> CachingBucket::GetRange(std::string_view object, uint64_t offset,
                                            uint64_t length) {
  const Key key = std::string(object) + '\0' + std::to_string(offset) + "-" + std::to_string(length);
  bool on_disk = false;
  {
    base::MutexLock lock(mu_);
    if (auto it = memory_.find(key); it != memory_.end()) {
      Touch(memory_pos_, memory_lru_, key);
      if (memory_hits_ != nullptr) memory_hits_->Inc();
      return it->second;
    }
    on_disk = disk_.count(key) != 0;
    if (on_disk) Touch(disk_pos_, disk_lru_, key);
  }
  if (on_disk) {
    if (Result<std::string> data = ReadDisk(key); data.ok()) {
      if (disk_hits_ != nullptr) disk_hits_->Inc();
      InsertMemory(key, *data);
      return data;
    }
  }
  FLAMEDB_ASSIGN_OR_RETURN(std::string data, inner().GetRange(object, offset, length));
  if (misses_ != nullptr) misses_->Inc();
  if (fetched_bytes_ != nullptr) fetched_bytes_->Inc(static_cast<double>(data.size()));
  if (options_.memory_bytes > 0) InsertMemory(key, data);
  if (!options_.disk_dir.empty()) WriteDisk(key, data);
  return data;
}

void CachingBucket::Forget(std::string_view object) {
  const std::string first = std::string(object) + '\0';
  base::MutexLock lock(mu_);
  for (auto it = memory_.lower_bound(first); it != memory_.end() && it->first.starts_with(first);) {
    memory_used_ -= it->second.size();
    memory_lru_.erase(memory_pos_.at(it->first));
    memory_pos_.erase(it->first);
    it = memory_.erase(it);
  }
  for (auto it = disk_.lower_bound(first); it != disk_.end() && it->first.starts_with(first);) {
    disk_used_ -= it->second;
    std::error_code ec;
    fs::remove(DiskPath(it->first), ec);
    disk_lru_.erase(disk_pos_.at(it->first));
    disk_pos_.erase(it->first);
    it = disk_.erase(it);
  }
}

Status CachingBucket::Put(std::string_view key, std::string_view data) {
  Forget(key);
  return inner().Put(key, data);
}

Status CachingBucket::PutFile(std::string_view key, const std::string& path) {
  Forget(key);
  return inner().PutFile(key, path);
}

Status CachingBucket::Delete(std::string_view key) {
  Forget(key);
  return inner().Delete(key);
}

Status CachingBucket::DeleteMany(const std::vector<std::string>& keys) {
  for (const std::string& key : keys) Forget(key);
  return inner().DeleteMany(keys);
}

uint64_t CachingBucket::memory_bytes() const {
  base::MutexLock lock(mu_);
  return memory_used_;
}

uint64_t CachingBucket::disk_bytes() const {
  base::MutexLock lock(mu_);
  return disk_used_;
}

}  // namespace flamedb::objstore
