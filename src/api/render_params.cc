#include "api/render_params.h"

#include "api/render_routes.h"

#include <cerrno>
#include <cstdlib>

#include "base/json.h"
#include "ingest/attime.h"
#include "query/select.h"

namespace flamedb::api {

using std::chrono::milliseconds;

Result<RenderQuery> ParseRenderQuery(const base::QueryParams& params, const std::string& key) {
  const auto it = params.find(key);
  if (it == params.end() || it->second.empty()) {
    return InvalidArgumentError("\"" + key + "\" is required");
  }
  const std::string& q = it->second;
  const size_t brace = q.find('{');
  RenderQuery out{q.substr(0, brace), brace == std::string::npos ? "{}" : q.substr(brace), "", ""};
  const std::vector<std::string> parts = query::ProfileTypeParts(out.profile_type);
  if (out.profile_type.empty() || parts.size() != 5) {
    return InvalidArgumentError("\"" + key + "\" must contain a profile-type selection");
  }
  out.sample_type = parts[1];
  out.sample_unit = parts[2];
  return out;
}

Result<int64_t> TimeParam(const base::QueryParams& params, const std::string& key,
                          const base::Clock& clock) {
  const auto it = params.find(key);
  FLAMEDB_ASSIGN_OR_RETURN(auto t, ingest::ParseAtTime(it == params.end() ? "" : it->second,
                                                       clock.Now()));
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

Result<std::optional<int64_t>> MaxNodesParam(const base::QueryParams& params) {
  for (const char* key : {"maxNodes", "max-nodes"}) {
    if (auto it = params.find(key); it != params.end() && !it->second.empty()) {
      char* end = nullptr;
      errno = 0;
      const long long v = std::strtoll(it->second.c_str(), &end, 10);
      if (errno != 0 || end == nullptr || *end != '\0') {
        return InvalidArgumentError(std::string("invalid ") + key + " \"" + it->second +
                                    "\": want an integer");
      }
      return std::optional<int64_t>(v);
    }
  }
  return std::optional<int64_t>();
}

void AppendInts(std::string& out, const std::vector<int64_t>& v) {
  out += '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(v[i]);
  }
  out += ']';
}

void AppendNamesAndLevels(std::string& out, const std::vector<std::string>& names,
                          const std::vector<std::vector<int64_t>>& levels) {
  out += "\"names\":[";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    base::AppendJsonString(out, names[i]);
  }
  out += "],\"levels\":[";
  for (size_t i = 0; i < levels.size(); ++i) {
    if (i > 0) out += ',';
    AppendInts(out, levels[i]);
  }
  out += ']';
}

HttpResponse Json(std::string body) {
  HttpResponse resp;
  resp.headers.Set("Content-Type", "application/json");
  resp.body = std::move(body);
  return resp;
}

namespace {

// `{"version":1,"flamebearer":{...},"metadata":{...}` of a flame graph or a diff (`format`
// single or double), left open for what follows the metadata.
template <typename Graph>
std::string FlamebearerHead(const Graph& g, const char* format, const std::string& sample_type,
                            const std::string& sample_unit) {
  std::string out = "{\"version\":1,\"flamebearer\":{";
  AppendNamesAndLevels(out, g.names, g.levels);
  out += ",\"numTicks\":" + std::to_string(g.total) + ",\"maxSelf\":" +
         std::to_string(g.max_self) + "},\"metadata\":{\"format\":\"" + format +
         "\",\"spyName\":\"\",\"sampleRate\":" + (sample_type == "cpu" ? "1000000000" : "100") +
         ",\"units\":";
  base::AppendJsonString(out, RenderUnits(sample_type, sample_unit));
  out += ",\"name\":";
  base::AppendJsonString(out, sample_type);
  return out + "}";
}

}  // namespace

std::string FlamebearerJson(const query::FlameGraph& fg, const std::string& sample_type,
                            const std::string& sample_unit) {
  return FlamebearerHead(fg, "single", sample_type, sample_unit) +
         ",\"timeline\":null,\"groups\":null,\"heatmap\":null}\n";
}

std::string FlamebearerDiffJson(const query::FlameGraphDiff& d, const std::string& sample_type,
                                const std::string& sample_unit) {
  std::string out = FlamebearerHead(d, "double", sample_type, sample_unit);
  // Pyroscope omits zero tick counts (omitempty).
  if (d.left_ticks != 0) out += ",\"leftTicks\":" + std::to_string(d.left_ticks);
  if (d.right_ticks != 0) out += ",\"rightTicks\":" + std::to_string(d.right_ticks);
  return out + ",\"timeline\":null,\"groups\":null,\"heatmap\":null}\n";
}

}  // namespace flamedb::api
