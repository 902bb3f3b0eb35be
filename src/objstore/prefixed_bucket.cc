#include "objstore/prefixed_bucket.h"

#include <cctype>

namespace flamedb::objstore {
namespace {

class PrefixedBucket final : public Bucket {
 public:
  PrefixedBucket(std::unique_ptr<Bucket> inner, std::string prefix)
      : inner_(std::move(inner)), prefix_(std::move(prefix)) {}

  Result<std::string> Get(std::string_view key) override { return inner_->Get(Key(key)); }
  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override {
    return inner_->GetRange(Key(key), offset, length);
  }
  Status Put(std::string_view key, std::string_view data) override {
    FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
    return inner_->Put(Key(key), data);
  }
  Status PutFile(std::string_view key, const std::string& path) override {
    FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
    return inner_->PutFile(Key(key), path);
  }
  Result<ListResult> List(std::string_view prefix, std::string_view delimiter) override {
    FLAMEDB_ASSIGN_OR_RETURN(ListResult r, inner_->List(Key(prefix), delimiter));
    for (ObjectInfo& o : r.objects) o.key.erase(0, prefix_.size());
    for (std::string& p : r.prefixes) p.erase(0, prefix_.size());
    return r;
  }
  Status Delete(std::string_view key) override {
    FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
    return inner_->Delete(Key(key));
  }
  Status DeleteMany(const std::vector<std::string>& keys) override {
    std::vector<std::string> full;
    full.reserve(keys.size());
    for (const std::string& k : keys) {
      FLAMEDB_RETURN_IF_ERROR(ValidateKey(k));
      full.push_back(Key(k));
    }
    return inner_->DeleteMany(full);
  }
  Result<bool> Exists(std::string_view key) override {
    FLAMEDB_RETURN_IF_ERROR(ValidateKey(key));
    return inner_->Exists(Key(key));
  }
  std::string Describe() const override {
    return inner_->Describe() + " under prefix \"" + prefix_ + "\"";
  }
  bool random_access() const override { return inner_->random_access(); }

 private:
  // Reads validate the key themselves through the inner bucket: "" must stay invalid, so an
  // empty key becomes the bare prefix, which ValidateKey refuses (it ends in '/').
  std::string Key(std::string_view key) const { return prefix_ + std::string(key); }

  const std::unique_ptr<Bucket> inner_;
  const std::string prefix_;  // Ends in '/'.
};

}  // namespace

Status ValidatePrefix(std::string_view prefix) {
  bool ok = !prefix.starts_with('/');
  for (size_t i = 0; i < prefix.size() && ok; ++i) {
    const unsigned char c = prefix[i];
    ok = std::isalnum(c) || c == '-' || c == '_' || (c == '/' && prefix[i - 1] != '/');
  }
  if (ok) return OkStatus();
  return InvalidArgumentError("-storage.prefix \"" + std::string(prefix) +
                              "\" may hold only letters, digits, '-', '_' and single '/'");
}

Result<std::unique_ptr<Bucket>> WithPrefix(std::unique_ptr<Bucket> inner, std::string prefix) {
  FLAMEDB_RETURN_IF_ERROR(ValidatePrefix(prefix));
  while (prefix.ends_with('/')) prefix.pop_back();
  if (prefix.empty()) return inner;
  return std::unique_ptr<Bucket>(new PrefixedBucket(std::move(inner), prefix + "/"));
}

}  // namespace flamedb::objstore
