#include "ingest/otlp.h"

#include <algorithm>
#include <map>

#include "base/strings.h"
#include "ingest/otlp_builder.h"
#include "ingest/otlp_dictionary.h"

namespace flamedb::ingest {
namespace {

using otlp::Dictionary;
using pprof::ForEachField;
using pprof::WireReader;
using pprof::WireType;

using otlp::Bad;
using otlp::Builder;
using otlp::InRange;

constexpr std::string_view kServiceName = "service.name";

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
      return kf != 2 || otlp::ParseValue(bytes, entry.second) || kr.Fail();
    });
    out.push_back(entry);
    return ok || r.Fail();
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
    if (f == 2 && t == WireType::kLengthDelimited) {  // The samples: most of the bytes.
      if (r.ReadLengthDelimited(s)) h.samples.push_back(s);
    } else if (f == 1 || f == 5) {
      h.has_sample_type |= f == 1;
      if (!ValueType(t, r, f == 1 ? h.type : h.period_type, f == 1 ? h.unit : h.period_unit)) {
        return r.Fail();
      }
    } else if (f == 3 && t == WireType::kFixed64) {
      r.ReadFixed64(h.time);
    } else if (f == 4 && t == WireType::kVarint) {
      r.ReadVarint(h.duration);
    } else if (f == 6 && t == WireType::kVarint) {
      if (r.ReadVarint(v)) h.period = static_cast<int64_t>(v);
    } else {
      return false;  // Not ours: skipped.
    }
    return true;  // A failed read failed the reader, which ends the walk.
  });
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
  std::vector<int64_t> attributes;
  int64_t value_sum = 0;
  size_t values = 0;
  uint64_t timestamps = 0;
  bool overflow = false;
};

// Adds the varints of `bytes` (a packed int64 field) to the sum. Hot: every sample has one.
bool SumPacked(std::string_view bytes, SampleFields& s) {
  WireReader p(bytes);
  uint64_t v = 0;
  while (!p.done()) {
    if (!p.ReadVarint(v)) return false;
    s.overflow |= __builtin_add_overflow(s.value_sum, static_cast<int64_t>(v), &s.value_sum);
    ++s.values;
  }
  return true;
}

// A Sample, read field by field without building anything; the hot path of OTLP ingest.
bool ParseSample(std::string_view bytes, SampleFields& s) {
  return ForEachField(bytes, [&](uint32_t f, WireType t, WireReader& r) {
    uint64_t v = 0;
    std::string_view packed;
    if ((f == 1 || f == 3) && t == WireType::kVarint) {
      if (r.ReadVarint(v)) (f == 1 ? s.stack : s.link) = static_cast<int64_t>(v);
    } else if (f == 2) {
      if (uint64_t largest = 0; !otlp::ReadInts(t, r, s.attributes, largest)) return r.Fail();
    } else if (f == 4 && t == WireType::kLengthDelimited) {
      if (!r.ReadLengthDelimited(packed) || !SumPacked(packed, s)) return r.Fail();
    } else if (f == 4 && t == WireType::kVarint) {
      if (r.ReadVarint(v)) {
        s.overflow |= __builtin_add_overflow(s.value_sum, static_cast<int64_t>(v), &s.value_sum);
        ++s.values;
      }
    } else if (f == 5 && t == WireType::kFixed64) {
      if (r.ReadFixed64(v)) ++s.timestamps;
    } else if (f == 5 && t == WireType::kLengthDelimited) {
      if (r.ReadLengthDelimited(packed)) s.timestamps += packed.size() / 8;
    } else {
      return false;  // Not ours: skipped.
    }
    return true;  // A failed read failed the reader, which ends the walk.
  });
}

