#include "frontend/backend.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "api/errors.h"
#include "api/proto_types.h"
#include "block/meta.h"
#include "frontend/partials.h"
#include "query/engine.h"

namespace flamedb::frontend {
namespace {

std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& r) {
  return {r.begin(), r.end()};
}

query::StackQuery ToStackQuery(const iv1::BackendRequest& r) {
  query::StackQuery q{r.profile_type(), r.selector(), {r.start_ns(), r.end_ns()}, {}, {}};
  q.stacks.call_site = Strings(r.call_site());
  q.stacks.keep_locations = r.keep_locations();
  q.stacks.aggregate_callees = r.aggregate_callees();
  q.span_ids.assign(r.span_ids().begin(), r.span_ids().end());
  for (int i = 0; i + 1 < r.trace_ids_size(); i += 2) {
    q.trace_ids.push_back({r.trace_ids(i), r.trace_ids(i + 1)});
  }
  for (int i = 0; i < r.profile_series_size() && i < r.profile_times_ns_size(); ++i) {
    q.profiles.push_back({r.profile_series(i), r.profile_times_ns(i)});
  }
  std::sort(q.profiles.begin(), q.profiles.end());
  q.require_known_type = false;  // The frontend checked it over every block.
  return q;
}

// The query's answer over `sources` into `out`.
Status Run(const iv1::BackendRequest& r, const query::Sources& s, query::QueryContext& ctx,
           iv1::BackendResponse& out) {
  const store::TimeRange range{r.start_ns(), r.end_ns()};
  switch (r.method()) {
    case iv1::METHOD_PROFILE_TYPES:
      for (const query::ProfileTypeInfo& t : query::ProfileTypes(s, range)) {
        api::FillProfileType(t, *out.add_profile_types());
      }
      return OkStatus();
    case iv1::METHOD_LABEL_NAMES:
    case iv1::METHOD_LABEL_VALUES: {
      FLAMEDB_ASSIGN_OR_RETURN(
          std::vector<std::string> names,
          r.method() == iv1::METHOD_LABEL_NAMES
              ? query::LabelNames(s, Strings(r.matchers()), range)
              : query::LabelValues(s, r.label_name(), Strings(r.matchers()), range));
      for (std::string& n : names) out.add_names(std::move(n));
      return OkStatus();
    }
    case iv1::METHOD_SERIES: {
      FLAMEDB_ASSIGN_OR_RETURN(
          std::vector<model::Labels> sets,
          query::Series(s, Strings(r.matchers()), Strings(r.label_names()), range));
      for (const model::Labels& l : sets) api::AddLabels(l, *out.add_label_sets()->mutable_labels());
      return OkStatus();
    }
    case iv1::METHOD_MERGE_STACKTRACES: {
      FLAMEDB_ASSIGN_OR_RETURN(query::FunctionTree tree,
                               query::MergeStacktraces(s, ToStackQuery(r), ctx));
      TreeToProto(tree, *out.mutable_tree());
      return OkStatus();
    }
    case iv1::METHOD_SELECT_SERIES: {
      const query::SeriesQuery q{r.profile_type(), r.selector(), r.start_ms(), r.end_ms(),
                                 r.step_seconds(), Strings(r.group_by()), false, 0,
                                 Strings(r.call_site()),
                                 r.exemplars() <= static_cast<uint32_t>(query::ExemplarKind::kSpan)
                                     ? static_cast<query::ExemplarKind>(r.exemplars())
                                     : query::ExemplarKind::kNone};
      const query::QueryLimits limits{.max_query_length_ms = r.max_query_length_ms()};
      FLAMEDB_ASSIGN_OR_RETURN(query::SeriesPartial partial,
                               query::CollectSeries(s, q, limits, ctx));
      SeriesToProto(partial, *out.mutable_series());
      return OkStatus();
    }
    case iv1::METHOD_SELECT_HEATMAP: {
      const query::HeatmapQuery q{r.profile_type(), r.selector(), r.start_ms(), r.end_ms(),
                                  r.step_seconds(), Strings(r.group_by()), r.heatmap_spans(),
                                  r.exemplars() != 0, 0};
      const query::QueryLimits limits{.max_query_length_ms = r.max_query_length_ms()};
      FLAMEDB_ASSIGN_OR_RETURN(query::HeatmapPartial partial,
                               query::CollectHeatmap(s, q, limits, ctx));
      HeatmapToProto(partial, *out.mutable_heatmap());
      return OkStatus();
    }
    case iv1::METHOD_MERGE_PROFILE: {
      FLAMEDB_ASSIGN_OR_RETURN(query::ProfilePartial partial,
                               query::CollectProfile(s, {ToStackQuery(r), 0, 0, 0}, ctx));
      ProfileToProto(partial, *out.mutable_profile());
      return OkStatus();
    }
    case iv1::METHOD_ANALYZE_QUERY: {
      FLAMEDB_ASSIGN_OR_RETURN(query::QueryAnalysis a,
                               query::AnalyzeQuery(s, 0, r.query(), range, ctx));
      out.mutable_blocks()->set_components(a.blocks.components);
      out.mutable_blocks()->set_series(a.blocks.series);
      out.mutable_blocks()->set_profiles(a.blocks.profiles);
      out.mutable_blocks()->set_samples(a.blocks.samples);
      out.mutable_blocks()->set_index_bytes(a.blocks.index_bytes);
      out.mutable_blocks()->set_profile_bytes(a.blocks.profile_bytes);
      out.mutable_blocks()->set_symbol_bytes(a.blocks.symbol_bytes);
      return OkStatus();
    }
    case iv1::METHOD_PROFILE_STATS: {
      const query::ProfileStats stats = query::GetProfileStats(s);
      out.set_data_ingested(stats.data_ingested);
      out.set_oldest_ms(stats.oldest_ms);
      out.set_newest_ms(stats.newest_ms);
      return OkStatus();
    }
    default:
      return InvalidArgumentError("query-backend: unknown method " +
                                  std::to_string(static_cast<int>(r.method())));
  }
}

}  // namespace

