#include "distributor/labels.h"

#include <algorithm>
#include <cstdio>

#include "base/utf8.h"

namespace flamedb::distributor {
namespace {

Status Reject(std::string_view tag, std::string message) {
  return InvalidArgumentError(std::move(message)).WithTag(tag);
}

bool ValidName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Rewrites dots in names to underscores; drops a rewritten label that repeats an existing one.
Status Sanitize(model::Labels& labels, const std::string& shown) {
  std::vector<model::LabelPair> out;
  for (model::LabelPair& p : labels.mutable_pairs()) {
    if (p.name.find('.') == std::string::npos) {
      out.push_back(std::move(p));
      continue;
    }
    std::string sanitized = p.name;
    std::replace(sanitized.begin(), sanitized.end(), '.', '_');
    const std::optional<std::string_view> existing = labels.Get(sanitized);
    if (existing.has_value() && *existing != p.value) {
      return Reject(reason::kDuplicateLabelNames,
                    "profile with labels '" + shown + "' has duplicate label name '" + sanitized +
                        "' after label name sanitization from '" + p.name + "'");
    }
    if (!existing.has_value()) {
      out.push_back({std::move(sanitized), std::move(p.value)});
    }
  }
  labels = model::Labels(std::move(out));
  return OkStatus();
}

Status CheckPair(const model::LabelPair& p, const LabelLimits& limits, const std::string& shown) {
  if (static_cast<int64_t>(p.name.size()) > limits.max_label_name_length) {
    return Reject(reason::kLabelNameTooLong, "profile with labels '" + shown +
                                                 "' has label name too long: '" + p.name + "'");
  }
  if (static_cast<int64_t>(p.value.size()) > limits.max_label_value_length) {
    return Reject(reason::kLabelValueTooLong, "profile with labels '" + shown +
                                                  "' has label value too long: '" + p.value + "'");
  }
  if (!ValidName(p.name)) {
    return Reject(reason::kInvalidLabels, "invalid labels '" + shown +
                                              "' with error: invalid label name '" + p.name + "'");
  }
  if (!base::IsValidUtf8(p.value)) {
    return Reject(reason::kInvalidLabels, "invalid labels '" + shown +
                                              "' with error: invalid label value for '" + p.name +
                                              "': not valid UTF-8");
  }
  return OkStatus();
}

}  // namespace

Status ValidateLabels(model::Labels& labels, const LabelLimits& limits) {
  const std::string shown = labels.ToString();
  if (labels.empty()) {
    return Reject(reason::kMissingLabels, "error at least one label pair is required per profile");
  }
  FLAMEDB_RETURN_IF_ERROR(Sanitize(labels, shown));
  if (static_cast<int64_t>(labels.size()) > limits.max_label_names_per_series) {
    return Reject(reason::kMaxLabelNamesPerSeries,
                  "profile series '" + shown + "' has " + std::to_string(labels.size()) +
                      " label names; limit " + std::to_string(limits.max_label_names_per_series));
  }
  const auto& pairs = labels.pairs();
  for (size_t i = 0; i < pairs.size(); ++i) {
    FLAMEDB_RETURN_IF_ERROR(CheckPair(pairs[i], limits, shown));
    if (i > 0 && pairs[i].name == pairs[i - 1].name) {
      return Reject(reason::kDuplicateLabelNames, "profile with labels '" + shown +
                                                      "' has duplicate label name: '" +
                                                      pairs[i].name + "'");
    }
  }
  const std::optional<std::string_view> metric = labels.Get(model::kMetricNameLabel);
  if (!metric.has_value() || metric->empty()) {
    return Reject(reason::kInvalidLabels,
                  "invalid labels '" + shown + "' with error: invalid metric name");
  }
  const std::optional<std::string_view> service = labels.Get(model::kServiceNameLabel);
  if (!service.has_value() || service->empty()) {
    return Reject(reason::kInvalidLabels,
                  "invalid labels '" + shown + "' with error: service name is not provided");
  }
  return OkStatus();
}

void LimitSessionId(model::Labels& labels, int64_t max_sessions_per_series) {
  const std::optional<std::string_view> value = labels.Get(model::kSessionIdLabel);
  if (!value.has_value()) {
    return;
  }
  // 16 hex digits are 8 bytes of a little-endian id, as Pyroscope reads them.
  auto digit = [](char c) {
    return (c >= '0' && c <= '9')   ? c - '0'
           : (c >= 'a' && c <= 'f') ? c - 'a' + 10
           : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                    : -1;
  };
  uint64_t id = 0;
  bool valid = value->size() == 16;
  for (size_t i = 0; valid && i < 8; ++i) {
    const int hi = digit((*value)[2 * i]);
    const int lo = digit((*value)[2 * i + 1]);
    valid = hi >= 0 && lo >= 0;
    id |= static_cast<uint64_t>(hi << 4 | lo) << (8 * i);
  }
  if (max_sessions_per_series <= 0 || !valid) {
    labels.Delete(model::kSessionIdLabel);
    return;
  }
  id %= static_cast<uint64_t>(max_sessions_per_series);
  char buf[17];
  for (size_t i = 0; i < 8; ++i) {
    std::snprintf(buf + 2 * i, 3, "%02x", static_cast<unsigned>((id >> (8 * i)) & 0xff));
  }
  labels.Set(model::kSessionIdLabel, buf);
}

}  // namespace flamedb::distributor
