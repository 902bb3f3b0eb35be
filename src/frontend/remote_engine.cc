#include "frontend/remote_engine.h"

#include <map>
#include <set>
#include <thread>

#include "block/meta.h"
#include "frontend/backend.h"
#include "frontend/partials.h"
#include "base/strings.h"
#include "objstore/http_client.h"

namespace flamedb::frontend {

struct RemoteEngine::Request {
  iv1::BackendRequest proto;
};
struct RemoteEngine::Responses {
  std::vector<iv1::BackendResponse> all;
};

namespace {

// A block's key for rendezvous placement: FNV-1a of its id (the same in every process).
uint32_t BlockKey(std::string_view ulid) {
  uint32_t h = 2166136261u;
  for (unsigned char c : ulid) h = (h ^ c) * 16777619u;
  return h;
}

bool Overlaps(const block::BlockMeta& m, store::TimeRange r) {
  return m.min_time_nanos <= r.max_nanos && m.max_time_nanos >= r.min_nanos;
}

// What a failed backend request means for the query: retried elsewhere (kUnavailable) unless
// the backend named an error of the query itself.
Status FromBackend(const ring::Member& backend, const objstore::HttpResponse& r) {
  const auto code = r.headers.find(base::AsciiLowercase(kCodeHeader));
  const std::string where = "query-backend " + backend.id + ": ";
  if (code == r.headers.end()) {
    return UnavailableError(where + "HTTP " + std::to_string(r.status) + ": " + r.body);
  }
  const auto c = static_cast<StatusCode>(std::atoi(code->second.c_str()));
  if (c == StatusCode::kUnavailable || c == StatusCode::kInternal || c == StatusCode::kUnknown ||
      c == StatusCode::kOk) {
    return UnavailableError(where + r.body);
  }
  return Status(c, r.body);
}

template <typename Fn>
void ForEachResponse(const std::vector<iv1::BackendResponse>& all, Fn fn) {
  for (const iv1::BackendResponse& r : all) fn(r);
}

}  // namespace

RemoteEngine::RemoteEngine(const metastore::BlockIndex& index, BackendsFn backends,
                           RemoteEngineOptions options, base::Logger& logger,
                           base::MetricsRegistry& metrics)
    : index_(index),
      backends_(std::move(backends)),
      options_(options),
      logger_(logger),
      http_(std::make_unique<objstore::HttpClient>(objstore::HttpOptions{
          .connect_timeout = std::chrono::seconds(1),
          .request_timeout = options.backend_timeout,
          .max_retries = 0,  // The block's next candidate instead.
          .max_idle_connections = 64})),
      queue_(options.max_concurrent),
      requests_(metrics.AddCounter("flamedb_query_frontend_backend_requests_total",
                                   "Requests the query-frontend sent to query-backends.")),
      retries_(metrics.AddCounter(
          "flamedb_query_frontend_backend_retries_total",
          "Backend requests whose blocks were sent to their next candidate after a failure.")) {}

RemoteEngine::~RemoteEngine() = default;

Status RemoteEngine::CheckKnownType(const std::vector<metastore::BlockRef>& blocks,
                                    const query::StackQuery& q) const {
  if (blocks.empty()) return OkStatus();
  for (const metastore::BlockRef& b : blocks) {
    const std::vector<std::string>& types = b->meta.profile_types;
    if (std::binary_search(types.begin(), types.end(), q.profile_type)) return OkStatus();
  }
  return InvalidArgumentError("unknown profile type \"" + q.profile_type +
                              "\": no profiles of this type were ingested");
}

Result<std::string> RemoteEngine::Call(const ring::Member& backend, const std::string& body,
                                       query::QueryContext& ctx) {
  requests_.Inc();
  objstore::HttpRequest request;
  request.method = "POST";
  request.url = backend.addr + std::string(kBackendPath);
  request.headers = {{"Content-Type", "application/x-protobuf"}};
  request.body = body;
  request.abort = [&ctx] { return !ctx.Check().ok(); };
  Result<objstore::HttpResponse> response = http_->Send(request);
  if (!response.ok()) {
    if (!ctx.status().ok()) return ctx.status();
    return UnavailableError("query-backend " + backend.id + ": " +
                            std::string(response.status().message()));
  }
  if (response->status == 200) return std::move(response->body);
  return FromBackend(backend, *response);
}

Result<RemoteEngine::Responses> RemoteEngine::FanOut(
    const std::vector<metastore::BlockRef>& blocks, store::TimeRange range,
    const Request& request, query::QueryContext& ctx) {
  FLAMEDB_ASSIGN_OR_RETURN(FairQueue::Slot slot, queue_.Acquire(request.proto.tenant(), ctx));
  const std::vector<ring::Member> members = backends_();
  struct Pending {
    const metastore::LoadedBlock* block;
    std::vector<const ring::Member*> candidates;  // In preference order.
    size_t next = 0;
  };
  std::vector<Pending> pending;
  for (const metastore::BlockRef& b : blocks) {
    if (b->staged || !Overlaps(b->meta, range)) continue;
    pending.push_back({b.get(), ring::Candidates(BlockKey(b->meta.ulid), members), 0});
  }
  Responses out;
  if (pending.empty()) return out;
  if (members.empty()) return UnavailableError("no query-backend is registered in the cluster");
  Status last;
  while (!pending.empty()) {
    std::map<const ring::Member*, std::vector<size_t>> groups;
    for (size_t i = 0; i < pending.size(); ++i) {
      const Pending& p = pending[i];
      if (p.next >= p.candidates.size()) {
        return UnavailableError("no query-backend could read block " + p.block->meta.ulid + " (" +
                                std::to_string(p.next) + " tried): " +
                                std::string(last.message()));
      }
      groups[p.candidates[p.next]].push_back(i);
    }
    std::vector<std::pair<const ring::Member*, std::vector<size_t>>> calls(groups.begin(),
                                                                           groups.end());
    std::vector<Result<std::string>> results(calls.size(), Status(StatusCode::kUnknown, ""));
    {
      std::vector<std::jthread> threads;
      for (size_t c = 0; c < calls.size(); ++c) {
        iv1::BackendRequest part = request.proto;
        for (size_t i : calls[c].second) part.add_blocks(block::MetaToJson(pending[i].block->meta));
        auto run = [&, c, body = part.SerializeAsString()] {
          results[c] = Call(*calls[c].first, body, ctx);
        };
        if (calls.size() == 1) {
          run();
        } else {
          threads.emplace_back(std::move(run));
        }
      }
    }
    std::vector<Pending> again;
    for (size_t c = 0; c < calls.size(); ++c) {
      if (results[c].ok()) {
        if (!out.all.emplace_back().ParseFromString(*results[c])) {
          return InternalError("query-backend " + calls[c].first->id +
                               ": the response does not parse");
        }
        continue;
      }
      if (results[c].status().code() != StatusCode::kUnavailable) return results[c].status();
      last = results[c].status();
      retries_.Inc();
      logger_.Warn("query-backend failed; its blocks go to their next candidates", "backend",
                   calls[c].first->id, "blocks", calls[c].second.size(), "err", last);
      for (size_t i : calls[c].second) {
        again.push_back(std::move(pending[i]));
        ++again.back().next;
      }
    }
    pending = std::move(again);
  }
  return out;
}

namespace {


void SetRange(iv1::BackendRequest& r, std::string_view tenant, iv1::Method m,
              store::TimeRange range) {
  r.set_method(m);
  r.set_tenant(std::string(tenant));
  r.set_start_ns(range.min_nanos);
  r.set_end_ns(range.max_nanos);
}

// The fields SelectSeries and SelectHeatmap share: a query on the step grid.
template <typename StepQuery>
void SetStepQuery(iv1::BackendRequest& r, const StepQuery& q, int64_t max_query_length_ms) {
  r.set_profile_type(q.profile_type);
  r.set_selector(q.selector);
  r.set_start_ms(q.start_ms);
  r.set_end_ms(q.end_ms);
  r.set_step_seconds(q.step_seconds);
  for (const std::string& g : q.group_by) r.add_group_by(g);
  r.set_max_query_length_ms(max_query_length_ms);
}

void SetStackQuery(iv1::BackendRequest& r, const query::StackQuery& q) {
  r.set_profile_type(q.profile_type);
  r.set_selector(q.selector);
  for (const std::string& f : q.stacks.call_site) r.add_call_site(f);
  r.set_keep_locations(q.stacks.keep_locations);
  r.set_aggregate_callees(q.stacks.aggregate_callees);
  for (uint64_t id : q.span_ids) r.add_span_ids(id);
  for (const model::TraceId& id : q.trace_ids) {
    r.add_trace_ids(id.hi);
    r.add_trace_ids(id.lo);
  }
  for (const query::ProfileKey& k : q.profiles) {
    r.add_profile_series(k.series);
    r.add_profile_times_ns(k.time_ns);
  }
}

}  // namespace

Result<std::vector<query::ProfileTypeInfo>> RemoteEngine::ProfileTypes(
    std::string_view tenant, store::TimeRange range, query::QueryContext& ctx) {
  Request r;
  SetRange(r.proto, tenant, iv1::METHOD_PROFILE_TYPES, range);
  FLAMEDB_ASSIGN_OR_RETURN(Responses rs, FanOut(index_.Blocks(tenant), range, r, ctx));
  std::map<std::string, query::ProfileTypeInfo> by_id;  // Sorted by id, as LocalEngine's.
  for (const iv1::BackendResponse& resp : rs.all) {
    for (const types::v1::ProfileType& t : resp.profile_types()) {
      by_id[t.id()] = {t.id(),          t.name(),        t.sample_type(),
                       t.sample_unit(), t.period_type(), t.period_unit()};
    }
  }
  std::vector<query::ProfileTypeInfo> out;
  for (auto& [id, t] : by_id) out.push_back(std::move(t));
  return out;
}

Result<std::vector<std::string>> RemoteEngine::LabelNames(
    std::string_view tenant, const std::vector<std::string>& matchers, store::TimeRange range,
    query::QueryContext& ctx) {
  FLAMEDB_RETURN_IF_ERROR(query::LabelNames({}, matchers, range).status());  // Validates.
  Request r;
  SetRange(r.proto, tenant, iv1::METHOD_LABEL_NAMES, range);
  for (const std::string& m : matchers) r.proto.add_matchers(m);
  FLAMEDB_ASSIGN_OR_RETURN(Responses rs, FanOut(index_.Blocks(tenant), range, r, ctx));
  std::set<std::string> names;
  for (const iv1::BackendResponse& resp : rs.all) names.insert(resp.names().begin(), resp.names().end());
  return std::vector<std::string>(names.begin(), names.end());
}

Result<std::vector<std::string>> RemoteEngine::LabelValues(
    std::string_view tenant, const std::string& name, const std::vector<std::string>& matchers,
    store::TimeRange range, query::QueryContext& ctx) {
  FLAMEDB_RETURN_IF_ERROR(query::LabelValues({}, name, matchers, range).status());
  Request r;
  SetRange(r.proto, tenant, iv1::METHOD_LABEL_VALUES, range);
  r.proto.set_label_name(name);
  for (const std::string& m : matchers) r.proto.add_matchers(m);
  FLAMEDB_ASSIGN_OR_RETURN(Responses rs, FanOut(index_.Blocks(tenant), range, r, ctx));
  std::set<std::string> values;
  for (const iv1::BackendResponse& resp : rs.all) values.insert(resp.names().begin(), resp.names().end());
  return std::vector<std::string>(values.begin(), values.end());
}

Result<std::vector<model::Labels>> RemoteEngine::Series(
    std::string_view tenant, const std::vector<std::string>& matchers,
    const std::vector<std::string>& label_names, store::TimeRange range,
    query::QueryContext& ctx) {
  FLAMEDB_RETURN_IF_ERROR(query::Series({}, matchers, label_names, range).status());
  Request r;
  SetRange(r.proto, tenant, iv1::METHOD_SERIES, range);
  for (const std::string& m : matchers) r.proto.add_matchers(m);
  for (const std::string& n : label_names) r.proto.add_label_names(n);
  FLAMEDB_ASSIGN_OR_RETURN(Responses rs, FanOut(index_.Blocks(tenant), range, r, ctx));
  std::map<std::string, model::Labels> distinct;  // By string, as LocalEngine orders them.
  for (const iv1::BackendResponse& resp : rs.all) {
    for (const types::v1::Labels& set : resp.label_sets()) {
      std::vector<model::LabelPair> pairs;
      for (const types::v1::LabelPair& p : set.labels()) pairs.push_back({p.name(), p.value()});
      model::Labels labels(std::move(pairs));
      distinct.emplace(labels.ToString(), std::move(labels));
    }
  }
  std::vector<model::Labels> out;
  for (auto& [key, labels] : distinct) out.push_back(std::move(labels));
  return out;
}

Result<query::FunctionTree> RemoteEngine::MergeStacktraces(std::string_view tenant,
                                                           const query::StackQuery& q,
                                                           query::QueryContext& ctx) {
  // Over no sources: the query's own errors, and the empty tree to merge into.
  FLAMEDB_ASSIGN_OR_RETURN(query::FunctionTree tree, query::MergeStacktraces({}, q, ctx));
  const std::vector<metastore::BlockRef> blocks = index_.Blocks(tenant);
  FLAMEDB_RETURN_IF_ERROR(CheckKnownType(blocks, q));
  Request r;
  SetRange(r.proto, tenant, iv1::METHOD_MERGE_STACKTRACES, q.range);
  SetStackQuery(r.proto, q);
  FLAMEDB_ASSIGN_OR_RETURN(Responses rs, FanOut(blocks, q.range, r, ctx));
  for (const iv1::BackendResponse& resp : rs.all) {
    FLAMEDB_RETURN_IF_ERROR(MergeTreeProto(resp.tree(), tree));
  }
  tree.ComputeTotals();
  return tree;
}

Result<std::vector<query::TimeSeries>> RemoteEngine::SelectSeries(std::string_view tenant,
                                                                  const query::SeriesQuery& q,
                                                                  query::QueryContext& ctx) {
  FLAMEDB_ASSIGN_OR_RETURN(query::SeriesPartial merged,
                           query::CollectSeries({}, q, options_.limits, ctx));
  FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                           query::CheckRange(q.start_ms, q.end_ms, true, options_.limits));
  Request r;
  SetRange(r.proto, tenant, iv1::METHOD_SELECT_SERIES, range);
  SetStepQuery(r.proto, q, options_.limits.max_query_length_ms);
  for (const std::string& f : q.call_site) r.proto.add_call_site(f);
  r.proto.set_exemplars(static_cast<uint32_t>(q.exemplars));
  FLAMEDB_ASSIGN_OR_RETURN(Responses rs, FanOut(index_.Blocks(tenant), range, r, ctx));
  for (const iv1::BackendResponse& resp : rs.all) {
    FLAMEDB_ASSIGN_OR_RETURN(query::SeriesPartial part, SeriesFromProto(resp.series()));
    query::MergeSeries(std::move(part), merged);
  }
  return query::FinishSeries(std::move(merged), q);
}

