#include "otlp_translate.h"

#include <map>

#include "base/byte_coding.h"
#include "opentelemetry/proto/collector/profiles/v1development/profiles_service.pb.h"

namespace flamedb::bench {
namespace {

namespace otlp = opentelemetry::proto::profiles::v1development;

// Field `field` of wire type 2 (length-delimited) holding `bytes`.
void LengthDelimited(base::ByteWriter& w, uint32_t field, std::string_view bytes) {
  w.Varint(field << 3 | 2);
  w.Bytes(bytes);
}

// The dictionary's tables from `p`'s, with the maps from pprof ids to table indexes.
struct Tables {
  std::map<uint64_t, int> mapping, function, location;
};

Tables FillDictionary(const model::Profile& p, otlp::ProfilesDictionary& d) {
  Tables t;
  for (std::string_view s : p.string_table) d.add_string_table(std::string(s));
  d.add_mapping_table();
  d.add_location_table();
  d.add_function_table();
  d.add_link_table();
  d.add_attribute_table();
  d.add_stack_table();
  for (const auto& m : p.mappings) {
    t.mapping[m.id] = d.mapping_table_size();
    auto* out = d.add_mapping_table();
    out->set_memory_start(m.memory_start);
    out->set_memory_limit(m.memory_limit);
    out->set_filename_strindex(static_cast<int32_t>(m.filename));
  }
  for (const auto& f : p.functions) {
    t.function[f.id] = d.function_table_size();
    auto* out = d.add_function_table();
    out->set_name_strindex(static_cast<int32_t>(f.name));
    out->set_system_name_strindex(static_cast<int32_t>(f.system_name));
    out->set_filename_strindex(static_cast<int32_t>(f.filename));
  }
  for (const auto& l : p.locations) {
    t.location[l.id] = d.location_table_size();
    auto* out = d.add_location_table();
    out->set_mapping_index(t.mapping.count(l.mapping_id) ? t.mapping[l.mapping_id] : 0);
    out->set_address(l.address);
    for (const auto& line : p.Lines(l)) {
      auto* ol = out->add_lines();
      ol->set_function_index(t.function[line.function_id]);
      ol->set_line(line.line);
    }
  }
  return t;
}

}  // namespace

OtlpParts TranslateToOtlp(const model::Profile& p) {
  otlp::ProfilesDictionary d;
  Tables t = FillDictionary(p, d);
  otlp::ScopeProfiles scope;
  for (size_t type = 0; type < p.sample_types.size(); ++type) {
    auto* prof = scope.add_profiles();
    prof->mutable_sample_type()->set_type_strindex(static_cast<int32_t>(p.sample_types[type].type));
    prof->mutable_sample_type()->set_unit_strindex(static_cast<int32_t>(p.sample_types[type].unit));
    prof->mutable_period_type()->set_type_strindex(static_cast<int32_t>(p.period_type.type));
    prof->mutable_period_type()->set_unit_strindex(static_cast<int32_t>(p.period_type.unit));
    prof->set_period(p.period);
    prof->set_time_unix_nano(static_cast<uint64_t>(p.time_nanos));
    for (const auto& s : p.samples) {
      auto* os = prof->add_samples();
      if (type == 0) {  // One stack per sample, shared by the profiles of the other types.
        auto* stack = d.add_stack_table();
        for (uint64_t id : p.LocationIds(s)) stack->add_location_indices(t.location[id]);
      }
      os->set_stack_index(static_cast<int32_t>(&s - p.samples.data()) + 1);
      os->add_values(p.Values(s)[type]);
    }
  }
  return {d.SerializeAsString(), scope.SerializeAsString()};
}

std::string OtlpRequest(const OtlpParts& parts,
                        const std::vector<std::pair<std::string_view, std::string_view>>& attributes) {
  base::ByteWriter resource, value, kv, rp, request;
  for (const auto& [key, text] : attributes) {
    value.Clear();
    LengthDelimited(value, 1, text);  // AnyValue.string_value
    kv.Clear();
    LengthDelimited(kv, 1, key);
    LengthDelimited(kv, 2, value.view());
    LengthDelimited(resource, 1, kv.view());  // Resource.attributes
  }
  LengthDelimited(rp, 1, resource.view());             // ResourceProfiles.resource
  LengthDelimited(rp, 2, parts.scope_profiles);        // ResourceProfiles.scope_profiles
  request.Reserve(rp.size() + parts.dictionary.size() + 16);
  LengthDelimited(request, 1, rp.view());              // resource_profiles
  LengthDelimited(request, 2, parts.dictionary);       // dictionary
  return std::move(request.str());
}

}  // namespace flamedb::bench
