#include "block/reader.h"

#include <algorithm>
#include <atomic>

#include "block/coding.h"
#include "block/symbol_cache.h"
#include "block/symbols.h"
#include "store/trace_column.h"

namespace flamedb::block {
namespace {

std::atomic<uint64_t> next_reader_id{1};

// What one request reads of a remote block: its tail at open, row chunks per window.
constexpr uint64_t kOpenReadAhead = 256 << 10;
constexpr uint64_t kChunkReadAhead = 16 << 20;

}  // namespace

BlockReader::BlockReader(std::unique_ptr<ByteSource> bytes, const ReaderOptions& options)
    : bytes_(std::move(bytes)), options_(options), id_(next_reader_id.fetch_add(1)) {}

BlockReader::~BlockReader() {
  if (options_.symbol_cache != nullptr) options_.symbol_cache->Forget(id_);
}

// One decoded row chunk: columns, with row i's samples at [offsets[i], offsets[i + 1]).
struct BlockReader::Chunk {
  std::vector<uint32_t> series, partition;
  std::vector<int64_t> time, total;
  std::vector<uint64_t> offsets = {0};
  std::vector<uint32_t> stacks;
  std::vector<int64_t> values;
  // Span and trace ids, each parallel to `stacks` up to the last row that has them; per row,
  // `links` holds kSpans and kTraces for those it has (rows without read none).
  static constexpr uint8_t kSpans = 1, kTraces = 2;
  std::vector<uint64_t> spans;
  std::vector<model::TraceId> traces;
  std::vector<uint8_t> links;
};

Result<std::unique_ptr<BlockReader>> BlockReader::Open(std::unique_ptr<ByteSource> bytes,
                                                       const ReaderOptions& options) {
  std::unique_ptr<BlockReader> r(new BlockReader(std::move(bytes), options));
  const uint64_t size = r->bytes_->size();
  if (size < kHeaderBytes + kFooterBytes) {
    return DataLossError("block: " + std::to_string(size) + " bytes is too short for a block");
  }
  std::string scratch;
  // A remote block's footer, table of contents and (usually) series index are near its end:
  // one request reads them all.
  Prefetched tail;
  const uint64_t tail_bytes = std::min<uint64_t>(size, kOpenReadAhead);
  const std::pair<uint64_t, uint64_t> tail_range{size - tail_bytes, tail_bytes};
  FLAMEDB_RETURN_IF_ERROR(ReadAhead(*r->bytes_, {&tail_range, 1}, tail));
  const auto read = [&](uint64_t offset, uint64_t length) -> Result<std::string_view> {
    if (auto held = tail.Find(offset, length)) return *held;
    return r->bytes_->Read(offset, length, scratch);
  };
  FLAMEDB_ASSIGN_OR_RETURN(std::string_view header, read(0, kHeaderBytes));
  if (header.substr(0, kHeaderMagic.size()) != kHeaderMagic) {
    return DataLossError("block: the header magic is missing (not a flamedb block)");
  }
  FLAMEDB_ASSIGN_OR_RETURN(std::string_view footer_view, read(size - kFooterBytes, kFooterBytes));
  const std::string footer(footer_view);
  ByteReader f(footer);
  const uint64_t toc_offset = f.Fixed64();
  const uint32_t toc_size = f.Fixed32();
  const uint32_t toc_crc = f.Fixed32();
  if (f.Take(kFooterMagic.size()) != kFooterMagic) {
    return DataLossError("block: the footer magic is missing (a truncated or damaged block)");
  }
  if (toc_offset < kHeaderBytes || toc_offset > size - kFooterBytes ||
      toc_size != size - kFooterBytes - toc_offset || toc_size > kMaxTocBytes) {
    return DataLossError("block: the footer points outside the object");
  }
  FLAMEDB_ASSIGN_OR_RETURN(std::string_view toc, read(toc_offset, toc_size));
  if (options.verify_checksums && Crc32(toc) != toc_crc) {
    return DataLossError("block: the table of contents fails its checksum");
  }
  FLAMEDB_ASSIGN_OR_RETURN(r->toc_, DecodeToc(toc, toc_offset));
  FLAMEDB_RETURN_IF_ERROR(r->LoadSeries(&tail));
  {
    base::MutexLock lock(r->mu_);
    r->partitions_.resize(r->toc_.partitions.size());
  }
  return r;
}

Result<std::string> BlockReader::ReadSection(const SectionRef& ref, std::string_view what,
                                             const Prefetched* ahead) const {
  std::string scratch;
  std::optional<std::string_view> held =
      ahead != nullptr ? ahead->Find(ref.offset, ref.size) : std::nullopt;
  if (!held.has_value()) {
    FLAMEDB_ASSIGN_OR_RETURN(held, bytes_->Read(ref.offset, ref.size, scratch));
  }
  const std::string_view stored = *held;
  if (options_.verify_checksums && Crc32(stored) != ref.crc) {
    return DataLossError("block: " + std::string(what) + " fails its checksum");
  }
  return Decompress(stored, ref.raw_size, options_.max_section_bytes, what);
}

Status BlockReader::LoadSeries(const Prefetched* ahead) {
  FLAMEDB_ASSIGN_OR_RETURN(std::string raw,
                           ReadSection(toc_.series_section, "the series index", ahead));
  ByteReader r(raw);
  std::vector<std::string_view> strings;
  const uint64_t n_strings = r.Below(r.remaining() + 1);
  for (uint64_t i = 0; i < n_strings && r.ok(); ++i) {
    strings.push_back(r.Bytes());
  }
  const uint64_t n_series = r.Below(r.remaining() + 1);
  if (!r.ok() || n_series != toc_.series) {
    return DataLossError("block: the series index does not match the table of contents");
  }
  std::vector<model::LabelPair> pairs;
  for (uint64_t i = 0; i < n_series && r.ok(); ++i) {
    pairs.clear();
    const uint64_t n_labels = r.Below(r.remaining() + 1);
    for (uint64_t l = 0; l < n_labels && r.ok(); ++l) {
      const uint64_t name = r.Below(strings.size());
      const uint64_t value = r.Below(strings.size());
      if (r.ok()) pairs.push_back({std::string(strings[name]), std::string(strings[value])});
    }
    // Series ids follow the stored order; a duplicate label set would break that.
    const model::Labels labels(pairs);
    if (r.ok() && (series_.Contains(labels) || *series_.GetOrCreate(labels) != i)) {
      return DataLossError("block: the series index holds a label set twice");
    }
  }
  if (!r.ok() || !r.done()) {
    return DataLossError("block: the series index does not decode");
  }
  return OkStatus();
}

namespace {

// The sample columns of a chunk, read row by row.
struct SampleColumns {
  ByteReader counts, stacks, values, spans;
  bool span_column = false;

