#include "api/render_routes.h"

#include "api/render_params.h"

#include <cmath>

#include "api/errors.h"
#include "base/json.h"
#include "base/url.h"
#include "ingest/attime.h"
#include "query/dot.h"
#include "query/flamegraph.h"
#include "query/select.h"
#include "query/series.h"

namespace flamedb::api {
namespace {

using std::chrono::milliseconds;

constexpr int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute,
                  kDay = 24 * kHour;

void AppendFlamebearer(std::string& out, const query::FlameGraph& fg) {
  out += '{';
  AppendNamesAndLevels(out, fg.names, fg.levels);
  out += ",\"numTicks\":" + std::to_string(fg.total) + ",\"maxSelf\":" +
         std::to_string(fg.max_self) + "}";
}

// Pyroscope's timeline of one series: one sample per step in [start, end), zero-filled.
std::string Timeline(const query::TimeSeries* series, int64_t from_ms, int64_t until_ms,
                     int64_t step_s) {
  const int64_t start = from_ms / 1000 / step_s * step_s;
  const int64_t end = until_ms / 1000 / step_s * step_s;
  std::vector<int64_t> samples(static_cast<size_t>(std::max<int64_t>(0, (end - start) / step_s)));
  if (series != nullptr) {
    for (const query::Point& p : series->points) {
      const int64_t i = (p.timestamp_ms / 1000 - start) / step_s;
      if (i >= 0 && i < static_cast<int64_t>(samples.size())) {
        samples[i] += static_cast<int64_t>(p.value);
      }
    }
  }
  std::string out = "{\"startTime\":" + std::to_string(start) + ",\"samples\":";
  AppendInts(out, samples);
  return out + ",\"durationDelta\":" + std::to_string(step_s) + ",\"watermarks\":null}";
}


// format=dot: a Graphviz call graph of the maxNodes (default 100) functions with the largest
// cumulative values, as Pyroscope renders it through pprof (spec §5.1).
Result<HttpResponse> Dot(query::Engine& engine, const std::string& tenant,
                         query::QueryContext& qctx, const query::StackQuery& q,
                         std::optional<int64_t> max_nodes) {
  FLAMEDB_ASSIGN_OR_RETURN(query::FunctionTree tree, engine.MergeStacktraces(tenant, q, qctx));
  HttpResponse resp;
  resp.headers.Set("Content-Type", "text/plain");
  if (tree.total() != 0) {
    resp.body = query::BuildDot(tree, q.profile_type, max_nodes.value_or(0) > 0 ? *max_nodes : 100);
  }
  return resp;
}

Result<HttpResponse> Render(const QuerierDeps& deps, const base::Clock& clock,
                            RequestContext& ctx, const base::QueryParams& params) {
  FLAMEDB_ASSIGN_OR_RETURN(RenderQuery q, ParseRenderQuery(params, "query"));
  FLAMEDB_ASSIGN_OR_RETURN(int64_t from, TimeParam(params, "from", clock));
  FLAMEDB_ASSIGN_OR_RETURN(int64_t until, TimeParam(params, "until", clock));
  FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                           query::CheckRange(from, until, true, deps.limits));
  FLAMEDB_ASSIGN_OR_RETURN(std::optional<int64_t> max_nodes_param, MaxNodesParam(params));
  FLAMEDB_ASSIGN_OR_RETURN(int64_t max_nodes, query::EffectiveMaxNodes(max_nodes_param));
  query::QueryContext qctx = MakeQueryContext(ctx, deps);
  const auto format = params.find("format");
  if (format != params.end() && format->second == "dot") {
    return Dot(*deps.engine, ctx.tenant, qctx, {q.profile_type, q.selector, range, {}, {}}, max_nodes_param);
  }
  FLAMEDB_ASSIGN_OR_RETURN(
      query::FunctionTree tree,
      deps.engine->MergeStacktraces(ctx.tenant, {q.profile_type, q.selector, range, {}, {}}, qctx));
  const int64_t step = TimelineStepSeconds(from, until);
  std::vector<std::string> group_by;
  if (auto it = params.find("groupBy"); it != params.end() && !it->second.empty()) {
    group_by.push_back(it->second);
  }
  const auto agg = params.find("aggregation");
  const bool average = agg != params.end() && agg->second == "avg";
  FLAMEDB_ASSIGN_OR_RETURN(
      std::vector<query::TimeSeries> series,
      deps.engine->SelectSeries(ctx.tenant,
                                {q.profile_type, q.selector, from, until,
                                 static_cast<double>(step), group_by, average, 0, {}},
                                qctx));
  std::string out = "{\"version\":1,\"flamebearer\":";
  AppendFlamebearer(out, query::BuildFlameGraph(tree, max_nodes));
  out += ",\"metadata\":{\"format\":\"single\",\"spyName\":\"\",\"sampleRate\":";
  out += q.sample_type == "cpu" ? "1000000000" : "100";
  out += ",\"units\":";
  base::AppendJsonString(out, RenderUnits(q.sample_type, q.sample_unit));
  out += ",\"name\":";
  base::AppendJsonString(out, q.sample_type);
  out += "},\"timeline\":" + Timeline(series.size() == 1 ? &series[0] : nullptr, from, until, step);
  if (group_by.empty()) {
    out += ",\"groups\":null";
  } else {
    out += ",\"groups\":{";
    for (size_t i = 0; i < series.size(); ++i) {
      if (i > 0) out += ',';
      base::AppendJsonString(out, std::string(series[i].labels.Get(group_by[0]).value_or("*")));
      out += ':' + Timeline(&series[i], from, until, step);
    }
    out += '}';
  }
  return Json(out + ",\"heatmap\":null}\n");
}

std::string JsonArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    base::AppendJsonString(out, items[i]);
  }
  return out + "]\n";
}

}  // namespace

