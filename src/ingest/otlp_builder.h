// Builds one stored profile out of OTLP profiles (internal to the OTLP conversion). OTLP v1.10
// gives every profile one sample type, so a pprof with four sample types arrives as four OTLP
// profiles over the same stacks; the builder joins them again, one column per OTLP profile and
// one row per distinct (stack, attributes, link), so that what is stored (and validated and
// normalized) is one profile, as if it came as pprof.
//
// As pprof decoding does, the profile starts with the whole dictionary (its strings in one
// buffer; its mappings, locations and functions with ids = index + 1; its stacks' index lists as
// location ids) and normalization keeps what the samples reference. So rows need no lookups or
// copies: the dictionary was checked once (CheckDictionary).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "ingest/otlp_dictionary.h"
#include "model/profile.h"

namespace flamedb::ingest::otlp {

using SampleLabels = std::vector<std::pair<std::string, std::string>>;

// Errors of the conversion: kInvalidArgument, tag malformed_profile.
Status Bad(std::string what);

// `index` within `table`, else an error naming `what` and the table's size.
template <typename T>
Status InRange(const std::vector<T>& table, int64_t index, std::string_view what) {
  if (index >= 0 && static_cast<uint64_t>(index) < table.size()) return OkStatus();
  return Bad(std::string(what) + " index " + std::to_string(index) + " is out of range (the " +
             std::string(what) + " table has " + std::to_string(table.size()) + " entries)");
}

class Builder {
 public:
  // Period type and unit are dictionary string indexes; `d` passed CheckDictionary.
  Builder(const Dictionary& d, int64_t period_type, int64_t period_unit, int64_t period,
          int64_t time_nanos, int64_t duration_nanos);
  Builder(Builder&&) = default;

  bool HasType(std::string_view type, std::string_view unit) const;
  // Starts the column of the next OTLP profile; Add fills it.
  void AddColumn(std::string_view type, std::string_view unit);
  // Removes the last column (a profile that turned out broken): its rows stay with zero values,
  // which normalization drops.
  void DropLastColumn();
  size_t columns() const { return columns_.size(); }
  // Room for `rows` more rows.
  void Reserve(size_t rows);

  // Adds `value` to the last column, in the row of (stack, attributes, link); `labels` are that
  // row's sample labels, used when the row is new. Errors name the index out of range.
  Status Add(int64_t stack, std::span<const int64_t> attributes, int64_t link, int64_t value,
             const SampleLabels& labels);
  // Add for a sample without attributes, link or labels: the hot path, inline. False (and
  // nothing added) when the stack is out of range or the value overflows; Add then names it.
  bool AddPlain(int64_t stack, int64_t value) {
    if (stack < 0 || static_cast<uint64_t>(stack) >= row_by_stack_.size()) return false;
    int32_t& slot = row_by_stack_[static_cast<size_t>(stack)];
    if (slot < 0) slot = static_cast<int32_t>(NewRow(stack, {}));
    int64_t& cell = columns_.back()[static_cast<size_t>(slot)];
    int64_t sum = 0;
    if (__builtin_add_overflow(cell, value, &sum)) return false;
    cell = sum;
    return true;
  }

  model::Profile Build() &&;

 private:
  int64_t Str(std::string_view s);
  uint32_t NewRow(int64_t stack, const SampleLabels& labels);
  void CopyDictionary();

  const Dictionary& d_;
  model::Profile p_;  // Without values until Build: those are in columns_.
  std::vector<std::vector<int64_t>> columns_;  // Per column, per row.
  std::unordered_map<std::string_view, int64_t> strings_;  // Strings added after the dictionary.
  // Rows of samples without attributes or link, by stack index (-1: none yet); others by key.
  std::vector<int32_t> row_by_stack_;
  std::vector<bool> span_used_;  // Per stack: a row's locations are its span in location_ids.
  std::unordered_map<std::string, uint32_t> row_by_key_;
};

}  // namespace flamedb::ingest::otlp
