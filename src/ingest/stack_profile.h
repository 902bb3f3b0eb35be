// Builds a pprof-shaped model::Profile from stacks of frame names: what the text and tree
// formats of /ingest carry. As Pyroscope does, every distinct frame name becomes one function and
// one location of a single synthetic mapping.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "model/profile.h"

namespace flamedb::ingest {

// Splits "root;frame;leaf" at ';' into `frames` (cleared first), keeping empty frames, which
// AddStack skips. Views point into `stack`.
void SplitFrames(std::string_view stack, std::vector<std::string_view>& frames);

// The sample type and timing of a profile made from stacks.
struct StackProfileType {
  std::string sample_type = "samples";
  std::string sample_unit = "count";
  std::string period_type = "";  // Empty: no period.
  std::string period_unit = "";
  int64_t period = 0;
  int64_t value_multiplier = 1;  // Counts times this are the stored values (cpu: the period).
  int64_t time_nanos = 0;
  int64_t duration_nanos = 0;
};

// Accumulates stacks into one profile. Frame names are kept as views: they must point into
// `storage` (given to the constructor) or otherwise outlive the profile. Not thread-safe.
class StackProfileBuilder {
 public:
  StackProfileBuilder(std::unique_ptr<const std::string> storage, const StackProfileType& type);

  // Adds the stack `frames_root_first` (empty frame names are skipped) with the value `count`
  // times the type's multiplier (cpu: the period). A stack seen before adds to its sample, so the
  // profile has one sample per distinct stack (the samples limit counts stacks, not lines, as
  // Pyroscope's tree merge does); such sums saturate at the int64 maximum. Errors:
  // kInvalidArgument when count times the multiplier overflows.
  // REQUIRES: count > 0 (the parsers skip zero counts and reject negative ones).
  Status AddStack(std::span<const std::string_view> frames_root_first, int64_t count);

  // As AddStack, for frame names in transient memory: new names are copied into the profile.
  Status AddStackCopy(std::span<const std::string_view> frames_root_first, int64_t count);

  size_t samples() const { return profile_.samples.size(); }

  model::Profile Build() &&;

 private:
  uint64_t LocationFor(std::string_view frame);
  Status Add(std::span<const std::string_view> frames_root_first, int64_t count, bool copy);

  model::Profile profile_;
  int64_t multiplier_;
  std::unordered_map<std::string_view, uint64_t> location_by_name_;
  std::unordered_map<std::string, uint32_t> sample_by_stack_;  // Key: the ids' bytes.
};

}  // namespace flamedb::ingest
