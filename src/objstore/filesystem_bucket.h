// The filesystem Bucket (-storage.backend=filesystem): one file per object under a directory.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "objstore/bucket.h"

namespace flamedb::objstore {

// Object "a/b/c" is the file <dir>/a/b/c. Puts write a temporary file beside the target
// (".flamedb-tmp-..."; never listed, and not a valid key), fsync it, rename it over the target and
// fsync the directory, so a put is atomic and durable once it returns. Directories left empty by
// deletes are removed, as object stores have none. Thread-safe (the filesystem serializes).
class FilesystemBucket final : public Bucket {
 public:
  // Creates `dir` if needed. Errors: kFailedPrecondition when it cannot be created or written.
  static Result<std::unique_ptr<FilesystemBucket>> Open(std::string dir);

  Result<std::string> Get(std::string_view key) override;
  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override;
  Status Put(std::string_view key, std::string_view data) override;
  // Copies the file in pieces: memory stays flat whatever its size.
  Status PutFile(std::string_view key, const std::string& path) override;
  Result<ListResult> List(std::string_view prefix, std::string_view delimiter) override;
  Status Delete(std::string_view key) override;
  Result<bool> Exists(std::string_view key) override;
  std::string Describe() const override { return "filesystem " + dir_; }
  bool random_access() const override { return true; }

  const std::string& dir() const { return dir_; }

 private:
  explicit FilesystemBucket(std::string dir) : dir_(std::move(dir)) {}
  std::string Path(std::string_view key) const { return dir_ + "/" + std::string(key); }
  // Makes object `key` atomically from what `write` puts into the temporary file descriptor
  // (named by the string, for errors).
  Status PutWith(std::string_view key,
                 const std::function<Status(int fd, const std::string& temp)>& write);

  const std::string dir_;
  std::atomic<uint64_t> temp_counter_{0};  // Relaxed: only makes temp names unique.
};

}  // namespace flamedb::objstore
