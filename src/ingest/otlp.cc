#include "ingest/otlp.h"

#include <map>
#include <unordered_map>

#include "ingest/otlp_dictionary.h"

namespace flamedb::ingest {
namespace {

using otlp::Dictionary;
using pprof::ForEachField;
using pprof::WireReader;
using pprof::WireType;

constexpr std::string_view kServiceName = "service.name";
constexpr int64_t kDefaultDurationNanos = 10'000'000'000;

Status Bad(std::string what) {
  return InvalidArgumentError(std::move(what)).WithTag("malformed_profile");
}

// Label names: OTLP's dots become underscores, as Pyroscope's label validation would.
std::string LabelName(std::string_view key) {
  std::string out(key);
  for (char& c : out) c = c == '.' ? '_' : c;
  return out;
}

// The repeated KeyValue of a Resource (field 1) or InstrumentationScope (field 3), in order.
bool KeyValues(std::string_view message, uint32_t field,
               std::vector<std::pair<std::string_view, otlp::Value>>& out) {
  return ForEachField(message, [&](uint32_t f, WireType t, WireReader& r) {
    std::string_view kv;
    if (f != field || t != WireType::kLengthDelimited || !r.ReadLengthDelimited(kv)) return false;
    std::pair<std::string_view, otlp::Value> entry;
    const bool ok = ForEachField(kv, [&](uint32_t kf, WireType kt, WireReader& kr) {
      std::string_view bytes;
      if ((kf != 1 && kf != 2) || kt != WireType::kLengthDelimited) return false;
      if (!kr.ReadLengthDelimited(bytes)) return true;
      if (kf == 1) entry.first = bytes;
      if (kf == 2 && !otlp::ParseValue(bytes, entry.second)) kr.Skip(WireType::kStartGroup);
      return true;
    });
    if (!ok) r.Skip(WireType::kStartGroup);
    out.push_back(entry);
    return true;
  });
}

// What a profile is stored as: its metric name, sample type, and the factor of its values.
struct Kind {
  std::string name;
  std::string_view type, unit;
  int64_t multiplier = 1;
};

// The OTLP Profile's header fields and its samples (unparsed).
struct ProfileHeader {
  bool has_sample_type = false;
  int64_t type = 0, unit = 0, period_type = 0, period_unit = 0, period = 0;
  uint64_t time = 0, duration = 0;
  std::vector<std::string_view> samples;
};

bool ValueType(WireType t, WireReader& r, int64_t& type, int64_t& unit) {
  std::string_view bytes;
  return t == WireType::kLengthDelimited && r.ReadLengthDelimited(bytes) &&
         ForEachField(bytes, [&](uint32_t f, WireType vt, WireReader& vr) {
           uint64_t v = 0;
           if ((f != 1 && f != 2) || vt != WireType::kVarint) return false;
           if (vr.ReadVarint(v)) (f == 1 ? type : unit) = static_cast<int64_t>(v);
           return true;
         });
}

bool ParseProfileHeader(std::string_view bytes, ProfileHeader& h) {
  return ForEachField(bytes, [&](uint32_t f, WireType t, WireReader& r) {
    uint64_t v = 0;
    std::string_view s;
    switch (f) {
      case 1:
        h.has_sample_type = true;
        return ValueType(t, r, h.type, h.unit) || (r.Skip(WireType::kStartGroup), true);
      case 2:
        if (t != WireType::kLengthDelimited) return false;
        if (r.ReadLengthDelimited(s)) h.samples.push_back(s);
        return true;
      case 3:
        return t == WireType::kFixed64 && r.ReadFixed64(h.time);
      case 4:
        return t == WireType::kVarint && r.ReadVarint(h.duration);
      case 5:
        return ValueType(t, r, h.period_type, h.period_unit) || (r.Skip(WireType::kStartGroup), true);
      case 6:
        return t == WireType::kVarint && r.ReadVarint(v) && (h.period = static_cast<int64_t>(v), true);
      default:
        return false;
    }
  });
}

// One output profile: the samples of one service of one OTLP profile, with functions, locations
// and mappings copied from the dictionary as its stacks reach them.
class Builder {
 public:
  Builder(const Dictionary& d, const ProfileHeader& h, const Kind& kind, int64_t time_nanos)
      : d_(d) {
    Str("");
    p_.sample_types.push_back({Str(kind.type), Str(kind.unit)});
    p_.period_type = {Str(d.strings[h.period_type]), Str(d.strings[h.period_unit])};
    p_.period = h.period;
    p_.time_nanos = time_nanos;
    p_.duration_nanos = h.duration > 0 ? static_cast<int64_t>(h.duration) : kDefaultDurationNanos;
  }