Result<query::Heatmap> RemoteEngine::SelectHeatmap(std::string_view tenant,
                                                   const query::HeatmapQuery& q,
                                                   query::QueryContext& ctx) {
  FLAMEDB_ASSIGN_OR_RETURN(query::HeatmapPartial merged,
                           query::CollectHeatmap({}, q, options_.limits, ctx));  // Validates.
  const store::TimeRange range = query::HeatmapRange(q);
  Request r;
  SetRange(r.proto, tenant, iv1::METHOD_SELECT_HEATMAP, range);
  SetStepQuery(r.proto, q, options_.limits.max_query_length_ms);
  r.proto.set_heatmap_spans(q.spans);
  r.proto.set_exemplars(q.exemplars ? 1 : 0);
  FLAMEDB_ASSIGN_OR_RETURN(Responses rs, FanOut(index_.Blocks(tenant), range, r, ctx));
  for (const iv1::BackendResponse& resp : rs.all) {
    FLAMEDB_ASSIGN_OR_RETURN(query::HeatmapPartial part, HeatmapFromProto(resp.heatmap()));
    query::MergeHeatmap(std::move(part), merged);
  }
  return query::FinishHeatmap(std::move(merged), q);
}

Result<std::string> RemoteEngine::MergeProfile(std::string_view tenant,
                                               const query::MergeProfileQuery& q,
                                               query::QueryContext& ctx) {
  FLAMEDB_RETURN_IF_ERROR(query::CollectProfile({}, q, ctx).status());  // Validates.
  const std::vector<metastore::BlockRef> blocks = index_.Blocks(tenant);
  FLAMEDB_RETURN_IF_ERROR(CheckKnownType(blocks, q.stacks));
  Request r;
  SetRange(r.proto, tenant, iv1::METHOD_MERGE_PROFILE, q.stacks.range);
  SetStackQuery(r.proto, q.stacks);
  // The go_pgo options apply once, to the merged profile.
  r.proto.set_keep_locations(0);
  r.proto.set_aggregate_callees(false);
  FLAMEDB_ASSIGN_OR_RETURN(Responses rs, FanOut(blocks, q.stacks.range, r, ctx));
  std::vector<query::ProfilePartial> parts;
  for (const iv1::BackendResponse& resp : rs.all) {
    FLAMEDB_ASSIGN_OR_RETURN(query::ProfilePartial part, ProfileFromProto(resp.profile()));
    parts.push_back(std::move(part));
  }
  return query::FinishProfile(parts, q, ctx);
}

