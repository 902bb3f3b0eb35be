// The in-memory head of one tenant: series, symbol partitions per service, and profile rows
// (design §5 "head"). Each sample type of a profile becomes its own series, as in Pyroscope
// (spec §2.4.8), so one row has one value per stack.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/chunk_arena.h"
#include "base/mutex.h"
#include "base/status.h"
#include "store/series_index.h"
#include "model/labels.h"
#include "model/profile.h"
#include "head/packed_row.h"
#include "store/source.h"
#include "symdb/partition.h"

namespace flamedb::head {

// One profile of one series.
struct ProfileRow {
  uint32_t series = 0;
  uint32_t partition = 0;   // The symbol partition (service) the stacks belong to.
  int64_t time_nanos = 0;
  PackedSamples samples;  // Partition stack ids, values and span ids (head/packed_row.h).
  int64_t total = 0;
};

// Thread-safe. Appends take the lock exclusively for the in-memory part only; readers share
// it, so a reader sees the head as it was when its call started (a consistent snapshot) and
// appends wait for it. Once the ingester stops appending (a cut), the head is immutable.
class Head final : public store::ProfileSource {
 public:
  Head() = default;

  // Starts this head's symbol partitions as copies of `previous`'s (of the services that
  // pushed to it), service by service while their bytes fit in `max_bytes`, so that its pushes find the stacks `previous` interned
  // (a segment-writer cuts a head every half second). Blocks of a seeded head are written with
  // block::WriteOptions::prune_symbols. Returns the bytes copied.
  // REQUIRES: nothing was appended to this head yet; `previous` is another head.
  size_t SeedSymbols(const Head& previous, size_t max_bytes) EXCLUDES(mu_);

  // Stores `samples` (empty: all) of `profile` under series `labels` (request labels; the
  // per-sample-type labels are added here). Errors: kResourceExhausted when new series would
  // pass `max_series` (0: no limit); nothing is stored then.
  Status Append(const model::Labels& labels, const model::Profile& profile,
                const std::vector<uint32_t>& samples, size_t max_series = 0) EXCLUDES(mu_);

  // How many of the series of `labels` x `profile`'s sample types do not exist yet.
  size_t NewSeries(const model::Labels& labels, const model::Profile& profile) const
      EXCLUDES(mu_);
  size_t series() const EXCLUDES(mu_);
  size_t rows() const EXCLUDES(mu_);
  uint64_t samples() const EXCLUDES(mu_);
  // Bytes held (rows, series, symbols), for cutting by size and for memory accounting.
  size_t MemoryBytes() const EXCLUDES(mu_);
  store::StoredBytes Bytes() const override EXCLUDES(mu_);

  // store::ProfileSource.
  store::TimeRange Range() const override EXCLUDES(mu_);
  size_t SeriesCount() const override { return series(); }
  model::Labels SeriesLabels(uint32_t series) const override EXCLUDES(mu_);
  // Holds the head's reader lock for the whole visit: appends of new series wait for it.
  void ForEachSeriesLabels(std::span<const uint32_t> series,
                           const std::function<void(uint32_t, const model::Labels&)>& fn) const override
      EXCLUDES(mu_);
  std::vector<uint32_t> Postings(std::string_view name,
                                 std::string_view value) const override EXCLUDES(mu_);
  std::vector<std::string> LabelNames() const override EXCLUDES(mu_);
  std::vector<std::string> LabelValues(std::string_view name) const override EXCLUDES(mu_);
  Status ForEachRow(std::span<const uint32_t> series, store::TimeRange range,
                    const std::function<void(const store::RowView&)>& fn) const override
      EXCLUDES(mu_);
  // Rows without unpacking their samples.
  Status ForEachRowTotal(std::span<const uint32_t> series, store::TimeRange range,
                         const std::function<void(const store::RowView&)>& fn) const override
      EXCLUDES(mu_);
  size_t PartitionCount() const override EXCLUDES(mu_);
  std::string PartitionName(uint32_t partition) const override EXCLUDES(mu_);
  Status WithSymbols(uint32_t partition,
                     const std::function<void(const symdb::Partition&)>& fn) const override
      EXCLUDES(mu_);
  // Known for every partition: a seeded one marks which carried stacks its pushes used.
  store::StackUse StacksInUse(uint32_t partition) const override EXCLUDES(mu_);

 private:
  uint32_t PartitionFor(std::string_view service) REQUIRES(mu_);
  // Copies the row's packed bytes into the head's arena, then adds the row.
  void AddRow(ProfileRow row) REQUIRES(mu_);
  // Calls `fn` with each row of `series` (empty: all) in `range`, series then time order.
  void VisitRows(std::span<const uint32_t> series, store::TimeRange range,
                 const std::function<void(const ProfileRow&)>& fn) const REQUIRES_SHARED(mu_);

  // One service's symbols under their own lock: appends of different services intern their
  // symbols in parallel, and the head's lock is held only to create series and add rows.
  // Lock order: mu_ before a slot's mu (nothing takes mu_ while holding a slot's lock).
  struct PartitionSlot {
    mutable base::SharedMutex mu;
    symdb::Partition symbols GUARDED_BY(mu);
    // Seeded slots: which of the carried stacks (ids below its size) this head's pushes used.
    // Stacks interned after the seed are all used. Empty: not seeded.
    std::vector<uint8_t> carried_use GUARDED_BY(mu);
  };

  // The slot of `partition`, or nullptr. Slots live as long as the head.
  const PartitionSlot* Slot(uint32_t partition) const EXCLUDES(mu_);

  mutable base::SharedMutex mu_;
  store::SeriesIndex series_ GUARDED_BY(mu_);
  std::vector<std::unique_ptr<PartitionSlot>> partitions_ GUARDED_BY(mu_);
  std::vector<std::string> partition_names_ GUARDED_BY(mu_);
  std::map<std::string, uint32_t, std::less<>> partition_by_service_ GUARDED_BY(mu_);
  std::vector<ProfileRow> rows_ GUARDED_BY(mu_);
  std::vector<std::vector<uint32_t>> rows_by_series_ GUARDED_BY(mu_);  // Row indexes by time.
  store::TimeRange range_ GUARDED_BY(mu_) = {INT64_MAX, INT64_MIN};
  uint64_t samples_ GUARDED_BY(mu_) = 0;
  size_t row_bytes_ GUARDED_BY(mu_) = 0;  // Rows and their indexes; packed bytes are in arena_.
  // The rows' packed samples, 98% of a head's memory: returned to the kernel with the head.
  base::ChunkArena arena_ GUARDED_BY(mu_);
};

// The labels Pyroscope adds per sample type (spec §2.4.8).
model::Labels SampleTypeSeriesLabels(const model::Labels& labels, const model::Profile& profile,
                                     size_t type);

}  // namespace flamedb::head
