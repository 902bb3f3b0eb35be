// Where a block's bytes come from: range reads from a bucket, a memory-mapped local file, or
// a string (tests, fuzzing). The reader asks only for the ranges a query needs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

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
};

std::unique_ptr<ByteSource> StringSource(std::string data);
// Object `key` of `size` bytes (from meta.json or a listing), read with range gets.
std::unique_ptr<ByteSource> BucketSource(objstore::Bucket& bucket, std::string key,
                                         uint64_t size);
// A local file, mapped read-only. Errors: kNotFound, kInternal.
Result<std::unique_ptr<ByteSource>> MappedFile(const std::string& path);

}  // namespace flamedb::block
