// Where a block's bytes come from: range reads from a bucket, a memory-mapped local file, or
// a string (tests, fuzzing). The reader asks only for the ranges a query needs.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"
#include "objstore/bucket.h"

namespace flamedb::block {

// Thread-safe.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t size() const = 0;
  // `length` bytes at `offset`, either a view into the source's own memory (mmap, string) or
  // into `scratch`. Errors: kDataLoss when the range is past the end; I/O errors as is.
  virtual Result<std::string_view> Read(uint64_t offset, uint64_t length,
                                        std::string& scratch) const = 0;
  // True when a read costs about the same wherever it falls (memory, mmap, a local disk); false
  // for an object store, where every read is a request and reading ahead pays (ReadAhead).
  virtual bool random_access() const { return true; }
};

// Ranges of a source read ahead of their use, so that a remote source answers many reads with
// few requests. Owned by one reading pass (not shared between threads).
class Prefetched {
 public:
  // The bytes [offset, offset + length) if one piece read ahead holds them all.
  std::optional<std::string_view> Find(uint64_t offset, uint64_t length) const;
  void Add(uint64_t offset, std::string bytes) { pieces_[offset] = std::move(bytes); }

 private:
  std::map<uint64_t, std::string> pieces_;  // By offset.
};

// Reads the (offset, length) `ranges` of `source`, ascending, into `out` with as few reads as
// it takes: ranges at most `max_gap` apart share one read, and no read is larger than
// `max_read` (a range larger than that is read alone). Does nothing for a random-access
// source. Errors: the source's.
Status ReadAhead(const ByteSource& source, std::span<const std::pair<uint64_t, uint64_t>> ranges,
                 Prefetched& out, uint64_t max_gap = 256 << 10, uint64_t max_read = 16 << 20);

std::unique_ptr<ByteSource> StringSource(std::string data);
// Object `key` of `size` bytes (from meta.json or a listing), read with range gets; or, with
// `offset`, the `size` bytes from there (a block inside a segment object).
std::unique_ptr<ByteSource> BucketSource(objstore::Bucket& bucket, std::string key,
                                         uint64_t size, uint64_t offset = 0);
// A block just put in a bucket, read as BucketSource reads it, except that until Forget() the
// reads are copied from `written` (the bytes put; the caller keeps them alive until then): a
// writer opens its new block without reading back what it just wrote. Views returned point
// into `scratch` either way.
class WrittenSource final : public ByteSource {
 public:
  WrittenSource(objstore::Bucket& bucket, std::string key, uint64_t size, uint64_t offset,
                std::string_view written);
  uint64_t size() const override { return cold_->size(); }
  bool random_access() const override { return cold_->random_access(); }
  Result<std::string_view> Read(uint64_t offset, uint64_t length,
                                std::string& scratch) const override;
  // From now on every read goes to the bucket. Call before the source is shared.
  void Forget() { written_ = {}; }

 private:
  std::unique_ptr<ByteSource> cold_;
  std::string_view written_;
};

// A local file, mapped read-only. Errors: kNotFound, kInternal.
Result<std::unique_ptr<ByteSource>> MappedFile(const std::string& path);

}  // namespace flamedb::block