  bool ok() const { return counts.ok() && stacks.ok() && values.ok() && spans.ok(); }
};

// Appends one row's samples (ids checked against `limit`, the partition's stack count) to the
// chunk's columns. False on arithmetic overflow (damage).
template <typename Chunk>
bool ReadSamples(SampleColumns& col, uint64_t limit, Chunk& c) {
  const uint64_t n = col.counts.Below(col.stacks.remaining() + 1);
  // n is at most the bytes left in the stack column (a varint takes at least one), so sizing
  // by it is bounded by the input. The loops write through pointers and read through local
  // copies of the readers: with push_back and the readers in memory every value cost several
  // loads and stores of vector and reader fields (the query path's hottest loop).
  const size_t base = c.stacks.size();
  c.stacks.resize(base + n);
  c.values.resize(base + n);
  ByteReader stacks = col.stacks;
  uint32_t* stack_out = c.stacks.data() + base;
  uint64_t stack = 0;
  bool out_of_range = false;
  for (uint64_t k = 0; k < n; ++k) {
    stack += stacks.Varint();
    out_of_range |= stack >= limit;
    stack_out[k] = static_cast<uint32_t>(stack < limit ? stack : 0);
  }
  if (out_of_range) stacks.Below(0);  // Mark the column bad.
  col.stacks = stacks;
  ByteReader values = col.values;
  int64_t* value_out = c.values.data() + base;
  bool overflow = false;  // Arithmetic on damaged values must not overflow (UB); it is damage.
  const auto divisor = static_cast<int64_t>(values.Below(uint64_t{INT64_MAX} + 1));
  if (divisor == 1) {
    for (uint64_t k = 0; k < n; ++k) value_out[k] = values.Signed();
  } else {
    for (uint64_t k = 0; k < n; ++k) {
      overflow |= __builtin_mul_overflow(values.Signed(), divisor, &value_out[k]);
    }
  }
  col.values = values;
  const auto links = static_cast<uint8_t>(col.span_column ? col.spans.Below(4) : 0);
  c.links.push_back(links);
  if (links & Chunk::kSpans) {
    c.spans.resize(c.offsets.back(), 0);
    for (uint64_t k = 0; k < n; ++k) c.spans.push_back(col.spans.Fixed64());
  }
  if (links & Chunk::kTraces) {
    c.traces.resize(c.offsets.back());
    overflow |= !store::ReadTraceColumn(col.spans, n, c.traces);
  }
  c.offsets.push_back(c.stacks.size());
  return !overflow;
}

}  // namespace

Result<BlockReader::Chunk> BlockReader::ReadChunk(size_t index, bool samples,
                                                  const Prefetched* ahead) const {
  const ChunkEntry& entry = toc_.chunks[index];
  FLAMEDB_ASSIGN_OR_RETURN(std::string raw, ReadSection(entry.section, "a row chunk", ahead));
  ByteReader r(raw);
  const uint64_t rows = r.Varint();
  ByteReader series(r.Bytes()), partition(r.Bytes()), time(r.Bytes()), total(r.Bytes());
  SampleColumns col{ByteReader(r.Bytes()), ByteReader(r.Bytes()), ByteReader(r.Bytes()),
                    ByteReader(std::string_view())};
  // The span column came later: blocks written before it end after the values.
  col.span_column = r.ok() && !r.done();
  if (col.span_column) col.spans = ByteReader(r.Bytes());
  if (!r.ok() || !r.done() || rows != entry.rows || rows > raw.size()) {
    return DataLossError("block: row chunk " + std::to_string(index) + " does not decode");
  }
  Chunk c;
  // Reserved from the sizes of the bytes at hand, never from a stored count: a sample takes at
  // least one byte of the stack column.
  for (auto* v : {&c.series, &c.partition}) v->reserve(rows);
  for (auto* v : {&c.time, &c.total}) v->reserve(rows);
  if (samples) {
    c.offsets.reserve(rows + 1);
    c.stacks.reserve(std::min<uint64_t>(entry.samples, col.stacks.remaining()));
    c.values.reserve(c.stacks.capacity());
  }
  uint64_t last_series = 0;
  int64_t last_time = 0;
  bool overflow = false;  // Arithmetic on damaged values must not overflow (UB); it is damage.
  for (uint64_t i = 0; i < rows; ++i) {
    last_series += series.Varint();
    c.series.push_back(static_cast<uint32_t>(std::min<uint64_t>(last_series, UINT32_MAX)));
    const uint64_t p = partition.Below(toc_.partitions.size());
    c.partition.push_back(static_cast<uint32_t>(p));
    overflow |= __builtin_add_overflow(last_time, time.Signed(), &last_time);
    c.time.push_back(last_time);
    c.total.push_back(total.Signed());
    if (samples) {
      overflow |= !ReadSamples(col, partition.ok() ? toc_.partitions[p].stacks : 0, c);
    }
    if (!series.ok() || !partition.ok() || !time.ok() || !total.ok() || !col.ok() ||
        last_series >= toc_.series || overflow) {
      return DataLossError("block: row chunk " + std::to_string(index) + " is damaged");
    }
  }
  return c;
}

Result<std::shared_ptr<const BlockReader::Chunk>> BlockReader::LoadChunk(
    size_t index, bool samples, const Prefetched* ahead) const {
  if (options_.keep_last_chunk) {
    base::MutexLock lock(chunk_mu_);
    if (last_chunk_ != nullptr && last_chunk_index_ == index && (last_chunk_samples_ || !samples)) {
      return last_chunk_;
    }
  }
  FLAMEDB_ASSIGN_OR_RETURN(Chunk c, ReadChunk(index, samples, ahead));
  auto chunk = std::make_shared<const Chunk>(std::move(c));
  if (options_.keep_last_chunk) {
    base::MutexLock lock(chunk_mu_);
    last_chunk_ = chunk;
    last_chunk_index_ = index;
    last_chunk_samples_ = samples;
  }
  return chunk;
}

Status BlockReader::ForEachRow(std::span<const uint32_t> series, store::TimeRange range,
                               const std::function<void(const store::RowView&)>& fn) const {
  return VisitRows(series, range, true, fn);
}

Status BlockReader::ForEachRowTotal(std::span<const uint32_t> series, store::TimeRange range,
                                    const std::function<void(const store::RowView&)>& fn) const {
  return VisitRows(series, range, false, fn);
}

Status BlockReader::VisitRows(std::span<const uint32_t> series, store::TimeRange range,
                              bool samples,
                              const std::function<void(const store::RowView&)>& fn) const {
  std::vector<size_t> wanted;
  for (size_t i = 0; i < toc_.chunks.size(); ++i) {
    const ChunkEntry& e = toc_.chunks[i];
    if (e.max_time < range.min_nanos || e.min_time > range.max_nanos) {
      continue;
    }
    // `series` is ascending: does any id fall in [first_series, last_series]?
    const auto first = std::lower_bound(series.begin(), series.end(), e.first_series);
    if (!series.empty() && (first == series.end() || *first > e.last_series)) {
      continue;
    }
    wanted.push_back(i);
  }
  // From a bucket, the wanted chunks are read ahead a window of at most kChunkReadAhead bytes
  // at a time, in a few requests; memory holds one window.
  for (size_t w = 0; w < wanted.size();) {
    Prefetched ahead;
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    uint64_t bytes = 0;
    size_t end = w;
    for (; end < wanted.size() && (end == w || bytes < kChunkReadAhead); ++end) {
      const SectionRef& s = toc_.chunks[wanted[end]].section;
      ranges.emplace_back(s.offset, s.size);
      bytes += s.size;
    }
    FLAMEDB_RETURN_IF_ERROR(ReadAhead(*bytes_, ranges, ahead));
    for (; w < end; ++w) {
      FLAMEDB_ASSIGN_OR_RETURN(std::shared_ptr<const Chunk> loaded,
                               LoadChunk(wanted[w], samples, &ahead));
      VisitChunk(*loaded, series, range, samples, fn);
    }
  }
  return OkStatus();
}

void BlockReader::VisitChunk(const Chunk& c, std::span<const uint32_t> series,
                             store::TimeRange range, bool samples,
                             const std::function<void(const store::RowView&)>& fn) const {
  // Rows are ordered by series: start at the first wanted one.
  const size_t start =
      series.empty() ? 0
                     : std::lower_bound(c.series.begin(), c.series.end(), series.front()) -
                           c.series.begin();
  for (size_t row = start; row < c.series.size(); ++row) {
    if (!series.empty() && c.series[row] > series.back()) break;
    if (c.time[row] < range.min_nanos || c.time[row] > range.max_nanos ||
        (!series.empty() && !std::binary_search(series.begin(), series.end(), c.series[row]))) {
      continue;
    }
    if (!samples) {
      fn(store::RowView{c.series[row], c.partition[row], c.time[row], c.total[row], {}, {}, {}, {}});
      continue;
    }
    const size_t begin = c.offsets[row];
    const size_t n = c.offsets[row + 1] - begin;
    fn(store::RowView{
        c.series[row], c.partition[row], c.time[row], c.total[row],
        std::span<const uint32_t>(c.stacks).subspan(begin, n),
        std::span<const int64_t>(c.values).subspan(begin, n),
        (c.links[row] & Chunk::kSpans) ? std::span<const uint64_t>(c.spans).subspan(begin, n)
                                       : std::span<const uint64_t>(),
        (c.links[row] & Chunk::kTraces) ? std::span<const model::TraceId>(c.traces).subspan(begin, n)
                                        : std::span<const model::TraceId>()});
  }
}

store::TimeRange BlockReader::Range() const {
  if (toc_.profiles == 0) {
    return {INT64_MAX, INT64_MIN};
  }
  return {toc_.min_time, toc_.max_time};
}

std::string BlockReader::PartitionName(uint32_t partition) const {
  return partition < toc_.partitions.size() ? toc_.partitions[partition].name : std::string();
}

Result<std::shared_ptr<const symdb::Partition>> BlockReader::Symbols(uint32_t partition) const {
  if (partition >= toc_.partitions.size()) {
    return NotFoundError("block: no symbol partition " + std::to_string(partition));
  }
  SymbolCache* cache = options_.symbol_cache;
  if (cache != nullptr) {
    if (auto hit = cache->Get(id_, partition)) return hit;
  } else {
    base::MutexLock lock(mu_);
    if (partitions_[partition] != nullptr) {
      return partitions_[partition];
    }
  }
  const PartitionEntry& entry = toc_.partitions[partition];
  FLAMEDB_ASSIGN_OR_RETURN(std::string raw, ReadSection(entry.section, "a symbol partition"));
  FLAMEDB_ASSIGN_OR_RETURN(std::unique_ptr<symdb::Partition> decoded, DecodeSymbols(raw));
  if (decoded->stacks() != entry.stacks) {
    return DataLossError("block: symbol partition " + std::to_string(partition) +
                         " has a stack count other than its table of contents says");
  }
  std::shared_ptr<const symdb::Partition> shared(std::move(decoded));
  if (cache != nullptr) {
    cache->Put(id_, partition, shared, shared->MemoryBytes());
    return shared;
  }
  base::MutexLock lock(mu_);
  partitions_[partition] = shared;
  return shared;
}

Status BlockReader::WithSymbols(uint32_t partition,
                                const std::function<void(const symdb::Partition&)>& fn) const {
  FLAMEDB_ASSIGN_OR_RETURN(std::shared_ptr<const symdb::Partition> p, Symbols(partition));
  fn(*p);
  return OkStatus();
}

Status BlockReader::Verify() const {
  for (uint32_t p = 0; p < toc_.partitions.size(); ++p) {
    FLAMEDB_RETURN_IF_ERROR(Symbols(p).status());
  }
  uint64_t rows = 0;
  uint64_t samples = 0;
  for (size_t i = 0; i < toc_.chunks.size(); ++i) {
    FLAMEDB_ASSIGN_OR_RETURN(Chunk c, ReadChunk(i, true));
    rows += c.series.size();
    samples += c.stacks.size();
  }
  if (rows != toc_.profiles || samples != toc_.samples) {
    return DataLossError("block: the rows do not add up to the counts in the table of contents");
  }
  return OkStatus();
}

store::StoredBytes BlockReader::Bytes() const {
  store::StoredBytes out{.index = toc_.series_section.size, .profiles = 0, .symbols = 0};
  for (const ChunkEntry& c : toc_.chunks) out.profiles += c.section.size;
  for (const PartitionEntry& p : toc_.partitions) out.symbols += p.section.size;
  return out;
}

}  // namespace flamedb::block
