#include "objstore/memory_bucket.h"

namespace flamedb::objstore {

ListResult RollUp(const std::vector<ObjectInfo>& sorted, std::string_view prefix,
                  std::string_view delimiter) {
  ListResult out;
  for (const ObjectInfo& o : sorted) {
    if (o.key.compare(0, prefix.size(), prefix) != 0) {
      continue;
    }
    const size_t cut = delimiter.empty() ? std::string::npos : o.key.find(delimiter, prefix.size());
    if (cut == std::string::npos) {
      out.objects.push_back(o);
      continue;
    }
    std::string common = o.key.substr(0, cut + delimiter.size());
    if (out.prefixes.empty() || out.prefixes.back() != common) {
      out.prefixes.push_back(std::move(common));
    }
  }
  return out;
}

Result<std::string> MemoryBucket::Get(std::string_view key) {
  FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
  base::MutexLock lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) {
    return NotFoundError("object " + std::string(key) + " not found");
  }
  return it->second;
}

Result<std::string> MemoryBucket::GetRange(std::string_view key, uint64_t offset,
                                           uint64_t length) {
  FLAMEDB_ASSIGN_OR_RETURN(const std::string data, Get(key));
  if (offset > data.size()) {
    return Status(StatusCode::kOutOfRange, "offset " + std::to_string(offset) +
                                               " is past the end of " + std::string(key));
  }
  return data.substr(offset, length);
}

Status MemoryBucket::Put(std::string_view key, std::string_view data) {
  FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
  base::MutexLock lock(mu_);
  objects_.insert_or_assign(std::string(key), std::string(data));
  return OkStatus();
}

Result<ListResult> MemoryBucket::List(std::string_view prefix, std::string_view delimiter) {
  std::vector<ObjectInfo> all;
  {
    base::MutexLock lock(mu_);
    for (auto it = objects_.lower_bound(prefix);
         it != objects_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
      all.push_back({it->first, it->second.size()});
    }
  }
  return RollUp(all, prefix, delimiter);
}

Status MemoryBucket::Delete(std::string_view key) {
  FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
  base::MutexLock lock(mu_);
  objects_.erase(std::string(key));
  return OkStatus();
}

Result<bool> MemoryBucket::Exists(std::string_view key) {
  FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
  base::MutexLock lock(mu_);
  return objects_.count(key) > 0;
}

}  // namespace flamedb::objstore