// The common shape of a sample, read without the general walk: stack_index (field 1, optional)
// then packed values (field 4), nothing else, at least one value. False for any other shape,
// which ParseSample then reads (and names what is wrong with it).
inline bool ReadPlainSample(std::string_view bytes, int64_t& stack, int64_t& sum) {
  WireReader r(bytes);
  uint32_t f = 0;
  WireType t = WireType::kVarint;
  uint64_t v = 0;
  stack = 0;
  if (r.done() || !r.ReadTag(f, t)) return false;
  if (f == 1 && t == WireType::kVarint) {
    if (!r.ReadVarint(v) || r.done() || !r.ReadTag(f, t)) return false;
    stack = static_cast<int64_t>(v);
  }
  std::string_view packed;
  if (f != 4 || t != WireType::kLengthDelimited || !r.ReadLengthDelimited(packed) || !r.done() ||
      packed.empty()) {
    return false;
  }
  WireReader p(packed);
  sum = 0;
  bool overflow = false;
  while (!p.done()) {
    if (!p.ReadVarint(v)) return false;
    overflow |= __builtin_add_overflow(sum, static_cast<int64_t>(v), &sum);
  }
  return !overflow;
}

using SeriesBase = std::vector<std::pair<std::string, std::string>>;

// The stored profiles of one scope: OTLP profiles of one service, metric, period and time join
// into one builder (a column each); a second profile of a sample type the builder already has
// goes to the next generation of the group.
class ScopeConverter {
 public:
  ScopeConverter(const Dictionary& d, std::string_view resource_service, int64_t now_nanos)
      : d_(d), resource_service_(resource_service), now_nanos_(now_nanos) {}

  // Adds one OTLP profile. On error nothing of it stays (its columns are dropped).
  Status Add(std::string_view bytes) {
    touched_.clear();
    Status s = AddProfile(bytes);
    if (!s.ok()) {
      for (Builder* b : touched_) b->DropLastColumn();
    }
    return s;
  }

  void Finish(const SeriesBase& base, size_t bytes, std::vector<model::LabeledProfile>& out) {
    for (auto& [key, group] : groups_) {
      if (group.builder.columns() == 0) continue;
      std::vector<model::LabelPair> pairs = {
          {"__delta__", "false"}, {"__otel__", "true"}, {"__name__", group.name}};
      for (const auto& [k, v] : base) pairs.push_back({k, v});
      pairs.push_back({"service_name", group.service});
      out.push_back({model::Labels(std::move(pairs)), std::move(group.builder).Build(), bytes,
                     bytes});
    }
  }

 private:
  struct Group {
    std::string service, name;
    Builder builder;
  };

  Status AddProfile(std::string_view bytes);
  Builder& BuilderFor(std::string_view service, const ProfileHeader& h, const Kind& kind,
                      int64_t time);

  const Dictionary& d_;
  const std::string_view resource_service_;
  const int64_t now_nanos_;
  std::map<std::string, Group> groups_;  // Nodes never move: builders are held by pointer.
  std::vector<Builder*> touched_;        // Builders with a column of the current profile.
};

Builder& ScopeConverter::BuilderFor(std::string_view service, const ProfileHeader& h,
                                    const Kind& kind, int64_t time) {
  for (int generation = 0;; ++generation) {
    std::string key(service);
    key += '\0';
    key += kind.name;
    for (int64_t v : {h.period_type, h.period_unit, h.period, time,
                      static_cast<int64_t>(h.duration), int64_t{generation}}) {
      key.append(reinterpret_cast<const char*>(&v), sizeof(v));
    }
    auto it = groups_.find(key);
    if (it == groups_.end()) {
      it = groups_.emplace(std::move(key), Group{std::string(service), kind.name,
                                                 Builder(d_, h.period_type, h.period_unit,
                                                         h.period, time,
                                                         static_cast<int64_t>(h.duration))})
               .first;
    }
    Builder& b = it->second.builder;
    if (std::find(touched_.begin(), touched_.end(), &b) != touched_.end()) return b;
    if (b.HasType(kind.type, kind.unit)) continue;
    b.AddColumn(kind.type, kind.unit);
    b.Reserve(h.samples.size());  // Once per profile: its rows are at most its samples.
    touched_.push_back(&b);
    return b;
  }
}

