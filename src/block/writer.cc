#include "block/writer.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <tuple>

#include "base/common_divisor.h"
#include "base/radix_sort.h"
#include "block/coding.h"
#include "block/format.h"
#include "block/symbols.h"
#include "block/partition_sections.h"
#include "symdb/subset.h"
#include "store/trace_column.h"

namespace flamedb::block {
namespace {

// The object being written: header, then sections appended one by one to the sink.
class ObjectBuilder {
 public:
  explicit ObjectBuilder(BlockSink& sink) : sink_(sink) { Write(EncodeHeader()); }

  SectionRef Add(std::string_view raw, int level) {
    const std::string_view stored = CompressInto(raw, level, compressed_);
    const SectionRef ref{size_, stored.size(), raw.size(), Crc32(stored)};
    Write(stored);
    return ref;
  }
  void Finish(const Toc& toc) {
    const std::string encoded = EncodeToc(toc);
    const uint64_t offset = size_;
    Write(encoded);
    Write(EncodeFooter(offset, encoded));
  }
  // The first error of the sink; later writes are skipped.
  const Status& status() const { return status_; }
  uint64_t size() const { return size_; }
  uint64_t hash() const { return hash_.Digest(); }

 private:
  void Write(std::string_view bytes) {
    if (!status_.ok()) return;
    status_ = sink_.Append(bytes);
    hash_.Update(bytes);
    size_ += bytes.size();
  }

  BlockSink& sink_;
  std::string compressed_;  // The section being written, reused from section to section.
  Status status_;
  uint64_t size_ = 0;
  StreamHash64 hash_;
};

class StringSink final : public BlockSink {
 public:
  explicit StringSink(std::string& out) : out_(out) {}
  Status Append(std::string_view bytes) override {
    out_ += bytes;
    return OkStatus();
  }

 private:
  std::string& out_;
};

// Rows of one chunk, column by column (docs/block-format.md "Row chunks").
class ChunkBuilder {
 public:
  // `spans` and `traces`: parallel to `stacks`, or empty when the row has no span or trace ids.
  void Add(uint32_t series, const store::RowView& row, std::span<const uint32_t> stacks,
           std::span<const int64_t> values, std::span<const uint64_t> spans,
           std::span<const model::TraceId> traces) {
    if (rows_ == 0) {
      entry_ = ChunkEntry{};
      entry_.first_series = series;
      entry_.min_time = row.time_nanos;
      entry_.max_time = row.time_nanos;
    }
    ++rows_;
    entry_.last_series = series;
    entry_.min_time = std::min(entry_.min_time, row.time_nanos);
    entry_.max_time = std::max(entry_.max_time, row.time_nanos);
    entry_.samples += stacks.size();
    series_.Varint(series - last_series_);
    last_series_ = series;
    partition_.Varint(row.partition);
    time_.Signed(row.time_nanos - last_time_);
    last_time_ = row.time_nanos;
    total_.Signed(row.total);
    counts_.Varint(stacks.size());
    uint32_t last_stack = 0;
    for (uint32_t s : stacks) {
      stacks_.Varint(s - last_stack);
      last_stack = s;
    }
    // CPU values are multiples of the sampling period: store the row's common divisor once.
    base::CommonDivisor common;
    for (int64_t v : values) common.Add(v);
    const uint64_t divisor = common.divisor();
    const base::ExactDivider exact(divisor);
    values_.Varint(divisor);
    for (int64_t v : values) values_.Signed(exact.Divide(v));
    spans_.Varint((spans.empty() ? 0 : 1) | (traces.empty() ? 0 : 2));
    for (uint64_t id : spans) spans_.Fixed64(id);  // Random ids: varints would only grow.
    if (!traces.empty()) store::WriteTraceColumn(traces, spans_);
  }
  uint64_t rows() const { return rows_; }
  uint64_t samples() const { return entry_.samples; }

