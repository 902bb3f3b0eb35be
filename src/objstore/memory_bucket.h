// A Bucket in memory: the fake for unit tests of components that use a bucket.
#pragma once

#include <map>

#include "base/mutex.h"
#include "objstore/bucket.h"

namespace flamedb::objstore {

// Thread-safe.
class MemoryBucket final : public Bucket {
 public:
  Result<std::string> Get(std::string_view key) override EXCLUDES(mu_);
  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override
      EXCLUDES(mu_);
  Status Put(std::string_view key, std::string_view data) override EXCLUDES(mu_);
  Result<ListResult> List(std::string_view prefix, std::string_view delimiter) override
      EXCLUDES(mu_);
  Status Delete(std::string_view key) override EXCLUDES(mu_);
  Result<bool> Exists(std::string_view key) override EXCLUDES(mu_);
  std::string Describe() const override { return "memory"; }

 private:
  base::Mutex mu_;
  std::map<std::string, std::string, std::less<>> objects_ GUARDED_BY(mu_);
};

// Rolls `keys` (sorted, with sizes) under `prefix` up by `delimiter`, as List does. Shared by the
// implementations so that they list identically.
ListResult RollUp(const std::vector<ObjectInfo>& sorted, std::string_view prefix,
                  std::string_view delimiter);

}  // namespace flamedb::objstore
