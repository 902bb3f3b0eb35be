// querier.v1.QuerierService over Connect (proto and JSON): the wire side of query/querier.h
// (spec §4). Every method is tenant-scoped and reads only the caller's tenant's sources.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "api/connect.h"
#include "query/engine.h"

namespace flamedb::api {

struct QuerierDeps {
  query::Engine* engine = nullptr;  // Must outlive the methods.
  query::QueryLimits limits;
  const base::Clock* clock = nullptr;  // For deadlines; must outlive the methods.
};

// The limits of one request's query: its client, its Connect-Timeout-Ms, the memory budget.
query::QueryContext MakeQueryContext(RequestContext& ctx, const QuerierDeps& deps);

// Every querier.v1.QuerierService method (spec §4).
std::vector<UnaryMethod> QuerierMethods(const QuerierDeps& deps);

}  // namespace flamedb::api
