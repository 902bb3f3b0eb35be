// Series labels: a set of name/value pairs kept sorted by name, rendered Prometheus-style.
#pragma once

#include <compare>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flamedb::model {

struct LabelPair {
  std::string name;
  std::string value;
  friend bool operator==(const LabelPair&, const LabelPair&) = default;
};

// Names with a special meaning (Pyroscope's).
inline constexpr std::string_view kMetricNameLabel = "__name__";
inline constexpr std::string_view kServiceNameLabel = "service_name";
inline constexpr std::string_view kProfileTypeLabel = "__profile_type__";
// The pprof sample label that links a sample to a trace span (spec §2.4.5).
inline constexpr std::string_view kSpanIdLabel = "span_id";

// A span id written as 16 hex digits (OpenTelemetry's form), or nullopt for any other text.
std::optional<uint64_t> ParseSpanId(std::string_view hex);
// 16 lower-case hex digits: the inverse of ParseSpanId.
std::string FormatSpanId(uint64_t id);

// The pprof sample label that names a sample's trace (Pyroscope's "trace_id"; OTLP links carry
// it too). Kept with the samples, never a series label.
inline constexpr std::string_view kTraceIdLabel = "trace_id";

// A 128-bit trace id, `hi` holding the first 8 bytes of its 32-hex-digit form. All zero: none
// (OpenTelemetry's invalid trace id).
struct TraceId {
  uint64_t hi = 0;
  uint64_t lo = 0;
  bool empty() const { return hi == 0 && lo == 0; }
  friend auto operator<=>(const TraceId&, const TraceId&) = default;
};

// A trace id written as 32 hex digits, or nullopt for any other text.
std::optional<TraceId> ParseTraceId(std::string_view hex);
// 32 lower-case hex digits: the inverse of ParseTraceId.
std::string FormatTraceId(TraceId id);
inline constexpr std::string_view kDeltaLabel = "__delta__";
inline constexpr std::string_view kSessionIdLabel = "__session_id__";

// A label set sorted by name. Duplicate names may exist only before validation has rejected
// them; Set() keeps names unique.
class Labels {
 public:
  Labels() = default;
  // Sorts `pairs` by name (stable, so duplicates keep their order for validation to report).
  explicit Labels(std::vector<LabelPair> pairs);
  Labels(std::initializer_list<LabelPair> pairs) : Labels(std::vector<LabelPair>(pairs)) {}

  std::optional<std::string_view> Get(std::string_view name) const;
  // Sets `name` to `value`, replacing every existing value of it.
  void Set(std::string_view name, std::string_view value);
  void Delete(std::string_view name);

  const std::vector<LabelPair>& pairs() const { return pairs_; }
  std::vector<LabelPair>& mutable_pairs() { return pairs_; }
  size_t size() const { return pairs_.size(); }
  bool empty() const { return pairs_.empty(); }

  // `{a="b", c="d"}`, with Go-style escaping of values, as Pyroscope prints labels in errors.
  std::string ToString() const;

  friend bool operator==(const Labels&, const Labels&) = default;

 private:
  std::vector<LabelPair> pairs_;
};

}  // namespace flamedb::model
