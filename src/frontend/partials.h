// The partial results of query-backends on the wire (flamedb/internal/v1/query_backend.proto)
// and back. Only this library's .cc files include it: it brings in protobuf's headers.
#pragma once

#include "base/status.h"
#include "flamedb/internal/v1/query_backend.pb.h"
#include "query/function_tree.h"
#include "query/heatmap.h"
#include "query/pprof_merge.h"
#include "query/series.h"

namespace flamedb::frontend {

namespace iv1 = ::flamedb::internal::v1;

void TreeToProto(const query::FunctionTree& tree, iv1::Tree& out);
// Adds the tree `in` describes to `into`. Errors: kDataLoss (a reference out of range).
Status MergeTreeProto(const iv1::Tree& in, query::FunctionTree& into);

void SeriesToProto(const query::SeriesPartial& partial,
                   google::protobuf::RepeatedPtrField<iv1::SeriesGroup>& out);
// Errors: kDataLoss (columns of unequal length).
Result<query::SeriesPartial> SeriesFromProto(
    const google::protobuf::RepeatedPtrField<iv1::SeriesGroup>& in);

void HeatmapToProto(const query::HeatmapPartial& partial,
                    google::protobuf::RepeatedPtrField<iv1::HeatmapGroup>& out);
// Errors: kDataLoss (columns of unequal length, a series reference out of range).
Result<query::HeatmapPartial> HeatmapFromProto(
    const google::protobuf::RepeatedPtrField<iv1::HeatmapGroup>& in);

void ProfileToProto(const query::ProfilePartial& partial, iv1::ProfilePartial& out);
// Errors: kDataLoss (the symbols do not decode, or values and stack nodes differ in number).
Result<query::ProfilePartial> ProfileFromProto(const iv1::ProfilePartial& in);

}  // namespace flamedb::frontend
