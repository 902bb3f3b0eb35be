// Builds model::Profile values by frame name for tests, the way a profiler would: one function
// and one location per distinct frame, all in mapping 1.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model/profile.h"

namespace flamedb::testing {

class ProfileBuilder {
 public:
  ProfileBuilder() { Str(""); }

  ProfileBuilder& SampleType(const std::string& type, const std::string& unit) {
    profile_.sample_types.push_back({Str(type), Str(unit)});
    return *this;
  }
  ProfileBuilder& Period(const std::string& type, const std::string& unit, int64_t period) {
    profile_.period_type = {Str(type), Str(unit)};
    profile_.period = period;
    return *this;
  }
  ProfileBuilder& TimeNanos(int64_t t) {
    profile_.time_nanos = t;
    return *this;
  }
  // `stack` is leaf first, as in pprof.
  ProfileBuilder& Sample(const std::vector<std::string>& stack, const std::vector<int64_t>& values,
                         const std::vector<std::pair<std::string, std::string>>& labels = {}) {
    model::Sample s;
    s.locations.begin = static_cast<uint32_t>(profile_.location_ids.size());
    for (const std::string& frame : stack) {
      profile_.location_ids.push_back(Location(frame));
    }
    s.locations.size = static_cast<uint32_t>(stack.size());
    s.values.begin = static_cast<uint32_t>(profile_.values.size());
    profile_.values.insert(profile_.values.end(), values.begin(), values.end());
    s.values.size = static_cast<uint32_t>(values.size());
    s.labels.begin = static_cast<uint32_t>(profile_.labels.size());
    for (const auto& [k, v] : labels) {
      profile_.labels.push_back({Str(k), Str(v), 0, 0});
    }
    s.labels.size = static_cast<uint32_t>(labels.size());
    profile_.samples.push_back(s);
    return *this;
  }
  // A sample label with a numeric value, on the last sample.
  ProfileBuilder& NumericLabel(const std::string& key, int64_t num) {
    profile_.labels.push_back({Str(key), 0, num, 0});
    profile_.samples.back().labels.size++;
    return *this;
  }

  model::Profile Build() {
    if (profile_.mappings.empty()) {
      profile_.mappings.push_back({.id = 1, .filename = Str("app"), .has_functions = true});
    }
    return std::move(profile_);
  }
  model::Profile& profile() { return profile_; }

  int64_t Str(const std::string& s) {
    auto [it, inserted] = strings_.try_emplace(s, 0);
    if (inserted) {
      it->second = profile_.AddString(s);
    }
    return it->second;
  }

 private:
  uint64_t Location(const std::string& frame) {
    auto [it, inserted] = locations_.try_emplace(frame, 0);
    if (inserted) {
      const uint64_t id = locations_.size();
      profile_.functions.push_back({.id = id, .name = Str(frame), .filename = Str(frame + ".go")});
      profile_.locations.push_back({.id = id, .mapping_id = 1, .address = 0x1000 + id,
                                    .lines = {static_cast<uint32_t>(profile_.lines.size()), 1}});
      profile_.lines.push_back({.function_id = id, .line = 1});
      it->second = id;
    }
    return it->second;
  }

  model::Profile profile_;
  std::map<std::string, int64_t> strings_;
  std::map<std::string, uint64_t> locations_;
};

}  // namespace flamedb::testing
