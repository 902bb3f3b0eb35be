// The object storage interface that holds blocks (design §5 "bucket"): filesystem, memory (tests),
// S3 and Azure Blob implement it, and one contract test (bucket_test.cc) holds them to it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace flamedb::objstore {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
};

struct ListResult {
  std::vector<ObjectInfo> objects;    // Keys under the prefix (not past a delimiter), sorted.
  std::vector<std::string> prefixes;  // With a delimiter: common prefixes ending in it, sorted.
};

// A flat namespace of immutable objects addressed by keys such as "tenant/01J0.../meta.json".
// Keys are '/'-separated, relative, without empty, "." or ".." segments or segments starting with
// ".flamedb-tmp-" (reserved for in-flight writes), at most 1024 bytes; anything else is
// kInvalidArgument, so no key can name a path outside the bucket.
// Implementations are thread-safe.
class Bucket {
 public:
  virtual ~Bucket() = default;

  // Errors: kNotFound.
  virtual Result<std::string> Get(std::string_view key) = 0;
  // `length` bytes from `offset` (fewer at the end of the object).
  // Errors: kNotFound; kOutOfRange when offset is past the end.
  virtual Result<std::string> GetRange(std::string_view key, uint64_t offset,
                                       uint64_t length) = 0;
  // Stores `data` atomically: readers see the old object or the new one, never a part; once this
  // returns OK the object survives a crash.
  virtual Status Put(std::string_view key, std::string_view data) = 0;
  // Put with the contents of local file `path` (a compacted block, written there first so
  // that memory does not grow with it). This default reads the whole file and calls Put;
  // backends that can stream override it. Errors: kNotFound when `path` cannot be read.
  virtual Status PutFile(std::string_view key, const std::string& path);
  // Objects whose key starts with `prefix`. With a `delimiter` ("/"), keys that contain it after
  // the prefix are rolled up into `prefixes`, as S3's ListObjectsV2 does.
  virtual Result<ListResult> List(std::string_view prefix, std::string_view delimiter) = 0;
  // Deleting a missing object is OK.
  virtual Status Delete(std::string_view key) = 0;
  // Deletes every key, in no particular order (S3 deletes up to 1,000 per request). This
  // default calls Delete for each. Errors: the first failure; later keys may remain.
  virtual Status DeleteMany(const std::vector<std::string>& keys);
  virtual Result<bool> Exists(std::string_view key) = 0;
  // What this bucket is, for logs and errors: "filesystem ./data", "s3 bucket \"b\" at ...".
  virtual std::string Describe() const = 0;
  // True when a range read costs about the same wherever it falls and however small (a local
  // disk), so readers need not read ahead; false when each read is a request (object stores).
  virtual bool random_access() const { return false; }
};

// OK if `key` is a valid object key (see Bucket). Errors: kInvalidArgument naming the problem.
Status ValidateKey(std::string_view key);

}  // namespace flamedb::objstore
