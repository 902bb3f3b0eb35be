#include "store/series_index.h"

#include <xxhash.h>

namespace flamedb::store {

uint64_t Fingerprint(const model::Labels& labels) {
  XXH64_state_t* state = XXH64_createState();
  XXH64_reset(state, 0);
  static constexpr char kSep = '\xff';  // Not valid UTF-8, so it cannot occur in names/values.
  for (const model::LabelPair& p : labels.pairs()) {
    XXH64_update(state, p.name.data(), p.name.size());
    XXH64_update(state, &kSep, 1);
    XXH64_update(state, p.value.data(), p.value.size());
    XXH64_update(state, &kSep, 1);
  }
  const uint64_t h = XXH64_digest(state);
  XXH64_freeState(state);
  return h;
}

Status SeriesLimitError(size_t active, size_t max_series) {
  return ResourceExhaustedError(
             "Maximum active series limit exceeded (" + std::to_string(active) + "/" +
             std::to_string(max_series) +
             "), reduce the number of active streams (reduce labels or reduce label values), or "
             "contact your administrator to see if the limit can be increased")
      .WithTag("series_limit");
}

bool SeriesIndex::Contains(const model::Labels& labels) const {
  const auto [begin, end] = by_fingerprint_.equal_range(Fingerprint(labels));
  for (auto it = begin; it != end; ++it) {
    if (series_[it->second].labels == labels) {
      return true;
    }
  }
  return false;
}

Result<uint32_t> SeriesIndex::GetOrCreate(const model::Labels& labels, size_t max_series) {
  const uint64_t fp = Fingerprint(labels);
  const auto [begin, end] = by_fingerprint_.equal_range(fp);
  for (auto it = begin; it != end; ++it) {
    if (series_[it->second].labels == labels) {
      return it->second;
    }
  }
  if (max_series > 0 && series_.size() >= max_series) {
    return store::SeriesLimitError(series_.size(), max_series);
  }
  const auto id = static_cast<uint32_t>(series_.size());
  series_.push_back({labels, fp});
  by_fingerprint_.emplace(fp, id);
  bytes_ += sizeof(Series) + 48;  // The series and its fingerprint map node.
  for (const model::LabelPair& p : labels.pairs()) {
    postings_[p.name][p.value].push_back(id);
    bytes_ += sizeof(model::LabelPair) + p.name.size() + p.value.size() + sizeof(uint32_t);
  }
  return id;
}

const std::vector<uint32_t>& SeriesIndex::Postings(std::string_view name,
                                                   std::string_view value) const {
  static const std::vector<uint32_t> kNone;
  const auto n = postings_.find(name);
  if (n == postings_.end()) {
    return kNone;
  }
  const auto v = n->second.find(value);
  return v == n->second.end() ? kNone : v->second;
}

std::vector<std::string> SeriesIndex::LabelNames() const {
  std::vector<std::string> out;
  for (const auto& [name, values] : postings_) {
    out.push_back(name);
  }
  return out;
}

std::vector<std::string> SeriesIndex::LabelValues(std::string_view name) const {
  std::vector<std::string> out;
  const auto n = postings_.find(name);
  if (n != postings_.end()) {
    for (const auto& [value, ids] : n->second) {
      out.push_back(value);
    }
  }
  return out;
}

}  // namespace flamedb::store
