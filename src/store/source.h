// What the query engine reads: a source of profiles, either a tenant's head or one block.
// Both expose the same shape (design §5-6): series with labels and postings, profile rows
// ordered by (series, time), and symbol partitions.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/labels.h"
#include "symdb/partition.h"

namespace flamedb::store {

// One profile of one series: parallel stack ids (of `partition`) and values, and the span id
// of each sample (trace correlation, spec §2.4.5) when any sample of the row has one: `spans`
// is then parallel to `stacks` with 0 for "no span", and empty otherwise. `traces` likewise
// holds each sample's trace id (empty: none) when any sample of the row has one.
struct RowView {
  uint32_t series = 0;
  uint32_t partition = 0;
  int64_t time_nanos = 0;
  int64_t total = 0;
  std::span<const uint32_t> stacks;
  std::span<const int64_t> values;
  std::span<const uint64_t> spans;
  std::span<const model::TraceId> traces;
};

// Inclusive time bounds in Unix nanoseconds.
struct TimeRange {
  int64_t min_nanos = 0;
  int64_t max_nanos = 0;
};

// Thread-safe. Callbacks run under the source's read lock: they must not call back into the
// same source (a head's lock prefers writers, so a nested read could wait behind a push).
// Series ids are dense (0..SeriesCount()-1) and stable for the source's life; a
// head only appends, so a reader sees a prefix of what is there when it starts reading.
// What a source keeps, in bytes, by kind (AnalyzeQuery's estimate of what a query reads).
struct StoredBytes {
  uint64_t index = 0;     // Series labels and their postings.
  uint64_t profiles = 0;  // Rows: times, stacks, values.
  uint64_t symbols = 0;   // Symbol partitions.
};

// Which stacks of a partition its rows use, as a source may know without reading the rows.
struct StackUse {
  bool known = false;  // False: read the rows to find out.
  // Stacks below marked.size() are used where marked; every stack from there on is used. Empty:
  // every stack is.
  std::vector<uint8_t> marked;
};

class ProfileSource {
 public:
  virtual ~ProfileSource() = default;

  // Stored (a block's compressed sections) or held (a head's memory) bytes; zero when unknown.
  virtual StoredBytes Bytes() const { return {}; }

  // Empty sources have min > max.
  virtual TimeRange Range() const = 0;
  virtual size_t SeriesCount() const = 0;
  virtual model::Labels SeriesLabels(uint32_t series) const = 0;
  // Calls `fn(id, labels)` for each id of `series` below SeriesCount(), in order. The
  // reference is valid during the call only, and `fn` must not call into the source. The
  // default copies each through SeriesLabels; sources holding labels in memory lend them.
  virtual void ForEachSeriesLabels(std::span<const uint32_t> series,
                                   const std::function<void(uint32_t, const model::Labels&)>& fn) const {
    const size_t count = SeriesCount();
    for (const uint32_t id : series) {
      if (id < count) fn(id, SeriesLabels(id));
    }
  }
  // Ids of the series with label `name` = `value`, ascending.
  virtual std::vector<uint32_t> Postings(std::string_view name, std::string_view value) const = 0;
  virtual std::vector<std::string> LabelNames() const = 0;
  virtual std::vector<std::string> LabelValues(std::string_view name) const = 0;

  // Calls `fn` for each row of `series` (ascending ids; empty: every series) whose time is in
  // `range`, ordered by series then time. The views are valid only during the call.
  // Errors: kDataLoss when stored data is damaged (blocks).
  virtual Status ForEachRow(std::span<const uint32_t> series, TimeRange range,
                            const std::function<void(const RowView&)>& fn) const = 0;
  // The same rows with only series, partition, time and total set (no samples): for callers
  // that need each row's total (SelectSeries), which blocks read without decoding samples.
  virtual Status ForEachRowTotal(std::span<const uint32_t> series, TimeRange range,
                                 const std::function<void(const RowView&)>& fn) const {
    return ForEachRow(series, range, [&fn](const RowView& row) {
      fn(RowView{row.series, row.partition, row.time_nanos, row.total, {}, {}, {}, {}});
    });
  }

  // The symbol partitions rows refer to, by index, and the service each belongs to.
  virtual size_t PartitionCount() const = 0;
  virtual std::string PartitionName(uint32_t partition) const = 0;
  // Calls `fn` with partition `partition`; the reference is valid only during the call.
  // Errors: kNotFound (no such partition), kDataLoss (damaged block data).
  virtual Status WithSymbols(uint32_t partition,
                             const std::function<void(const symdb::Partition&)>& fn) const = 0;
  // What the rows of `partition` use, if the source knows it cheaply (a head that started from
  // an earlier head's symbols keeps track: head::Head::SeedSymbols). The default: not known.
  virtual StackUse StacksInUse(uint32_t /*partition*/) const { return {}; }
};

}  // namespace flamedb::store
