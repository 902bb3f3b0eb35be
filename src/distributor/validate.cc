#include "distributor/validate.h"

#include <ctime>

#include "base/strings.h"
#include "base/utf8.h"

namespace flamedb::distributor {
namespace {

Status Reject(std::string_view tag, std::string message) {
  return InvalidArgumentError(std::move(message)).WithTag(tag);
}

Status Malformed(std::string message) { return Reject(reason::kMalformedProfile, std::move(message)); }

std::string FormatTime(int64_t nanos) {
  const std::time_t secs = static_cast<std::time_t>(nanos / 1000000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t Nanos(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

Status CheckTime(model::Profile& p, const ProfileLimits& limits,
                 std::chrono::system_clock::time_point now, std::string_view series) {
  if (p.time_nanos == 0) {
    p.time_nanos = Nanos(now);
    return OkStatus();
  }
  const int64_t start = limits.reject_older_than.count() > 0
                            ? Nanos(now) - limits.reject_older_than.count()
                            : INT64_MIN;
  const int64_t end = limits.reject_newer_than.count() > 0
                          ? Nanos(now) + limits.reject_newer_than.count()
                          : INT64_MAX;
  if (p.time_nanos > start && p.time_nanos < end) {
    return OkStatus();
  }
  return Reject(reason::kNotInIngestionWindow,
                "profile with labels '" + std::string(series) +
                    "' is outside of ingestion window (profile timestamp: " +
                    FormatTime(p.time_nanos) + ", the ingestion window starts at " +
                    FormatTime(start) + " and ends at " + FormatTime(end) + ")");
}

// Sample count, per-sample labels, value counts, location ids; cuts deep stacks.
Status CheckSamples(model::Profile& p, const ProfileLimits& limits, std::string_view series) {
  const auto max_samples = static_cast<size_t>(limits.max_profile_stacktrace_samples);
  if (max_samples > 0 && p.samples.size() > max_samples) {
    return Reject(reason::kSamplesLimit,
                  "the profile with labels '" + std::string(series) +
                      "' exceeds the samples count limit (max_profile_stacktrace_samples, "
                      "actual: " + std::to_string(p.samples.size()) +
                      ", limit: " + std::to_string(max_samples) + ")");
  }
  const auto max_labels = static_cast<uint32_t>(limits.max_profile_stacktrace_sample_labels);
  const auto max_depth = static_cast<uint32_t>(limits.max_profile_stacktrace_depth);
  for (model::Sample& s : p.samples) {
    if (max_labels > 0 && s.labels.size > max_labels) {
      return Reject(reason::kSampleLabelsLimit,
                    "the profile with labels '" + std::string(series) +
                        "' exceeds the sample labels limit (max_profile_stacktrace_sample_labels"
                        ", actual: " + std::to_string(s.labels.size) +
                        ", limit: " + std::to_string(max_labels) + ")");
    }
    if (s.values.size != p.sample_types.size()) {
      return Malformed("sample value length mismatch: a sample has " +
                       std::to_string(s.values.size) + " values for " +
                       std::to_string(p.sample_types.size()) + " sample types");
    }
    if (max_depth > 0 && s.locations.size > max_depth) {
      s.locations.size = max_depth;  // Leaf first: the leaf-most frames stay.
    }
    // Sample location ids of 0 are found by NormalizeProfile, which walks every id anyway.
  }
  return OkStatus();
}

Status CheckIndex(const model::Profile& p, int64_t index, std::string_view what) {
  if (index < 0 || static_cast<uint64_t>(index) >= p.string_table.size()) {
    return Malformed(std::string(what) + " string index out of range: " + std::to_string(index) +
                     " (the string table has " + std::to_string(p.string_table.size()) +
                     " entries)");
  }
  return OkStatus();
}

Status CheckReferences(const model::Profile& p) {
  for (size_t i = 0; i < p.sample_types.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (p.String(p.sample_types[i].type) == p.String(p.sample_types[j].type) &&
          p.String(p.sample_types[i].unit) == p.String(p.sample_types[j].unit)) {
        return Malformed("duplicate sample type " + std::string(p.String(p.sample_types[i].type)) +
                         ":" + std::string(p.String(p.sample_types[i].unit)) +
                         ": the profile type would be ambiguous");
      }
    }
  }
  for (const model::ValueType& vt : p.sample_types) {
    FLAMEDB_RETURN_IF_ERROR(CheckIndex(p, vt.type, "sample type"));
    FLAMEDB_RETURN_IF_ERROR(CheckIndex(p, vt.unit, "sample unit"));
    if (p.string_table[vt.type].find('-') != std::string_view::npos) {
      return Malformed("sample type contains -: \"" + std::string(p.string_table[vt.type]) + "\"");
    }
  }
  FLAMEDB_RETURN_IF_ERROR(CheckIndex(p, p.period_type.type, "period type"));
  FLAMEDB_RETURN_IF_ERROR(CheckIndex(p, p.period_type.unit, "period unit"));
  for (const model::Label& l : p.labels) {
    FLAMEDB_RETURN_IF_ERROR(CheckIndex(p, l.key, "sample label key"));
    FLAMEDB_RETURN_IF_ERROR(CheckIndex(p, l.str, "sample label value"));
    FLAMEDB_RETURN_IF_ERROR(CheckIndex(p, l.num_unit, "sample label unit"));
  }
  for (const model::Function& f : p.functions) {
    if (f.id == 0) {
      return Malformed("function id is 0");
    }
    FLAMEDB_RETURN_IF_ERROR(CheckIndex(p, f.name, "function name"));
    FLAMEDB_RETURN_IF_ERROR(CheckIndex(p, f.system_name, "function system name"));
    FLAMEDB_RETURN_IF_ERROR(CheckIndex(p, f.filename, "function filename"));
  }
  for (const model::Mapping& m : p.mappings) {
    FLAMEDB_RETURN_IF_ERROR(CheckIndex(p, m.filename, "mapping filename"));
    FLAMEDB_RETURN_IF_ERROR(CheckIndex(p, m.build_id, "mapping build id"));
  }
  for (const model::Location& loc : p.locations) {
    if (loc.id == 0) {
      return Malformed("location id is 0");
    }
  }
  return OkStatus();
}

// Cuts long strings (a view change: no copy) and checks UTF-8.
Status CheckStrings(model::Profile& p, const ProfileLimits& limits) {
  const auto max_len = static_cast<size_t>(limits.max_profile_symbol_value_length);
  for (std::string_view& s : p.string_table) {
    if (max_len > 0 && s.size() > max_len) {
      s = base::Utf8Tail(s, max_len);
    }
    if (!base::IsValidUtf8(s)) {
      return Malformed("invalid utf8 string hex: " + base::HexEncode(s.substr(0, 64)));
    }
  }
  return OkStatus();
}

}  // namespace

Status ValidateProfile(model::Profile& p, const ProfileLimits& limits,
                       std::chrono::system_clock::time_point now, std::string_view series) {
  if (p.sample_types.empty()) {
    return Malformed("empty profile: it has no sample types");
  }
  if (p.string_table.empty() || !p.string_table[0].empty()) {
    return Malformed("string 0 should be empty string");
  }
  if (p.received) {  // The truncations below happen again at replay with the same limits.
    p.received->max_stack_depth = limits.max_profile_stacktrace_depth;
    p.received->max_symbol_length = limits.max_profile_symbol_value_length;
  }
  FLAMEDB_RETURN_IF_ERROR(CheckTime(p, limits, now, series));
  FLAMEDB_RETURN_IF_ERROR(CheckSamples(p, limits, series));
  FLAMEDB_RETURN_IF_ERROR(CheckReferences(p));
  return CheckStrings(p, limits);
}

}  // namespace flamedb::distributor
