#include "ingest/stack_profile.h"

#include <cstdint>

namespace flamedb::ingest {

void SplitFrames(std::string_view stack, std::vector<std::string_view>& frames) {
  frames.clear();
  size_t start = 0;
  while (true) {
    const size_t semi = stack.find(';', start);
    frames.push_back(stack.substr(start, semi - start));
    if (semi == std::string_view::npos) {
      return;
    }
    start = semi + 1;
  }
}

StackProfileBuilder::StackProfileBuilder(std::unique_ptr<const std::string> storage,
                                         const StackProfileType& type)
    : multiplier_(type.value_multiplier) {
  profile_.storage = std::move(storage);
  profile_.AddString("");
  profile_.sample_types.push_back(
      {profile_.AddString(type.sample_type), profile_.AddString(type.sample_unit)});
  if (!type.period_type.empty()) {
    profile_.period_type = {profile_.AddString(type.period_type),
                            profile_.AddString(type.period_unit)};
    profile_.period = type.period;
  }
  profile_.time_nanos = type.time_nanos;
  profile_.duration_nanos = type.duration_nanos;
  profile_.mappings.push_back({.id = 1});
}

uint64_t StackProfileBuilder::LocationFor(std::string_view frame) {
  auto [it, inserted] = location_by_name_.try_emplace(frame, 0);
  if (!inserted) {
    return it->second;
  }
  const uint64_t id = profile_.locations.size() + 1;
  profile_.string_table.push_back(frame);
  const auto name = static_cast<int64_t>(profile_.string_table.size() - 1);
  profile_.functions.push_back({.id = id, .name = name});
  profile_.locations.push_back(
      {.id = id, .mapping_id = 1, .lines = {static_cast<uint32_t>(profile_.lines.size()), 1}});
  profile_.lines.push_back({.function_id = id});
  it->second = id;
  return id;
}

Status StackProfileBuilder::AddStack(std::span<const std::string_view> frames_root_first,
                                     int64_t count) {
  return Add(frames_root_first, count, false);
}

Status StackProfileBuilder::AddStackCopy(std::span<const std::string_view> frames_root_first,
                                         int64_t count) {
  return Add(frames_root_first, count, true);
}

Status StackProfileBuilder::Add(std::span<const std::string_view> frames_root_first,
                                int64_t count, bool copy) {
  int64_t value = 0;
  if (__builtin_mul_overflow(count, multiplier_, &value)) {
    return InvalidArgumentError("value " + std::to_string(count) + " is too large");
  }
  model::Sample s;
  s.locations.begin = static_cast<uint32_t>(profile_.location_ids.size());
  // pprof stacks are leaf first.
  for (auto it = frames_root_first.rbegin(); it != frames_root_first.rend(); ++it) {
    if (it->empty()) {
      continue;
    }
    if (copy && !location_by_name_.count(*it)) {
      // Keep a stable copy; the map key and the string table then view the copy.
      profile_.owned_strings.emplace_back(*it);
      profile_.location_ids.push_back(LocationFor(profile_.owned_strings.back()));
    } else {
      profile_.location_ids.push_back(LocationFor(*it));
    }
  }
  s.locations.size = static_cast<uint32_t>(profile_.location_ids.size() - s.locations.begin);
  std::string key(reinterpret_cast<const char*>(profile_.location_ids.data() + s.locations.begin),
                  s.locations.size * sizeof(uint64_t));
  auto [it, inserted] =
      sample_by_stack_.try_emplace(std::move(key), static_cast<uint32_t>(profile_.samples.size()));
  if (!inserted) {
    profile_.location_ids.resize(s.locations.begin);  // Known stack: add to its sample.
    int64_t& sum = profile_.values[profile_.samples[it->second].values.begin];
    if (__builtin_add_overflow(sum, value, &sum)) {
      sum = INT64_MAX;  // Saturate, as normalization does when it merges samples.
    }
    return OkStatus();
  }
  s.values = {static_cast<uint32_t>(profile_.values.size()), 1};
  profile_.values.push_back(value);
  profile_.samples.push_back(s);
  return OkStatus();
}

model::Profile StackProfileBuilder::Build() && { return std::move(profile_); }

}  // namespace flamedb::ingest
