// Conversions between flamedb's model and query types and the generated types.v1 messages, for
// the code that speaks protobuf (api/ and frontend/). Includes protobuf headers: keep it out of
// widely included headers.
#pragma once

#include <utility>
#include <vector>

#include "model/labels.h"
#include "query/querier.h"
#include "types/v1/types.pb.h"

namespace flamedb::api {

// Appends `labels` to a repeated types.v1.LabelPair field.
template <typename Repeated>
void AddLabels(const model::Labels& labels, Repeated& out) {
  for (const model::LabelPair& p : labels.pairs()) {
    types::v1::LabelPair* pair = out.Add();
    pair->set_name(p.name);
    pair->set_value(p.value);
  }
}

// The labels of a repeated types.v1.LabelPair field.
template <typename Repeated>
model::Labels LabelsOf(const Repeated& in) {
  std::vector<model::LabelPair> pairs;
  for (const types::v1::LabelPair& p : in) pairs.push_back({p.name(), p.value()});
  return model::Labels(std::move(pairs));
}

inline void FillProfileType(const query::ProfileTypeInfo& t, types::v1::ProfileType& out) {
  out.set_id(t.id);
  out.set_name(t.name);
  out.set_sample_type(t.sample_type);
  out.set_sample_unit(t.sample_unit);
  out.set_period_type(t.period_type);
  out.set_period_unit(t.period_unit);
}

}  // namespace flamedb::api
