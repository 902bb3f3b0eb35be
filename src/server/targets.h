// The components `-target` names. flamedb's names are Pyroscope v2's; Pyroscope's v1 names are
// accepted as aliases of the v2 component that does that work now (docs/deployment.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace flamedb::server {

inline constexpr std::string_view kDistributor = "distributor";
inline constexpr std::string_view kSegmentWriter = "segment-writer";
inline constexpr std::string_view kMetastore = "metastore";
inline constexpr std::string_view kCompactionWorker = "compaction-worker";
inline constexpr std::string_view kQueryFrontend = "query-frontend";
inline constexpr std::string_view kQueryBackend = "query-backend";

// Every component, in start order; what `all` runs.
const std::vector<std::string>& KnownTargets();

// The canonical components of a -target value ("all", names, aliases), each once, in
// KnownTargets() order. Errors: kInvalidArgument naming an unknown name, or an empty list.
Result<std::vector<std::string>> ParseTargets(std::string_view value);

// Whether `targets` (canonical) holds `target`.
bool HasTarget(const std::vector<std::string>& targets, std::string_view target);

}  // namespace flamedb::server