  // Writes the chunk and starts the next one. The column writers keep their room, so a block
  // of many chunks grows (allocates, clears, copies) its buffers once, not once per chunk.
  ChunkEntry Finish(ObjectBuilder& object, int level) {
    raw_.Clear();
    raw_.Varint(rows_);
    for (ByteWriter* column : {&series_, &partition_, &time_, &total_, &counts_, &stacks_,
                               &values_, &spans_}) {
      raw_.Bytes(column->view());
      column->Clear();
    }
    entry_.rows = rows_;
    entry_.section = object.Add(raw_.view(), level);
    const ChunkEntry done = entry_;
    entry_ = ChunkEntry{};
    rows_ = 0;
    last_series_ = 0;
    last_time_ = 0;
    return done;
  }

 private:
  ChunkEntry entry_;
  uint64_t rows_ = 0;
  uint32_t last_series_ = 0;
  int64_t last_time_ = 0;
  ByteWriter series_, partition_, time_, total_, counts_, stacks_, values_, spans_;
  ByteWriter raw_;  // The columns of the chunk being finished, one after the other.
};

}  // namespace

namespace {

bool LabelsLess(const model::Labels& a, const model::Labels& b) {
  return std::lexicographical_compare(
      a.pairs().begin(), a.pairs().end(), b.pairs().begin(), b.pairs().end(),
      [](const model::LabelPair& x, const model::LabelPair& y) {
        return std::tie(x.name, x.value) < std::tie(y.name, y.value);
      });
}

// One sample of a row, with its stack id renumbered for the block.
struct Pair {
  uint32_t stack = 0;
  uint64_t span = 0;
  model::TraceId trace;
  int64_t value = 0;
};

// The samples of a row with span or trace ids renumbered by `remap` and sorted by (stack, span,
// trace), so that equal pairs are adjacent. False when a stack id is out of range (the source
// changed).
bool SortedPairs(const store::RowView& row, const std::vector<uint32_t>& remap,
                 std::vector<Pair>& pairs) {
  pairs.clear();
  for (size_t i = 0; i < row.stacks.size(); ++i) {
    if (row.stacks[i] >= remap.size() || remap[row.stacks[i]] == symdb::Subset::kMissing) {
      return false;
    }
    pairs.push_back({remap[row.stacks[i]], row.spans.empty() ? 0 : row.spans[i],
                     row.traces.empty() ? model::TraceId{} : row.traces[i], row.values[i]});
  }
  std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) {
    return std::tie(a.stack, a.span, a.trace) < std::tie(b.stack, b.span, b.trace);
  });
  return true;
}

// The stacks of a row without span or trace ids renumbered by `remap` into `stacks`, when they come out
// strictly ascending: then the row needs no sort and no collapse (a block's rows merged by
// compaction). False at the first id out of order or out of range, leaving the slow path to
// the caller; a head's rows usually stop at their first few samples.
bool RenumberedInOrder(const store::RowView& row, const std::vector<uint32_t>& remap,
                       std::vector<uint32_t>& stacks) {
  if (!row.spans.empty() || !row.traces.empty()) return false;
  stacks.resize(row.stacks.size());
  const auto size = static_cast<uint32_t>(remap.size());
  uint32_t last = 0;
  for (size_t i = 0; i < row.stacks.size(); ++i) {
    const uint32_t s = row.stacks[i];
    if (s >= size) return false;
    const uint32_t renumbered = remap[s];
    if ((i > 0 && renumbered <= last) || renumbered == symdb::Subset::kMissing) return false;
    stacks[i] = last = renumbered;
  }
  return true;
}