Result<query::QueryAnalysis> RemoteEngine::AnalyzeQuery(std::string_view tenant,
                                                        const std::string& query,
                                                        store::TimeRange range,
                                                        query::QueryContext& ctx) {
  FLAMEDB_ASSIGN_OR_RETURN(query::QueryAnalysis a,
                           query::AnalyzeQuery({}, 0, query, range, ctx));  // Validates.
  Request r;
  SetRange(r.proto, tenant, iv1::METHOD_ANALYZE_QUERY, range);
  r.proto.set_query(query);
  FLAMEDB_ASSIGN_OR_RETURN(Responses rs, FanOut(index_.Blocks(tenant), range, r, ctx));
  for (const iv1::BackendResponse& resp : rs.all) {
    a.blocks.components += resp.blocks().components();
    a.blocks.series += resp.blocks().series();
    a.blocks.profiles += resp.blocks().profiles();
    a.blocks.samples += resp.blocks().samples();
    a.blocks.index_bytes += resp.blocks().index_bytes();
    a.blocks.profile_bytes += resp.blocks().profile_bytes();
    a.blocks.symbol_bytes += resp.blocks().symbol_bytes();
  }
  return a;
}

Result<query::ProfileStats> RemoteEngine::GetProfileStats(std::string_view tenant,
                                                          query::QueryContext& ctx) {
  const store::TimeRange all{INT64_MIN, INT64_MAX};
  Request r;
  SetRange(r.proto, tenant, iv1::METHOD_PROFILE_STATS, all);
  FLAMEDB_ASSIGN_OR_RETURN(Responses rs, FanOut(index_.Blocks(tenant), all, r, ctx));
  query::ProfileStats stats;
  for (const iv1::BackendResponse& resp : rs.all) {
    stats.data_ingested = stats.data_ingested || resp.data_ingested();
    stats.oldest_ms = std::min(stats.oldest_ms, resp.oldest_ms());
    stats.newest_ms = std::max(stats.newest_ms, resp.newest_ms());
  }
  return stats;
}

}  // namespace flamedb::frontend
