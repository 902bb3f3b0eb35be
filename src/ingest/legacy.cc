#include "ingest/legacy.h"

#include <nlohmann/json.hpp>

#include <array>

namespace flamedb::ingest {
namespace {

struct SuffixEntry {
  std::string_view suffix;
  std::string_view metric;
  std::string_view sample_type;  // Empty: the suffix itself.
  std::string_view unit;
  bool timed;  // cpu/wall: counts become nanoseconds of the sampling period.
};

// Spec §2.2.4 suffix table.
constexpr std::array<SuffixEntry, 24> kSuffixes = {{
    {"cpu", "process_cpu", "cpu", "nanoseconds", true},
    {"itimer", "process_cpu", "cpu", "nanoseconds", true},
    {"wall", "wall", "wall", "nanoseconds", true},
    {"seconds", "wall", "wall", "nanoseconds", true},
    {"nanoseconds", "wall", "wall", "nanoseconds", true},
    {"microseconds", "wall", "wall", "nanoseconds", true},
    {"milliseconds", "wall", "wall", "nanoseconds", true},
    {"inuse_objects", "memory", "", "count", false},
    {"alloc_objects", "memory", "", "count", false},
    {"inuse_space", "memory", "", "bytes", false},
    {"alloc_space", "memory", "", "bytes", false},
    {"goroutines", "goroutine", "goroutines", "count", false},
    {"mutex_count", "mutex", "contentions", "count", false},
    {"mutex_duration", "mutex", "delay", "nanoseconds", false},
    {"block_count", "block", "contentions", "count", false},
    {"block_duration", "block", "delay", "nanoseconds", false},
    {"lock_count", "block", "contentions", "count", false},
    {"lock_duration", "block", "delay", "nanoseconds", false},
    {"alloc_in_new_tlab_objects", "memory", "", "count", false},
    {"alloc_in_new_tlab_bytes", "memory", "", "bytes", false},
    {"alloc_outside_tlab_objects", "memory", "", "count", false},
    {"alloc_outside_tlab_bytes", "memory", "", "bytes", false},
    {"live", "memory", "live", "count", false},
    {"exceptions", "exceptions", "samples", "count", false},
}};
constexpr SuffixEntry kBytesSuffix = {"bytes", "memory", "samples", "bytes", false};

const SuffixEntry* FindSuffix(std::string_view suffix) {
  if (suffix == kBytesSuffix.suffix) {
    return &kBytesSuffix;
  }
  for (const SuffixEntry& e : kSuffixes) {
    if (e.suffix == suffix) {
      return &e;
    }
  }
  return nullptr;
}

bool Contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

std::string_view BuiltinDisplayName(std::string_view type) {
  if (type == "samples") return "cpu";
  if (type == "goroutine") return "goroutines";
  if (type == "contentions") return "mutex_count";
  if (type == "delay") return "mutex_duration";
  return type;
}

}  // namespace

Result<TextTarget> ResolveTextTarget(std::string_view app, int64_t sample_rate) {
  const size_t dot = app.rfind('.');
  const std::string_view suffix = dot == std::string_view::npos ? "cpu" : app.substr(dot + 1);
  const SuffixEntry* entry = FindSuffix(suffix);
  if (entry == nullptr) {
    return InvalidArgumentError("unknown profile type: " + std::string(suffix) +
                                " (the part of name after the last dot selects the profile type: "
                                "cpu, wall, inuse_space, alloc_objects, goroutines, ...)");
  }
  if (sample_rate < 0 || sample_rate > 1000000000) {
    return InvalidArgumentError("sampleRate " + std::to_string(sample_rate) +
                                " is out of range: want 0 to 1000000000 Hz");
  }
  TextTarget t;
  t.service = std::string(dot == std::string_view::npos ? app : app.substr(0, dot));
  t.metric = std::string(entry->metric);
  t.type.sample_type = std::string(entry->sample_type.empty() ? suffix : entry->sample_type);
  t.type.sample_unit = std::string(entry->unit);
  if (entry->timed) {
    if (sample_rate == 0) {
      t.type.sample_type = "samples";
      t.type.sample_unit = "count";
    } else {
      t.type.period_type = "cpu";  // Also for wall, as Pyroscope stores it.
      t.type.period_unit = "nanoseconds";
      t.type.period = 1000000000 / sample_rate;
      t.type.value_multiplier = t.type.period;
    }
  }
  return t;
}

Result<SampleTypeConfigs> ParseSampleTypeConfig(std::string_view json) {
  const nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return InvalidArgumentError("sample_type_config is not a JSON object of sample types");
  }
  SampleTypeConfigs out;
  for (auto item = doc.begin(); item != doc.end(); ++item) {
    const std::string& type = item.key();
    const nlohmann::json& entry = item.value();
    if (!entry.is_object()) {
      return InvalidArgumentError("sample_type_config entry \"" + type + "\" is not an object");
    }
    SampleTypeConfig c;
    auto text = [&](const char* key) {
      const auto it = entry.find(key);
      return it != entry.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    c.units = text("units");
    c.display_name = text("display-name");
    c.aggregation = text("aggregation");
    const auto cumulative = entry.find("cumulative");
    c.cumulative = cumulative != entry.end() && cumulative->is_boolean() && cumulative->get<bool>();
    out.emplace(type, std::move(c));
  }
  return out;
}

std::string PprofMetricName(const model::Profile& p, const SampleTypeConfigs& configs) {
  for (const model::ValueType& vt : p.sample_types) {
    if (p.String(vt.type) == "wall") {
      return "wall";
    }
  }
  for (const model::ValueType& vt : p.sample_types) {
    const std::string_view type = p.String(vt.type);
    const auto config = configs.find(type);
    const std::string_view name = config != configs.end() && !config->second.display_name.empty()
                                      ? std::string_view(config->second.display_name)
                                      : BuiltinDisplayName(type);
    if (Contains(name, "cpu")) return "process_cpu";
    if (Contains(name, "alloc_") || Contains(name, "inuse_") || name == "space" ||
        name == "objects") {
      return "memory";
    }
    if (Contains(name, "mutex_")) return "mutex";
    if (Contains(name, "block_")) return "block";
    if (Contains(name, "goroutines")) return "goroutines";
  }
  return p.sample_types.empty() ? std::string("unknown")
                                : std::string(p.String(p.sample_types.back().type));
}

model::Labels LegacySeriesLabels(const ParsedName& name, std::string_view service,
                                 std::string_view metric, std::string_view spy_name) {
  std::vector<model::LabelPair> pairs;
  for (const model::LabelPair& l : name.labels) {
    if (l.name.rfind("__", 0) != 0 || l.name == model::kSessionIdLabel) {
      pairs.push_back(l);
    }
  }
  model::Labels labels(std::move(pairs));
  if (labels.Get(model::kServiceNameLabel).has_value()) {
    if (!labels.Get("app_name").has_value()) {
      labels.Set("app_name", service);
    }
  } else {
    labels.Set(model::kServiceNameLabel, service);
  }
  labels.Set(model::kMetricNameLabel, metric);
  labels.Set(model::kDeltaLabel, "false");
  labels.Set("pyroscope_spy", spy_name.empty() ? std::string_view("unknown") : spy_name);
  return labels;
}

}  // namespace flamedb::ingest