// A row without span ids renumbered by `remap`, sorted by stack with equal stacks summed, into
// parallel columns. Sorts 8-byte keys (stack << 32 | sample index) rather than whole pairs: a
// third of the bytes each radix pass moves (the cut sorts every sample of every row). False
// when a stack id is out of range (the source changed).
bool SortedByStack(const store::RowView& row, const std::vector<uint32_t>& remap,
                   std::vector<uint64_t>& keys, std::vector<uint64_t>& scratch,
                   std::vector<uint32_t>& stacks, std::vector<int64_t>& values) {
  keys.resize(row.stacks.size());
  for (size_t i = 0; i < row.stacks.size(); ++i) {
    if (row.stacks[i] >= remap.size() || remap[row.stacks[i]] == symdb::Subset::kMissing) {
      return false;
    }
    keys[i] = uint64_t{remap[row.stacks[i]]} << 32 | i;
  }
  if (keys.size() >= 256) {
    base::RadixSortBy(keys, scratch, [](uint64_t k) { return static_cast<uint32_t>(k >> 32); });
  } else {
    std::sort(keys.begin(), keys.end());  // Indexes are unique: the same order, stably.
  }
  stacks.clear();
  values.clear();
  for (const uint64_t k : keys) {
    const auto stack = static_cast<uint32_t>(k >> 32);
    const int64_t value = row.values[static_cast<uint32_t>(k)];
    if (!stacks.empty() && stacks.back() == stack) {
      values.back() += value;
      continue;
    }
    stacks.push_back(stack);
    values.push_back(value);
  }
  return true;
}

// Sums the values of equal (stack, span, trace) samples into parallel columns; `spans` and
// `traces` stay empty when no sample has one.
void Collapse(const std::vector<Pair>& pairs, std::vector<uint32_t>& stacks,
              std::vector<int64_t>& values, std::vector<uint64_t>& spans,
              std::vector<model::TraceId>& traces) {
  const bool with_spans =
      std::any_of(pairs.begin(), pairs.end(), [](const Pair& p) { return p.span != 0; });
  const bool with_traces =
      std::any_of(pairs.begin(), pairs.end(), [](const Pair& p) { return !p.trace.empty(); });
  stacks.clear();
  values.clear();
  spans.clear();
  traces.clear();
  for (size_t i = 0; i < pairs.size(); ++i) {
    const Pair& p = pairs[i];
    if (i > 0 && pairs[i - 1].stack == p.stack && pairs[i - 1].span == p.span &&
        pairs[i - 1].trace == p.trace) {
      values.back() += p.value;
      continue;
    }
    stacks.push_back(p.stack);
    values.push_back(p.value);
    if (with_spans) spans.push_back(p.span);
    if (with_traces) traces.push_back(p.trace);
  }
}

// The series section; fills the label-derived fields of `meta`.
std::string EncodeSeries(const std::vector<model::Labels>& labels,
                         const std::vector<uint32_t>& order, BlockMeta& meta) {
  std::set<std::string> strings, names, types, services;
  for (const model::Labels& l : labels) {
    for (const model::LabelPair& p : l.pairs()) {
      strings.insert(p.name);
      strings.insert(p.value);
      names.insert(p.name);
      if (p.name == "__profile_type__") types.insert(p.value);
      if (p.name == "service_name") services.insert(p.value);
    }
  }
  std::map<std::string_view, uint64_t> ids;
  ByteWriter w;
  w.Varint(strings.size());
  for (const std::string& s : strings) {
    ids.emplace(s, ids.size());
    w.Bytes(s);
  }
  w.Varint(order.size());
  for (uint32_t old : order) {
    w.Varint(labels[old].pairs().size());
    for (const model::LabelPair& p : labels[old].pairs()) {
      w.Varint(ids[p.name]);
      w.Varint(ids[p.value]);
    }
  }
  meta.label_names.assign(names.begin(), names.end());
  meta.profile_types.assign(types.begin(), types.end());
  meta.services.assign(services.begin(), services.end());
  return std::move(w.str());
}

// Adds each partition's symbols section to `object` and its entry to `toc`.
Result<SymbolIds> WriteSymbols(const store::ProfileSource& source,
                               const std::vector<uint32_t>& series, const WriteOptions& options,
                               ObjectBuilder& object, Toc& toc) {
  return MakePartitionSections(
      source, series, options.prune_symbols,
      [&](std::string name, uint64_t stacks, const std::string& raw) {
        toc.partitions.push_back({std::move(name), stacks, object.Add(raw, options.zstd_level)});
        if (options.pacer != nullptr) options.pacer->Step();
      });
}

}  // namespace

