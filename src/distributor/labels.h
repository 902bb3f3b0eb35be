// Validation and sanitization of series labels (Pyroscope spec §2.4.3 "Label checks") and the
// `__session_id__` rule (§2.4.6).
#pragma once

#include <cstdint>

#include "base/status.h"
#include "model/labels.h"

namespace flamedb::distributor {

namespace reason {
inline constexpr std::string_view kMissingLabels = "missing_labels";
inline constexpr std::string_view kInvalidLabels = "invalid_labels";
inline constexpr std::string_view kMaxLabelNamesPerSeries = "max_label_names_per_series";
inline constexpr std::string_view kLabelNameTooLong = "label_name_too_long";
inline constexpr std::string_view kLabelValueTooLong = "label_value_too_long";
inline constexpr std::string_view kDuplicateLabelNames = "duplicate_label_names";
}  // namespace reason

struct LabelLimits {
  int64_t max_label_names_per_series = 30;
  int64_t max_label_name_length = 1024;
  int64_t max_label_value_length = 2048;
  int64_t max_sessions_per_series = 0;  // 0: __session_id__ is dropped.
};

// Checks `labels` in place: dots in names become underscores (a sanitized name that collides
// with an existing one of the same value is dropped); then count, lengths, name syntax
// ([A-Za-z_][A-Za-z0-9_]*), duplicates, UTF-8 values, a valid __name__ and a non-empty
// service_name. Errors: kInvalidArgument tagged with a reason:: name, in Pyroscope's words.
Status ValidateLabels(model::Labels& labels, const LabelLimits& limits);

// Applies the __session_id__ rule: dropped when max_sessions_per_series is 0 or the value is not
// 16 hex digits; otherwise replaced by (id mod max) as 16 hex digits.
void LimitSessionId(model::Labels& labels, int64_t max_sessions_per_series);

}  // namespace flamedb::distributor