Status ScopeConverter::AddProfile(std::string_view bytes) {
  ProfileHeader h;
  if (!ParseProfileHeader(bytes, h)) return Bad("the profile does not decode");
  FLAMEDB_ASSIGN_OR_RETURN(const Kind kind, KindOf(d_, h));
  const int64_t time = h.time > 0 ? static_cast<int64_t>(h.time) : now_nanos_;
  Builder* last = nullptr;  // Consecutive samples mostly share their service.
  std::string_view last_service;
  otlp::SampleLabels labels;
  SampleFields s;
  Builder* plain = nullptr;  // The resource service's builder, for samples without attributes.
  for (size_t i = 0; i < h.samples.size(); ++i) {
    int64_t plain_stack = 0, plain_value = 0;
    if (ReadPlainSample(h.samples[i], plain_stack, plain_value) &&
        !__builtin_mul_overflow(plain_value, kind.multiplier, &plain_value)) {
      if (plain == nullptr) plain = &BuilderFor(resource_service_, h, kind, time);
      if (plain->AddPlain(plain_stack, plain_value)) continue;
    }
    s.attributes.clear();
    s.stack = s.link = 0;
    s.value_sum = 0;
    s.values = s.timestamps = 0;
    s.overflow = false;
    if (!ParseSample(h.samples[i], s)) return Bad("sample " + std::to_string(i) + " does not decode");
    int64_t value = static_cast<int64_t>(s.timestamps);
    if (s.values > 0) {
      value = s.value_sum;
    } else if (s.timestamps == 0) {
      return Bad("sample " + std::to_string(i) + " has neither values nor timestamps");
    }
    if (s.overflow || __builtin_mul_overflow(value, kind.multiplier, &value)) {
      return Bad("sample " + std::to_string(i) + ": its values overflow");
    }
    std::string_view service = resource_service_;
    labels.clear();
    for (const int64_t a : s.attributes) {
      FLAMEDB_RETURN_IF_ERROR(InRange(d_.attributes, a, "attribute"));
      const otlp::Attribute& attr = d_.attributes[static_cast<size_t>(a)];
      FLAMEDB_RETURN_IF_ERROR(InRange(d_.strings, attr.key, "attribute key string"));
      const std::string_view key = d_.strings[static_cast<size_t>(attr.key)];
      if (key == kServiceName) {
        if (attr.value.kind == otlp::Value::Kind::kString && !attr.value.str.empty()) {
          service = attr.value.str;
        }
      } else if (std::string text = attr.value.Text(); !text.empty()) {
        labels.emplace_back(LabelName(key), std::move(text));
      }
    }
    if (s.link != 0) {
      FLAMEDB_RETURN_IF_ERROR(InRange(d_.links, s.link, "link"));
      const otlp::Link& link = d_.links[static_cast<size_t>(s.link)];
      if (!link.span_id.empty()) {
        labels.emplace_back(model::kSpanIdLabel, base::HexEncode(link.span_id));
      }
      // A trace id of another length than 16 bytes is no trace id (the head would not parse it).
      if (link.trace_id.size() == 16) {
        labels.emplace_back(model::kTraceIdLabel, base::HexEncode(link.trace_id));
      }
    }
    const bool same_service = last != nullptr && service.data() == last_service.data() &&
                              service.size() == last_service.size();
    if (!same_service && (last == nullptr || service != last_service)) {
      last = &BuilderFor(service, h, kind, time);
    }
    if (!same_service) {
      last_service = service;
    }
    if (Status st = last->Add(s.stack, s.attributes, s.link, value, labels); !st.ok()) {
      return st.WithContext("sample " + std::to_string(i));
    }
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
  FLAMEDB_RETURN_IF_ERROR(otlp::CheckDictionary(d));
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
      ScopeConverter converter(d, service, now_nanos);
      for (std::string_view profile : profiles) {
        if (Status s = converter.Add(profile); !s.ok()) reject(s);
      }
      converter.Finish(base, profiles.empty() ? 0 : scope_profiles.size() / profiles.size(),
                   out.profiles);
    }
  }
  return out;
}

void KeepOtlpRequest(OtlpResult& result, std::shared_ptr<const std::string> request,
                     std::chrono::system_clock::time_point now) {
  const int64_t now_nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  for (size_t i = 0; i < result.profiles.size(); ++i) {
    model::Received& r = result.profiles[i].profile.received.emplace();
    r.otlp_request = request;
    r.otlp_index = static_cast<uint32_t>(i);
    r.otlp_now_nanos = now_nanos;
  }
}

}  // namespace flamedb::ingest