std::string RenderUnits(const std::string& sample_type, const std::string& unit) {
  if (sample_type == "cpu") return "samples";
  for (const char* t : {"inuse_objects", "alloc_objects", "goroutine", "samples"}) {
    if (sample_type == t) return "objects";
  }
  return unit;
}

int64_t TimelineStepSeconds(int64_t from_ms, int64_t until_ms) {
  const int64_t interval = (until_ms - from_ms) / 1500;
  // Grafana's rounding table: an interval up to the first value rounds to the second.
  static constexpr std::pair<int64_t, int64_t> kTable[] = {
      {10, 1}, {15, 10}, {35, 20}, {75, 50}, {150, 100}, {350, 200}, {750, 500},
      {1500, 1000}, {3500, 2000}, {7500, 5000}, {12500, 10000}, {17500, 15000},
      {25000, 20000}, {45000, 30000}, {90000, kMinute}, {210000, 2 * kMinute},
      {450000, 5 * kMinute}, {750000, 10 * kMinute}, {1050000, 15 * kMinute},
      {1500000, 20 * kMinute}, {2700000, 30 * kMinute}, {5400000, kHour},
      {9000000, 2 * kHour}, {16200000, 3 * kHour}, {32400000, 6 * kHour}, {kDay, 12 * kHour},
      {2 * kDay, kDay}, {7 * kDay, kDay}, {21 * kDay, 7 * kDay}};
  int64_t rounded = 365 * kDay;
  bool found = false;
  for (const auto& [upto, value] : kTable) {
    if (interval <= upto) {
      rounded = value;
      found = true;
      break;
    }
  }
  if (!found && interval < 42 * kDay) rounded = 30 * kDay;
  return std::max<int64_t>(rounded, 15 * kSecond) / kSecond;
}

void AddRenderRoutes(Router& router, const QuerierDeps& deps, const base::Clock& clock) {
  AddRenderDiffRoute(router, deps, clock);
  router.Add({"GET"}, "/pyroscope/render", {.needs_tenant = true},
             [deps, &clock](HttpRequest& req, RequestContext& ctx) {
               Result<HttpResponse> resp = Render(deps, clock, ctx, base::ParseQuery(req.query));
               return resp.ok() ? std::move(resp).value() : ErrorResponse(resp.status());
             });
  router.Add({"GET"}, "/pyroscope/label-values", {.needs_tenant = true},
             [deps](HttpRequest& req, RequestContext& ctx) {
               const base::QueryParams params = base::ParseQuery(req.query);
               const auto label = params.find("label");
               if (label == params.end() || label->second.empty()) {
                 return ErrorResponse(InvalidArgumentError("label parameter is required"));
               }
               query::QueryContext qctx = MakeQueryContext(ctx, deps);
               const store::TimeRange all{INT64_MIN, INT64_MAX};
               std::vector<std::string> values;
               if (label->second == "__name__") {
                 Result<std::vector<query::ProfileTypeInfo>> types =
                     deps.engine->ProfileTypes(ctx.tenant, all, qctx);
                 if (!types.ok()) return ErrorResponse(types.status());
                 for (const auto& type : *types) values.push_back(type.id);
               } else {
                 Result<std::vector<std::string>> found =
                     deps.engine->LabelValues(ctx.tenant, label->second, {}, all, qctx);
                 if (!found.ok()) return ErrorResponse(found.status());
                 values = std::move(found).value();
               }
               return Json(JsonArray(values));
             });
  router.Add({"GET"}, "/pyroscope/label-names", {.needs_tenant = true},
             [deps](HttpRequest&, RequestContext& ctx) {
               query::QueryContext qctx = MakeQueryContext(ctx, deps);
               Result<std::vector<std::string>> names =
                   deps.engine->LabelNames(ctx.tenant, {}, {INT64_MIN, INT64_MAX}, qctx);
               return names.ok() ? Json(JsonArray(*names)) : ErrorResponse(names.status());
             });
}

}  // namespace flamedb::api
