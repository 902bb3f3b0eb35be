// Reads a block through a ByteSource: the footer, TOC and series index at Open, row chunks and
// symbol partitions only when a query asks (docs/block-format.md). Damage anywhere is a
// kDataLoss error that names it, never a crash.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "block/bytes.h"
#include "block/format.h"
#include "store/indexed_source.h"
#include "store/source.h"

namespace flamedb::block {

class SymbolCache;

struct ReaderOptions {
  bool verify_checksums = true;         // Off only for fuzzing the decoders behind them.
  uint64_t max_section_bytes = 1u << 30;  // Largest decompressed section accepted.
  // Where decoded symbol partitions are kept: a cache shared by the server's blocks (it must
  // outlive the reader), or null for each block to keep all of its own (tools and tests).
  SymbolCache* symbol_cache = nullptr;
  // Keeps the last decoded row chunk, so that reading a block series by series (compaction,
  // which visits every series in label order) decodes each chunk once, not once per series.
  // Off for queries: they read each chunk once, and many open blocks would each hold one.
  bool keep_last_chunk = false;
};

// Thread-safe; immutable apart from the cache of decoded symbol partitions.
class BlockReader final : public store::IndexedSource {
 public:
  ~BlockReader() override;

  // Errors: kDataLoss (not a block, damaged footer, TOC or series section).
  static Result<std::unique_ptr<BlockReader>> Open(std::unique_ptr<ByteSource> bytes,
                                                   const ReaderOptions& options = {});

  const Toc& toc() const { return toc_; }
  // The compressed sizes of the series section, the row chunks and the symbol partitions.
  store::StoredBytes Bytes() const override;
  uint64_t size() const { return bytes_->size(); }
  // Reads and decodes every section (what a full check costs). Errors: kDataLoss.
  Status Verify() const;

  // store::ProfileSource.
  store::TimeRange Range() const override;
  // SeriesCount, SeriesLabels, Postings and the label names and values: store::IndexedSource.
  Status ForEachRow(std::span<const uint32_t> series, store::TimeRange range,
                    const std::function<void(const store::RowView&)>& fn) const override;
  Status ForEachRowTotal(std::span<const uint32_t> series, store::TimeRange range,
                         const std::function<void(const store::RowView&)>& fn) const override;
  size_t PartitionCount() const override { return toc_.partitions.size(); }
  std::string PartitionName(uint32_t partition) const override;
  Status WithSymbols(uint32_t partition,
                     const std::function<void(const symdb::Partition&)>& fn) const override
      EXCLUDES(mu_);

 private:
  struct Chunk;
  BlockReader(std::unique_ptr<ByteSource> bytes, const ReaderOptions& options);
  // `ahead` (may be null): ranges read ahead, used when one of them holds the section.
  Result<std::string> ReadSection(const SectionRef& ref, std::string_view what,
                                  const Prefetched* ahead = nullptr) const;
  Status LoadSeries(const Prefetched* ahead);
  // With `samples` false only the per-row columns are decoded (stacks, values, spans empty).
  Result<Chunk> ReadChunk(size_t index, bool samples, const Prefetched* ahead = nullptr) const;
  // ReadChunk, or the kept last chunk (keep_last_chunk).
  Result<std::shared_ptr<const Chunk>> LoadChunk(size_t index, bool samples,
                                                 const Prefetched* ahead) const
      EXCLUDES(chunk_mu_);
  Status VisitRows(std::span<const uint32_t> series, store::TimeRange range, bool samples,
                   const std::function<void(const store::RowView&)>& fn) const;
  void VisitChunk(const Chunk& c, std::span<const uint32_t> series, store::TimeRange range,
                  bool samples, const std::function<void(const store::RowView&)>& fn) const;
  Result<std::shared_ptr<const symdb::Partition>> Symbols(uint32_t partition) const
      EXCLUDES(mu_);

  const std::unique_ptr<ByteSource> bytes_;
  const ReaderOptions options_;
  const uint64_t id_;  // Process-unique: this reader's key in the shared symbol cache.
  Toc toc_;
  mutable base::Mutex mu_;
  // Decoded on first use and kept, when there is no shared cache.
  mutable std::vector<std::shared_ptr<const symdb::Partition>> partitions_ GUARDED_BY(mu_);
  mutable base::Mutex chunk_mu_;
  mutable size_t last_chunk_index_ GUARDED_BY(chunk_mu_) = 0;
  mutable bool last_chunk_samples_ GUARDED_BY(chunk_mu_) = false;
  mutable std::shared_ptr<const Chunk> last_chunk_ GUARDED_BY(chunk_mu_);
};

}  // namespace flamedb::block
