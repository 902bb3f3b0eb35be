// A bucket that passes every call to another: the base of wrappers that change one or two calls
// (tests' fakes that count reads or fail puts, the range cache) so that each writes only those.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "objstore/bucket.h"

namespace flamedb::objstore {

class ForwardingBucket : public Bucket {
 public:
  // Owns `inner`.
  explicit ForwardingBucket(std::unique_ptr<Bucket> inner)
      : owned_(std::move(inner)), inner_(*owned_) {}
  // Borrows `inner`, which must outlive this bucket.
  explicit ForwardingBucket(Bucket& inner) : inner_(inner) {}

  Result<std::string> Get(std::string_view key) override { return inner_.Get(key); }
  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override {
    return inner_.GetRange(key, offset, length);
  }
  Status Put(std::string_view key, std::string_view data) override { return inner_.Put(key, data); }
  Status PutFile(std::string_view key, const std::string& path) override {
    return inner_.PutFile(key, path);
  }
  Result<ListResult> List(std::string_view prefix, std::string_view delimiter) override {
    return inner_.List(prefix, delimiter);
  }
  Status Delete(std::string_view key) override { return inner_.Delete(key); }
  Status DeleteMany(const std::vector<std::string>& keys) override {
    return inner_.DeleteMany(keys);
  }
  Result<bool> Exists(std::string_view key) override { return inner_.Exists(key); }
  std::string Describe() const override { return inner_.Describe(); }
  bool random_access() const override { return inner_.random_access(); }

  Bucket& inner() { return inner_; }

 private:
  std::unique_ptr<Bucket> owned_;  // Null when borrowed.
  Bucket& inner_;
};

}  // namespace flamedb::objstore
