// Parameters of the legacy render routes (spec §5), shared by render and render-diff.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/http.h"
#include "base/clock.h"
#include "base/status.h"
#include "base/url.h"
#include "query/flamegraph.h"
#include "query/flamegraph_diff.h"

namespace flamedb::api {

// A parsed render query: "<profile type>{<matchers>}".
struct RenderQuery {
  std::string profile_type;
  std::string selector;
  std::string sample_type, sample_unit;
};

// Errors: kInvalidArgument '"<key>" is required', '"<key>" must contain a profile-type
// selection'.
Result<RenderQuery> ParseRenderQuery(const base::QueryParams& params, const std::string& key);
// Parameter `key` in attime syntax (absent: now), in ms. Errors: kInvalidArgument.
Result<int64_t> TimeParam(const base::QueryParams& params, const std::string& key,
                          const base::Clock& clock);
// maxNodes, else max-nodes; absent: nullopt. Errors: kInvalidArgument for a non-integer.
Result<std::optional<int64_t>> MaxNodesParam(const base::QueryParams& params);
void AppendInts(std::string& out, const std::vector<int64_t>& v);
// `"names":[...],"levels":[[...],...]` of a flamebearer.
void AppendNamesAndLevels(std::string& out, const std::vector<std::string>& names,
                          const std::vector<std::vector<int64_t>>& levels);
HttpResponse Json(std::string body);
// A flamebearer profile ("single" format: a flame graph and its metadata, no timeline), as
// Pyroscope's adhocprofiles answer it.
std::string FlamebearerJson(const query::FlameGraph& fg, const std::string& sample_type,
                            const std::string& sample_unit);
// A flamebearer profile of a diff ("double" format).
std::string FlamebearerDiffJson(const query::FlameGraphDiff& d, const std::string& sample_type,
                                const std::string& sample_unit);

}  // namespace flamedb::api
