// The series of one tenant's head: label sets to dense series ids, and postings (label name ->
// value -> ids) for selecting series by labels (design §5 "head").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "model/labels.h"

namespace flamedb::store {

// Pyroscope's 429 for a push that would pass the active-series limit (tag "series_limit").
Status SeriesLimitError(size_t active, size_t max_series);

// The xxhash64 fingerprint of a label set (names and values, in their sorted order).
uint64_t Fingerprint(const model::Labels& labels);

// Append-only. Not thread-safe: the head serializes writers and gives readers snapshots.
class SeriesIndex {
 public:
  // The id of `labels`, creating the series when it is new.
  // Errors: kResourceExhausted with Pyroscope's message when a new series would pass
  // `max_series` (0: no limit).
  Result<uint32_t> GetOrCreate(const model::Labels& labels, size_t max_series = 0);

  // True if `labels` names an existing series.
  bool Contains(const model::Labels& labels) const;

  const model::Labels& labels(uint32_t id) const { return series_[id].labels; }
  size_t size() const { return series_.size(); }
  // An estimate of the bytes held (labels, fingerprints, postings).
  size_t MemoryBytes() const { return bytes_; }

  // The ids of series that have label `name` = `value`, ascending (ids only grow).
  const std::vector<uint32_t>& Postings(std::string_view name, std::string_view value) const;
  // Sorted label names, and the sorted values of one name.
  std::vector<std::string> LabelNames() const;
  std::vector<std::string> LabelValues(std::string_view name) const;

 private:
  struct Series {
    model::Labels labels;
    uint64_t fingerprint = 0;
  };
  std::vector<Series> series_;
  std::unordered_multimap<uint64_t, uint32_t> by_fingerprint_;
  std::map<std::string, std::map<std::string, std::vector<uint32_t>, std::less<>>, std::less<>>
      postings_;
  size_t bytes_ = 0;
};

}  // namespace flamedb::store
