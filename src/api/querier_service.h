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
  size_t heads = 0;  // The first `heads` sources are in-memory heads, the rest blocks.
};

struct QuerierDeps {
  std::function<TenantSources(std::string_view tenant)> sources;
  query::QueryLimits limits;
  const base::Clock* clock = nullptr;  // For deadlines; must outlive the methods.
};

// The limits of one request's query: its client, its Connect-Timeout-Ms, the memory budget.
query::QueryContext MakeQueryContext(RequestContext& ctx, const QuerierDeps& deps);

// Every querier.v1.QuerierService method (spec §4).
std::vector<UnaryMethod> QuerierMethods(const QuerierDeps& deps);

}  // namespace flamedb::api
