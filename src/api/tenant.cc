#include "api/tenant.h"

#include "base/tenant_id.h"

namespace flamedb::api {

Result<std::string> ResolveTenant(bool multitenancy_enabled, const HttpRequest& request) {
  if (!multitenancy_enabled) {
    return std::string(base::kAnonymousTenant);
  }
  const std::optional<std::string_view> header = request.headers.Get(kTenantHeader);
  if (!header.has_value() || header->empty()) {
    return UnauthenticatedError("no org id");
  }
  if (header->find('|') != std::string_view::npos) {
    return UnauthenticatedError(
        "too many org IDs: this operation takes exactly one tenant in X-Scope-OrgID");
  }
  if (Status s = base::ValidateTenantId(*header); !s.ok()) {
    return UnauthenticatedError("invalid X-Scope-OrgID: " + std::string(s.message()));
  }
  return std::string(*header);
}

}  // namespace flamedb::api
