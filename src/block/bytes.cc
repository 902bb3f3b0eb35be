#include "block/bytes.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace flamedb::block {
namespace {

Status CheckRange(uint64_t offset, uint64_t length, uint64_t size) {
  if (offset > size || length > size - offset) {
    return DataLossError("block: read of " + std::to_string(length) + " bytes at " +
                         std::to_string(offset) + " is past the end (" + std::to_string(size) +
                         " bytes)");
  }
  return OkStatus();
}

class StringBytes final : public ByteSource {
 public:
  explicit StringBytes(std::string data) : data_(std::move(data)) {}
  uint64_t size() const override { return data_.size(); }
  Result<std::string_view> Read(uint64_t offset, uint64_t length, std::string&) const override {
    FLAMEDB_RETURN_IF_ERROR(CheckRange(offset, length, data_.size()));
    return std::string_view(data_).substr(offset, length);
  }

 private:
  const std::string data_;
};

class BucketBytes final : public ByteSource {
 public:
  BucketBytes(objstore::Bucket& bucket, std::string key, uint64_t size, uint64_t base)
      : bucket_(bucket), key_(std::move(key)), size_(size), base_(base) {}
  uint64_t size() const override { return size_; }
  bool random_access() const override { return bucket_.random_access(); }
  Result<std::string_view> Read(uint64_t offset, uint64_t length,
                                std::string& scratch) const override {
    FLAMEDB_RETURN_IF_ERROR(CheckRange(offset, length, size_));
    FLAMEDB_ASSIGN_OR_RETURN(scratch, bucket_.GetRange(key_, base_ + offset, length));
    if (scratch.size() != length) {
      return DataLossError("block: " + key_ + " is shorter than its recorded size");
    }
    return std::string_view(scratch);
  }

 private:
  objstore::Bucket& bucket_;
  const std::string key_;
  const uint64_t size_;
  const uint64_t base_;  // Where the window starts in the object.
};

class MappedBytes final : public ByteSource {
 public:
  MappedBytes(const char* data, uint64_t size) : data_(data), size_(size) {}
  ~MappedBytes() override {
    if (size_ > 0) munmap(const_cast<char*>(data_), size_);
  }
  uint64_t size() const override { return size_; }
  Result<std::string_view> Read(uint64_t offset, uint64_t length, std::string&) const override {
    FLAMEDB_RETURN_IF_ERROR(CheckRange(offset, length, size_));
    return std::string_view(data_ + offset, length);
  }

 private:
  const char* const data_;
  const uint64_t size_;
};

}  // namespace

std::optional<std::string_view> Prefetched::Find(uint64_t offset, uint64_t length) const {
  auto it = pieces_.upper_bound(offset);
  if (it == pieces_.begin()) return std::nullopt;
  --it;
  const uint64_t skip = offset - it->first;
  if (skip > it->second.size() || length > it->second.size() - skip) return std::nullopt;
  return std::string_view(it->second).substr(skip, length);
}

Status ReadAhead(const ByteSource& source, std::span<const std::pair<uint64_t, uint64_t>> ranges,
                 Prefetched& out, uint64_t max_gap, uint64_t max_read) {
  if (source.random_access()) return OkStatus();
  for (size_t i = 0; i < ranges.size();) {
    const uint64_t begin = ranges[i].first;
    uint64_t end = begin + ranges[i].second;
    size_t j = i + 1;
    while (j < ranges.size() && ranges[j].first >= end && ranges[j].first - end <= max_gap &&
           ranges[j].first + ranges[j].second - begin <= max_read) {
      end = ranges[j].first + ranges[j].second;
      ++j;
    }
    std::string scratch;
    FLAMEDB_ASSIGN_OR_RETURN(std::string_view bytes, source.Read(begin, end - begin, scratch));
    out.Add(begin, scratch.empty() ? std::string(bytes) : std::move(scratch));
    i = j;
  }
  return OkStatus();
}

std::unique_ptr<ByteSource> StringSource(std::string data) {
  return std::make_unique<StringBytes>(std::move(data));
}

std::unique_ptr<ByteSource> BucketSource(objstore::Bucket& bucket, std::string key,
                                         uint64_t size, uint64_t offset) {
  return std::make_unique<BucketBytes>(bucket, std::move(key), size, offset);
}

WrittenSource::WrittenSource(objstore::Bucket& bucket, std::string key, uint64_t size,
                             uint64_t offset, std::string_view written)
    : cold_(BucketSource(bucket, std::move(key), size, offset)), written_(written) {}

Result<std::string_view> WrittenSource::Read(uint64_t offset, uint64_t length,
                                             std::string& scratch) const {
  if (written_.empty()) return cold_->Read(offset, length, scratch);
  FLAMEDB_RETURN_IF_ERROR(CheckRange(offset, length, written_.size()));
  scratch.assign(written_.substr(offset, length));
  return std::string_view(scratch);
}

Result<std::unique_ptr<ByteSource>> MappedFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const std::string why = std::strerror(errno);
    return errno == ENOENT ? NotFoundError(path + ": " + why) : InternalError(path + ": " + why);
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    close(fd);
    return InternalError(path + ": cannot stat");
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  void* data = size > 0 ? mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : nullptr;
  close(fd);  // The mapping keeps the file open.
  if (data == MAP_FAILED) {
    return InternalError(path + ": cannot map: " + std::strerror(errno));
  }
  return std::unique_ptr<ByteSource>(new MappedBytes(static_cast<const char*>(data), size));
}

}  // namespace flamedb::block