  int64_t Str(std::string_view s) {
    auto it = strings_.find(s);
    if (it != strings_.end()) return it->second;
    const int64_t index = p_.AddString(std::string(s));
    strings_.emplace(p_.string_table.back(), index);
    return index;
  }

  // Adds a sample; `stack` is a stack_table index. Errors name the index out of range.
  Status Add(int64_t stack, int64_t value, const std::vector<std::pair<std::string, std::string>>& labels);

  model::Profile Build() && { return std::move(p_); }

 private:
  Result<uint64_t> LocationId(int64_t index);
  Result<uint64_t> FunctionId(int64_t index);
  Result<uint64_t> MappingId(int64_t index);
  Result<int64_t> DictStr(int64_t index, std::string_view what) {
    if (index < 0 || static_cast<uint64_t>(index) >= d_.strings.size()) {
      return Bad(std::string(what) + " string index " + std::to_string(index) + " is out of range");
    }
    return Str(d_.strings[static_cast<size_t>(index)]);
  }

  const Dictionary& d_;
  model::Profile p_;
  std::unordered_map<std::string_view, int64_t> strings_;
  std::unordered_map<int64_t, uint64_t> locations_, functions_, mappings_;
};

template <typename T>
Status InRange(const std::vector<T>& table, int64_t index, std::string_view what) {
  if (index >= 0 && static_cast<uint64_t>(index) < table.size()) return OkStatus();
  return Bad(std::string(what) + " index " + std::to_string(index) + " is out of range (the " +
             std::string(what) + " table has " + std::to_string(table.size()) + " entries)");
}

Result<uint64_t> Builder::MappingId(int64_t index) {
  if (d_.mappings.empty() && index == 0) return uint64_t{0};  // No mappings at all.
  FLAMEDB_RETURN_IF_ERROR(InRange(d_.mappings, index, "mapping"));
  if (auto it = mappings_.find(index); it != mappings_.end()) return it->second;
  const otlp::Mapping& m = d_.mappings[static_cast<size_t>(index)];
  model::Mapping out;
  out.id = p_.mappings.size() + 1;
  out.memory_start = m.memory_start;
  out.memory_limit = m.memory_limit;
  out.file_offset = m.file_offset;
  FLAMEDB_ASSIGN_OR_RETURN(out.filename, DictStr(m.filename, "mapping filename"));
  for (uint32_t i = 0; i < m.attributes.size; ++i) {
    const int64_t a = d_.indexes[m.attributes.begin + i];
    FLAMEDB_RETURN_IF_ERROR(InRange(d_.attributes, a, "attribute"));
    const otlp::Attribute& attr = d_.attributes[static_cast<size_t>(a)];
    FLAMEDB_RETURN_IF_ERROR(InRange(d_.strings, attr.key, "attribute key string"));
    if (d_.strings[static_cast<size_t>(attr.key)] == "process.executable.build_id.gnu") {
      out.build_id = Str(attr.value.Text());
    }
  }
  out.has_functions = out.has_filenames = out.has_line_numbers = out.has_inline_frames = true;
  p_.mappings.push_back(out);
  return mappings_[index] = out.id;
}

Result<uint64_t> Builder::FunctionId(int64_t index) {
  FLAMEDB_RETURN_IF_ERROR(InRange(d_.functions, index, "function"));
  if (auto it = functions_.find(index); it != functions_.end()) return it->second;
  const otlp::Function& f = d_.functions[static_cast<size_t>(index)];
  model::Function out;
  out.id = p_.functions.size() + 1;
  FLAMEDB_ASSIGN_OR_RETURN(out.name, DictStr(f.name, "function name"));
  FLAMEDB_ASSIGN_OR_RETURN(out.system_name, DictStr(f.system_name, "function system name"));
  FLAMEDB_ASSIGN_OR_RETURN(out.filename, DictStr(f.filename, "function filename"));
  out.start_line = f.start_line;
  p_.functions.push_back(out);
  return functions_[index] = out.id;
}

Result<uint64_t> Builder::LocationId(int64_t index) {
  FLAMEDB_RETURN_IF_ERROR(InRange(d_.locations, index, "location"));
  if (auto it = locations_.find(index); it != locations_.end()) return it->second;
  const otlp::Location& l = d_.locations[static_cast<size_t>(index)];
  model::Location out;
  out.id = p_.locations.size() + 1;
  FLAMEDB_ASSIGN_OR_RETURN(out.mapping_id, MappingId(l.mapping));
  out.address = l.address;
  out.lines.begin = static_cast<uint32_t>(p_.lines.size());
  for (uint32_t i = 0; i < l.lines.size; ++i) {
    const otlp::Line& line = d_.lines[l.lines.begin + i];
    FLAMEDB_ASSIGN_OR_RETURN(const uint64_t fn, FunctionId(line.function));
    p_.lines.push_back({fn, line.line, 0});
  }
  out.lines.size = l.lines.size;
  p_.locations.push_back(out);
  return locations_[index] = out.id;
}

Status Builder::Add(int64_t stack, int64_t value,
                    const std::vector<std::pair<std::string, std::string>>& labels) {
  FLAMEDB_RETURN_IF_ERROR(InRange(d_.stacks, stack, "stack"));
  const model::Span span = d_.stacks[static_cast<size_t>(stack)];
  model::Sample s;
  s.locations.begin = static_cast<uint32_t>(p_.location_ids.size());
  for (uint32_t i = 0; i < span.size; ++i) {
    FLAMEDB_ASSIGN_OR_RETURN(const uint64_t id, LocationId(d_.indexes[span.begin + i]));
    p_.location_ids.push_back(id);
  }
  s.locations.size = span.size;
  s.values = {static_cast<uint32_t>(p_.values.size()), 1};
  p_.values.push_back(value);
  s.labels = {static_cast<uint32_t>(p_.labels.size()), static_cast<uint32_t>(labels.size())};
  for (const auto& [k, v] : labels) p_.labels.push_back({Str(k), Str(v), 0, 0});
  p_.samples.push_back(s);
  return OkStatus();
}

Result<Kind> KindOf(const Dictionary& d, const ProfileHeader& h) {
  if (!h.has_sample_type) return Bad("the profile has no sample_type");
  for (const int64_t i : {h.type, h.unit, h.period_type, h.period_unit}) {
    FLAMEDB_RETURN_IF_ERROR(InRange(d.strings, i, "sample or period type string"));
  }
  Kind k{"", d.strings[h.type], d.strings[h.unit], 1};
  // The period type counts only with a period, as in Pyroscope.
  const std::string_view ptype = h.period != 0 ? d.strings[h.period_type] : "";
  const std::string_view punit = h.period != 0 ? d.strings[h.period_unit] : "";
  if (k.type == "samples" && k.unit == "count" && ptype == "cpu" && punit == "nanoseconds") {
    return Kind{"process_cpu", "cpu", "nanoseconds", h.period};
  }
  if ((k.type == "off_cpu" || k.type == "events") && k.unit == "nanoseconds" && ptype.empty()) {
    k.name = "off_cpu";
  } else {
    k.name = std::string(ptype.empty() ? k.type : ptype);
  }
  return k;
}

// A sample's fields: stack_index 1, attribute_indices 2, link_index 3, values 4,
// timestamps_unix_nano 5 (fixed64).
struct SampleFields {
  int64_t stack = 0, link = 0;
  std::vector<int64_t> attributes, values;
  uint64_t timestamps = 0;
};

bool ParseSample(std::string_view bytes, SampleFields& s) {
  return ForEachField(bytes, [&](uint32_t f, WireType t, WireReader& r) {
    uint64_t v = 0;
    std::string_view packed;
    switch (f) {
      case 1:
      case 3:
        return t == WireType::kVarint && r.ReadVarint(v) &&
               ((f == 1 ? s.stack : s.link) = static_cast<int64_t>(v), true);
      case 2:
        return otlp::ReadInts(t, r, s.attributes) || (r.Skip(WireType::kStartGroup), true);
      case 4:
        return otlp::ReadInts(t, r, s.values) || (r.Skip(WireType::kStartGroup), true);
      case 5:
        if (t == WireType::kFixed64) return r.ReadFixed64(v) && (++s.timestamps, true);
        if (t != WireType::kLengthDelimited || !r.ReadLengthDelimited(packed)) return false;
        s.timestamps += packed.size() / 8;
        return true;
      default:
        return false;
    }
  });
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out += kDigits[static_cast<uint8_t>(c) >> 4];
    out += kDigits[static_cast<uint8_t>(c) & 15];
  }
  return out;
}

using SeriesBase = std::vector<std::pair<std::string, std::string>>;

// One OTLP profile: a labeled profile per service its samples name.
Status ConvertProfile(const Dictionary& d, std::string_view bytes, const SeriesBase& base,
                      const std::string& resource_service, int64_t now_nanos,
                      std::vector<model::LabeledProfile>& out) {
  ProfileHeader h;
  if (!ParseProfileHeader(bytes, h)) return Bad("the profile does not decode");
  FLAMEDB_ASSIGN_OR_RETURN(const Kind kind, KindOf(d, h));
  const int64_t time = h.time > 0 ? static_cast<int64_t>(h.time) : now_nanos;
  std::map<std::string, Builder> by_service;
  std::vector<std::pair<std::string, std::string>> labels;
  for (size_t i = 0; i < h.samples.size(); ++i) {
    SampleFields s;
    if (!ParseSample(h.samples[i], s)) return Bad("sample " + std::to_string(i) + " does not decode");
    int64_t value = static_cast<int64_t>(s.timestamps);
    if (!s.values.empty()) {
      value = 0;
      for (int64_t v : s.values) value += v;
    } else if (s.timestamps == 0) {
      return Bad("sample " + std::to_string(i) + " has neither values nor timestamps");
    }
    if (__builtin_mul_overflow(value, kind.multiplier, &value)) {
      return Bad("sample " + std::to_string(i) + ": its value times the period overflows");
    }
    std::string service = resource_service;
    labels.clear();
    for (const int64_t a : s.attributes) {
      FLAMEDB_RETURN_IF_ERROR(InRange(d.attributes, a, "attribute"));
      const otlp::Attribute& attr = d.attributes[static_cast<size_t>(a)];
      FLAMEDB_RETURN_IF_ERROR(InRange(d.strings, attr.key, "attribute key string"));
      const std::string_view key = d.strings[static_cast<size_t>(attr.key)];
      std::string text = attr.value.Text();
      if (key == kServiceName) {
        if (!text.empty()) service = std::move(text);
      } else if (!text.empty()) {
        labels.emplace_back(LabelName(key), std::move(text));
      }
    }
    if (s.link != 0) {
      FLAMEDB_RETURN_IF_ERROR(InRange(d.links, s.link, "link"));
      const otlp::Link& link = d.links[static_cast<size_t>(s.link)];
      if (!link.span_id.empty()) labels.emplace_back("span_id", Hex(link.span_id));
    }
    auto it = by_service.find(service);
    if (it == by_service.end()) {
      it = by_service.try_emplace(service, d, h, kind, time).first;
    }
    FLAMEDB_RETURN_IF_ERROR(it->second.Add(s.stack, value, labels).WithContext(
        "sample " + std::to_string(i)));
  }
  for (auto& [service, builder] : by_service) {
    std::vector<model::LabelPair> pairs = {{"__delta__", "false"}, {"__otel__", "true"},
                                           {"__name__", kind.name}};
    for (const auto& [k, v] : base) pairs.push_back({k, v});
    pairs.push_back({"service_name", service});
    out.push_back({model::Labels(std::move(pairs)), std::move(builder).Build(), bytes.size(),
                   bytes.size()});
  }
  return OkStatus();
}

// Resource then scope attributes as series labels: the first of a name wins; service.name is
// the service, not a label.
void AddAttributes(const std::vector<std::pair<std::string_view, otlp::Value>>& attrs,
                   SeriesBase& base) {
  for (const auto& [key, value] : attrs) {
    const std::string name = LabelName(key);
    std::string text = value.Text();
    if (key == kServiceName || text.empty() || name.empty()) continue;
    bool seen = false;
    for (const auto& [k, v] : base) seen = seen || k == name;
    if (!seen) base.emplace_back(name, std::move(text));
  }
}

std::string ResourceService(const std::vector<std::pair<std::string_view, otlp::Value>>& attrs) {
  std::string fallback = "unknown_service";
  for (const auto& [key, value] : attrs) {
    if (key == kServiceName && !value.Text().empty()) return value.Text();
  }
  for (const auto& [key, value] : attrs) {
    if (key == "process.executable.name" && !value.Text().empty()) {
      return fallback + ":" + value.Text();
    }
  }
  return fallback;
}

}  // namespace

