// Tenant resolution from X-Scope-OrgID (docs/api.md "Tenancy").
#pragma once

#include <string>

#include "api/http.h"
#include "base/status.h"

namespace flamedb::api {

inline constexpr std::string_view kTenantHeader = "X-Scope-OrgID";

// Returns the tenant of `request`. Without multi-tenancy every request is tenant "anonymous"
// and the header is ignored. With it, the header must hold one valid tenant ID.
// Errors: kUnauthenticated ("no org id" when absent or empty; otherwise a message naming what is
// wrong with the ID, including several `|`-separated IDs on a single-tenant route).
Result<std::string> ResolveTenant(bool multitenancy_enabled, const HttpRequest& request);

}  // namespace flamedb::api
