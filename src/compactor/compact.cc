#include "compactor/compact.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>

#include "block/reader.h"
#include "block/symbol_cache.h"
#include "compactor/merged_source.h"
#include "metastore/block_index.h"

namespace flamedb::compactor {
namespace {

// A block.bin being written to a local file; removed unless Keep() is called.
class FileSink final : public block::BlockSink {
 public:
  FileSink(std::string path, std::stop_token stop)
      : path_(std::move(path)),
        stop_(std::move(stop)),
        fd_(open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) {}
  ~FileSink() override {
    if (fd_ >= 0) close(fd_);
    unlink(path_.c_str());
  }
  Status status() const {
    return fd_ >= 0 ? OkStatus()
                    : InternalError("compactor: cannot create " + path_ + ": " + strerror(errno));
  }
  Status Append(std::string_view bytes) override {
    if (stop_.stop_requested()) return CancelledError("compactor: stopped");
    while (!bytes.empty()) {
      const ssize_t n = write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return InternalError("compactor: cannot write " + path_ + ": " + strerror(errno));
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return OkStatus();
  }
  const std::string& path() const { return path_; }

 private:
  const std::string path_;
  const std::stop_token stop_;
  const int fd_;
};

block::BlockMeta OutputMeta(std::span<const block::BlockMeta> inputs, std::string ulid,
                            int level) {
  block::BlockMeta meta;
  meta.ulid = std::move(ulid);
  meta.tenant = inputs.front().tenant;
  meta.source = "compactor";
  std::set<std::string> sources;
  for (const block::BlockMeta& in : inputs) {
    meta.level = std::max(meta.level, in.level + 1);
    meta.wal_segment_end = std::max(meta.wal_segment_end, in.wal_segment_end);
    sources.insert(in.sources.begin(), in.sources.end());
    sources.insert(in.ulid);
  }
  meta.sources.assign(sources.begin(), sources.end());
  if (level > 0) meta.level = level;
  return meta;
}

}  // namespace

Result<Compacted> CompactBlocks(objstore::Bucket& bucket, std::span<const block::BlockMeta> inputs,
                                std::string ulid, const CompactOptions& options) {
  if (inputs.empty()) {
    return InvalidArgumentError("compactor: no blocks to compact");
  }
  Compacted out;
  block::SymbolCache cache(options.symbol_cache_bytes);
  std::vector<std::unique_ptr<block::BlockReader>> readers;
  std::vector<const store::ProfileSource*> sources;
  for (const block::BlockMeta& in : inputs) {
    if (in.tenant != inputs.front().tenant) {
      return InvalidArgumentError("compactor: blocks of tenants " + inputs.front().tenant +
                                  " and " + in.tenant + " cannot be merged");
    }
    FLAMEDB_ASSIGN_OR_RETURN(
        std::unique_ptr<block::BlockReader> reader,
        block::BlockReader::Open(metastore::DataSource(bucket, in),
                                 {.symbol_cache = &cache, .keep_last_chunk = true}));
    out.input_bytes += in.data_bytes;
    sources.push_back(reader.get());
    readers.push_back(std::move(reader));
  }
  FLAMEDB_ASSIGN_OR_RETURN(std::unique_ptr<MergedSource> merged, MergedSource::Create(sources));

  const std::string dir = options.scratch_dir.empty()
                              ? std::filesystem::temp_directory_path().string()
                              : options.scratch_dir;
  // The reserved prefix keeps the file out of listings when the directory is in the bucket.
  FileSink sink(dir + "/.flamedb-tmp-compact-" + ulid + ".bin", options.stop);
  FLAMEDB_RETURN_IF_ERROR(sink.status());
  FLAMEDB_ASSIGN_OR_RETURN(out.meta, block::EncodeBlockTo(*merged, OutputMeta(inputs, ulid, options.level),
                                                          sink,
                                                          options.write));
  out.duplicates = merged->duplicates();
  // The data first, meta.json last: a block without meta.json is an unfinished upload.
  FLAMEDB_RETURN_IF_ERROR(bucket.PutFile(metastore::DataKey(out.meta), sink.path()));
  FLAMEDB_RETURN_IF_ERROR(bucket.Put(metastore::MetaKey(out.meta), block::MetaToJson(out.meta)));
  return out;
}

}  // namespace flamedb::compactor
