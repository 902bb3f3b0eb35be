#include "ingest/speedscope.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>

#include "ingest/legacy.h"
#include "ingest/stack_profile.h"

namespace flamedb::ingest {
namespace {

using nlohmann::json;

constexpr std::string_view kSchema = "https://www.speedscope.app/file-format-schema.json";

// Nanoseconds per unit for time units; 0 for the others.
double NanosPer(std::string_view unit) {
  if (unit == "nanoseconds") return 1;
  if (unit == "microseconds") return 1e3;
  if (unit == "milliseconds") return 1e6;
  if (unit == "seconds") return 1e9;
  return 0;
}

// obj[key] without copying, or null when absent (const operator[] must not see a missing key).
const json& Field(const json& obj, const char* key) {
  static const json kNull;
  if (!obj.is_object()) {
    return kNull;
  }
  const auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

std::string Text(const json& obj, const char* key, const char* fallback) {
  const json& v = Field(obj, key);
  return v.is_string() ? v.get<std::string>() : std::string(fallback);
}

Status Bad(std::string what) { return InvalidArgumentError("invalid speedscope file: " + std::move(what)); }

// Adds one weighted stack, the frame indexes root first.
Status AddWeighted(StackProfileBuilder& builder, const std::vector<std::string_view>& names,
                   const std::vector<size_t>& stack, double weight, double scale) {
  const double scaled = std::round(weight * scale);
  if (!(scaled >= 0) || scaled > 9.2e18) {
    return Bad("weight " + std::to_string(weight) + " is negative or too large");
  }
  if (scaled == 0 || stack.empty()) {
    return OkStatus();
  }
  std::vector<std::string_view> frames;
  frames.reserve(stack.size());
  for (size_t i : stack) {
    frames.push_back(names[i]);
  }
  return builder.AddStack(frames, static_cast<int64_t>(scaled));
}

Result<size_t> FrameIndex(const json& v, size_t frames) {
  if (!v.is_number_unsigned() || v.get<uint64_t>() >= frames) {
    return Bad("frame index " + v.dump() + " is not one of the " + std::to_string(frames) +
               " shared frames");
  }
  return static_cast<size_t>(v.get<uint64_t>());
}

Status AddSampled(StackProfileBuilder& builder, const json& p,
                  const std::vector<std::string_view>& names, double scale) {
  const json& samples = Field(p, "samples");
  const json& weights = Field(p, "weights");
  if (!samples.is_array() || !weights.is_array() || samples.size() != weights.size()) {
    return Bad("a sampled profile needs arrays samples and weights of equal length");
  }
  std::vector<size_t> stack;
  for (size_t i = 0; i < samples.size(); ++i) {
    if (!samples[i].is_array() || !weights[i].is_number()) {
      return Bad("sample " + std::to_string(i) + " is not a list of frame indexes with a weight");
    }
    stack.clear();
    for (const json& f : samples[i]) {
      FLAMEDB_ASSIGN_OR_RETURN(const size_t index, FrameIndex(f, names.size()));
      stack.push_back(index);
    }
    FLAMEDB_RETURN_IF_ERROR(AddWeighted(builder, names, stack, weights[i].get<double>(), scale));
  }
  return OkStatus();
}

// Evented: time between consecutive events belongs to the stack open at the time.
Status AddEvented(StackProfileBuilder& builder, const json& p,
                  const std::vector<std::string_view>& names, double scale) {
  const json& events = Field(p, "events");
  if (!events.is_array()) {
    return Bad("an evented profile needs an events array");
  }
  std::vector<size_t> stack;
  double last = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    const json& e = events[i];
    if (!e.is_object() || !e.contains("at") || !e["at"].is_number() || !e.contains("frame")) {
      return Bad("event " + std::to_string(i) + " needs at and frame");
    }
    const double at = e["at"].get<double>();
    if (i > 0 && at < last) {
      return Bad("event " + std::to_string(i) + " goes back in time");
    }
    if (i > 0) {
      FLAMEDB_RETURN_IF_ERROR(AddWeighted(builder, names, stack, at - last, scale));
    }
    last = at;
    FLAMEDB_ASSIGN_OR_RETURN(const size_t frame, FrameIndex(e["frame"], names.size()));
    const std::string type = Text(e, "type", "");
    if (type == "O") {
      stack.push_back(frame);
    } else if (type == "C") {
      if (stack.empty() || stack.back() != frame) {
        return Bad("event " + std::to_string(i) + " closes a frame that is not open");
      }
      stack.pop_back();
    } else {
      return Bad("event " + std::to_string(i) + " has type \"" + type + "\": want O or C");
    }
  }
  return OkStatus();
}

Result<std::vector<model::LabeledProfile>> Parse(std::string body, const ParsedName& name,
                                                 const SpeedscopeOptions& options) {
  auto storage = std::make_unique<const std::string>(std::move(body));
  const json doc = json::parse(*storage, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Bad("not a JSON object");
  }
  if (!doc.contains("$schema") || !doc["$schema"].is_string() || doc["$schema"] != kSchema) {
    return Bad("$schema must be " + std::string(kSchema));
  }
  const json& frames = Field(Field(doc, "shared"), "frames");
  const json& profiles = Field(doc, "profiles");
  if (!frames.is_array() || !profiles.is_array() || profiles.empty()) {
    return Bad("it needs shared.frames and a non-empty profiles array");
  }
  // Frame names are copied once into one buffer that the profiles' string views point into.
  std::vector<std::string> owned;
  for (const json& f : frames) {
    if (!f.is_object() || !f.contains("name") || !f["name"].is_string()) {
      return Bad("every shared frame needs a name");
    }
    owned.push_back(f["name"].get<std::string>());
  }
  std::vector<model::LabeledProfile> out;
  for (const json& p : profiles) {
    if (!p.is_object()) {
      return Bad("a profile is not an object");
    }
    const std::string unit = Text(p, "unit", "none");
    const std::string app = profiles.size() > 1 ? name.app + "." + unit : name.app;
    FLAMEDB_ASSIGN_OR_RETURN(TextTarget target, ResolveTextTarget(app, options.sample_rate));
    const double ns = NanosPer(unit);
    double scale = 1;
    if (ns > 0) {  // Time units: store nanoseconds directly, not counts of a period.
      scale = ns;
      target.type.value_multiplier = 1;
    }
    target.type.time_nanos = options.time_nanos;
    // Each profile keeps its own copy of the frame names (a profile owns its strings).
    auto names_storage = std::make_unique<std::string>();
    std::vector<size_t> offsets;
    for (const std::string& n : owned) {
      offsets.push_back(names_storage->size());
      names_storage->append(n);
    }
    std::vector<std::string_view> names;
    for (size_t i = 0; i < owned.size(); ++i) {
      names.push_back(std::string_view(*names_storage).substr(offsets[i], owned[i].size()));
    }
    StackProfileBuilder builder(std::move(names_storage), target.type);
    const std::string type = Text(p, "type", "");
    if (type == "sampled") {
      FLAMEDB_RETURN_IF_ERROR(AddSampled(builder, p, names, scale));
    } else if (type == "evented") {
      FLAMEDB_RETURN_IF_ERROR(AddEvented(builder, p, names, scale));
    } else {
      return Bad("profile type \"" + type + "\": want sampled or evented");
    }
    model::Labels labels = LegacySeriesLabels(name, target.service, target.metric, options.spy_name);
    labels.Set("profile_name", Text(p, "name", ""));
    out.push_back({std::move(labels), std::move(builder).Build(), storage->size(), storage->size()});
  }
  return out;
}

}  // namespace

Result<std::vector<model::LabeledProfile>> ParseSpeedscope(std::string body,
                                                           const ParsedName& name,
                                                           const SpeedscopeOptions& options) {
  try {
    return Parse(std::move(body), name, options);
  } catch (const json::exception& e) {
    // nlohmann reports type mismatches by throwing; this is the library's boundary.
    return Bad(e.what());
  }
}

}  // namespace flamedb::ingest
