#include "server/targets.h"

#include <algorithm>
#include <utility>

#include "base/strings.h"

namespace flamedb::server {
namespace {

// Pyroscope v1's names, and the v2 component that does their work.
constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
    {"ingester", kSegmentWriter},        {"querier", kQueryBackend},
    {"store-gateway", kQueryBackend},    {"compactor", kCompactionWorker},
    {"query-scheduler", kQueryFrontend},
};

}  // namespace

const std::vector<std::string>& KnownTargets() {
  static const std::vector<std::string> kTargets = {
      std::string(kMetastore),     std::string(kSegmentWriter),     std::string(kDistributor),
      std::string(kQueryBackend),  std::string(kQueryFrontend),     std::string(kCompactionWorker)};
  return kTargets;
}

bool HasTarget(const std::vector<std::string>& targets, std::string_view target) {
  return std::find(targets.begin(), targets.end(), target) != targets.end();
}

Result<std::vector<std::string>> ParseTargets(std::string_view value) {
  const std::vector<std::string_view> names = base::SplitNonEmpty(value, ',');
  if (names.empty()) {
    return InvalidArgumentError("flag -target is empty: name at least one component, or all");
  }
  std::vector<std::string> wanted;
  for (std::string_view name : names) {
    if (name == "all") return KnownTargets();
    for (const auto& [alias, canonical] : kAliases) {
      if (name == alias) name = canonical;
    }
    if (!HasTarget(KnownTargets(), name)) {
      return InvalidArgumentError(
          "unknown target \"" + std::string(name) +
          "\" in -target: use all or any of distributor, segment-writer, metastore, "
          "compaction-worker, query-frontend, query-backend (or Pyroscope's ingester, querier, "
          "store-gateway, compactor, query-scheduler)");
    }
    wanted.emplace_back(name);
  }
  std::vector<std::string> out;
  for (const std::string& t : KnownTargets()) {
    if (HasTarget(wanted, t)) out.push_back(t);
  }
  return out;
}

}  // namespace flamedb::server