Result<EncodedBlock> EncodeBlock(const store::ProfileSource& source, BlockMeta meta,
                                 const WriteOptions& options) {
  EncodedBlock out;
  StringSink sink(out.data);
  FLAMEDB_ASSIGN_OR_RETURN(out.meta, EncodeBlockTo(source, std::move(meta), sink, options));
  return out;
}

Result<BlockMeta> EncodeBlockTo(const store::ProfileSource& source, BlockMeta meta,
                                BlockSink& sink, const WriteOptions& options) {
  ObjectBuilder object(sink);
  Toc toc;
  std::vector<model::Labels> labels(source.SeriesCount());
  for (uint32_t i = 0; i < labels.size(); ++i) {
    labels[i] = source.SeriesLabels(i);
  }
  std::vector<uint32_t> order(labels.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return LabelsLess(labels[a], labels[b]); });
  toc.series = labels.size();
  toc.series_section = object.Add(EncodeSeries(labels, order, meta), options.zstd_level);

  // Symbols, with each partition's stack ids renumbered depth-first.
  FLAMEDB_ASSIGN_OR_RETURN(const SymbolIds ids, WriteSymbols(source, order, options, object, toc));

  ChunkBuilder chunk;
  bool changed = false;  // The source changed during the call (a contract violation).
  std::vector<Pair> pairs;
  std::vector<uint64_t> keys, key_scratch;
  std::vector<uint32_t> stacks;
  std::vector<int64_t> values;
  std::vector<uint64_t> spans;
  std::vector<model::TraceId> traces;
  toc.min_time = INT64_MAX;
  toc.max_time = INT64_MIN;
  for (uint32_t id = 0; id < order.size() && object.status().ok(); ++id) {
    const uint32_t one[] = {order[id]};
    FLAMEDB_RETURN_IF_ERROR(
        source.ForEachRow(one, {INT64_MIN, INT64_MAX}, [&](const store::RowView& row) {
          if (row.partition >= ids.new_stack.size() ||
              ids.new_partition[row.partition] == symdb::Subset::kMissing) {
            changed = true;
            return;
          }
          const std::vector<uint32_t>& remap = ids.new_stack[row.partition];
          store::RowView row_out = row;
          row_out.partition = ids.new_partition[row.partition];
          if (RenumberedInOrder(row, remap, stacks)) {
            chunk.Add(id, row_out, stacks, row.values, {}, {});
          } else if (const bool linked = !row.spans.empty() || !row.traces.empty();
                     !linked && SortedByStack(row, remap, keys, key_scratch, stacks, values)) {
            chunk.Add(id, row_out, stacks, values, {}, {});
          } else if (linked && SortedPairs(row, remap, pairs)) {
            Collapse(pairs, stacks, values, spans, traces);
            chunk.Add(id, row_out, stacks, values, spans, traces);
          } else {
            changed = true;
            return;
          }
          ++toc.profiles;
          toc.samples += stacks.size();
          toc.min_time = std::min(toc.min_time, row.time_nanos);
          toc.max_time = std::max(toc.max_time, row.time_nanos);
          if (chunk.rows() >= options.chunk_rows || chunk.samples() >= options.chunk_samples) {
            toc.chunks.push_back(chunk.Finish(object, options.zstd_level));
          }
          if (options.pacer != nullptr) options.pacer->Step();
        }));
  }
  if (changed) {
    return FailedPreconditionError("block: the source changed while it was written");
  }
  if (chunk.rows() > 0) {
    toc.chunks.push_back(chunk.Finish(object, options.zstd_level));
  }
  if (toc.profiles == 0) {
    toc.min_time = toc.max_time = 0;
  }
  object.Finish(toc);
  FLAMEDB_RETURN_IF_ERROR(object.status());
  meta.min_time_nanos = toc.min_time;
  meta.max_time_nanos = toc.max_time;
  meta.series = toc.series;
  meta.profiles = toc.profiles;
  meta.samples = toc.samples;
  meta.data_bytes = object.size();
  meta.data_xxhash64 = object.hash();
  return meta;
}

}  // namespace flamedb::block