Result<metastore::BlockRef> OpenBlocks::Get(const block::BlockMeta& meta) {
  {
    base::MutexLock lock(mu_);
    if (auto it = open_.find(meta.ulid); it != open_.end()) {
      order_.splice(order_.begin(), order_, it->second.at);
      return it->second.block;
    }
  }
  // Opened without the lock: two requests may open one block at once; the last one is kept.
  FLAMEDB_ASSIGN_OR_RETURN(metastore::BlockRef block, metastore::OpenBlock(bucket_, meta, cache_));
  base::MutexLock lock(mu_);
  if (auto it = open_.find(meta.ulid); it != open_.end()) {
    order_.erase(it->second.at);
    open_.erase(it);
  }
  order_.push_front(meta.ulid);
  open_.emplace(meta.ulid, Entry{block, order_.begin()});
  while (open_.size() > capacity_) {
    open_.erase(order_.back());
    order_.pop_back();
  }
  return block;
}

Result<std::string> Backend::Handle(std::string_view body, query::QueryContext& ctx) {
  iv1::BackendRequest request;
  if (!request.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return InvalidArgumentError("query-backend: the request does not parse");
  }
  std::vector<metastore::BlockRef> blocks;
  query::Sources sources;
  for (const std::string& json : request.blocks()) {
    Result<block::BlockMeta> meta = block::MetaFromJson(json);
    if (!meta.ok()) {
      return InvalidArgumentError("query-backend: a block meta does not parse: " +
                                  std::string(meta.status().message()));
    }
    if (meta->tenant != request.tenant()) {
      return InvalidArgumentError("query-backend: block " + meta->ulid + " is not tenant " +
                                  request.tenant() + "'s");
    }
    FLAMEDB_ASSIGN_OR_RETURN(metastore::BlockRef block, blocks_.Get(*meta));
    sources.push_back(block->reader.get());
    blocks.push_back(std::move(block));
  }
  iv1::BackendResponse response;
  FLAMEDB_RETURN_IF_ERROR(Run(request, sources, ctx, response));
  return response.SerializeAsString();
}

void AddBackendRoute(api::Router& router, Backend& backend, const BackendRouteOptions& o) {
  router.Add({"POST"}, std::string(kBackendPath), {.max_body_bytes = o.max_body_bytes},
             [&backend, o](api::HttpRequest& req, api::RequestContext& ctx) {
               query::QueryContext qctx({.cancelled = &ctx.cancelled,
                                         .deadline = ctx.deadline,
                                         .clock = o.clock,
                                         .memory_budget_bytes = o.memory_budget_bytes,
                                         .threads = o.threads});
               Result<std::string> out = backend.Handle(req.body, qctx);
               if (!out.ok()) {
                 api::HttpResponse resp = api::ErrorResponse(out.status());
                 resp.headers.Set(std::string(kCodeHeader),
                                  std::to_string(static_cast<int>(out.status().code())));
                 resp.body = std::string(out.status().message());
                 return resp;
               }
               api::HttpResponse resp;
               resp.headers.Set("Content-Type", "application/x-protobuf");
               resp.body = std::move(out).value();
               return resp;
             });
}

}  // namespace flamedb::frontend