Result<OtlpResult> ConvertOtlp(std::string_view request,
                               std::chrono::system_clock::time_point now) {
  std::string_view dictionary_bytes;
  std::vector<std::string_view> resources;
  bool has_dictionary = false;
  const bool parsed = ForEachField(request, [&](uint32_t f, WireType t, WireReader& r) {
    std::string_view bytes;
    if ((f != 1 && f != 2) || t != WireType::kLengthDelimited) return false;
    if (!r.ReadLengthDelimited(bytes)) return true;
    if (f == 1) resources.push_back(bytes);
    if (f == 2) dictionary_bytes = bytes, has_dictionary = true;
    return true;
  });
  if (!parsed) {
    return Bad("the body is not a protobuf ExportProfilesServiceRequest");
  }
  OtlpResult out;
  if (resources.empty()) return out;
  if (!has_dictionary) return Bad("the request has resource_profiles but no dictionary");
  FLAMEDB_ASSIGN_OR_RETURN(const Dictionary d, otlp::ParseDictionary(dictionary_bytes));
  const int64_t now_nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  auto reject = [&](const Status& s) {
    if (out.rejected_profiles++ == 0) out.error = std::string(s.message());
  };
  for (std::string_view resource_profiles : resources) {
    std::string_view resource;
    std::vector<std::string_view> scopes;
    if (!ForEachField(resource_profiles, [&](uint32_t f, WireType t, WireReader& r) {
          std::string_view bytes;
          if ((f != 1 && f != 2) || t != WireType::kLengthDelimited) return false;
          if (r.ReadLengthDelimited(bytes)) (f == 1 ? resource : (scopes.push_back(bytes), bytes)) = bytes;
          return true;
        })) {
      return Bad("a resource_profiles entry does not decode");
    }
    std::vector<std::pair<std::string_view, otlp::Value>> resource_attrs;
    if (!KeyValues(resource, 1, resource_attrs)) return Bad("a resource does not decode");
    const std::string service = ResourceService(resource_attrs);
    for (std::string_view scope_profiles : scopes) {
      std::string_view scope;
      std::vector<std::string_view> profiles;
      std::vector<std::pair<std::string_view, otlp::Value>> scope_attrs;
      if (!ForEachField(scope_profiles, [&](uint32_t f, WireType t, WireReader& r) {
            std::string_view bytes;
            if ((f != 1 && f != 2) || t != WireType::kLengthDelimited) return false;
            if (r.ReadLengthDelimited(bytes)) (f == 1 ? scope : (profiles.push_back(bytes), bytes)) = bytes;
            return true;
          }) ||
          !KeyValues(scope, 3, scope_attrs)) {
        return Bad("a scope_profiles entry does not decode");
      }
      SeriesBase base;
      AddAttributes(resource_attrs, base);
      AddAttributes(scope_attrs, base);
      for (std::string_view profile : profiles) {
        std::vector<model::LabeledProfile> converted;
        if (Status s = ConvertProfile(d, profile, base, service, now_nanos, converted); !s.ok()) {
          reject(s);
          continue;
        }
        for (auto& p : converted) out.profiles.push_back(std::move(p));
      }
    }
  }
  return out;
}

}  // namespace flamedb::ingest
