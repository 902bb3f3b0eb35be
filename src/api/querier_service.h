// querier.v1.QuerierService over Connect (proto and JSON): the wire side of query/querier.h
// (spec §4). Every method is tenant-scoped and reads only the caller's tenant's sources.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "api/connect.h"
#include "query/querier.h"

namespace flamedb::api {

// The sources of a tenant at one moment, kept alive by `holder` while a query runs.
struct TenantSources {
  std::shared_ptr<const void> holder;
  query::Sources sources;
};

struct QuerierDeps {
  std::function<TenantSources(std::string_view tenant)> sources;
  query::QueryLimits limits;
};

// ProfileTypes, LabelValues, LabelNames, Series, SelectMergeStacktraces, GetProfileStats;
// the other methods answer unimplemented (501) naming themselves until they land.
std::vector<UnaryMethod> QuerierMethods(const QuerierDeps& deps);

}  // namespace flamedb::api
