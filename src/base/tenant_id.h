// Tenant ID rules (dskit's), checked before a tenant ID reaches any other code or a path.
#pragma once

#include <string_view>

#include "base/status.h"

namespace flamedb::base {

inline constexpr size_t kMaxTenantIdLength = 150;
inline constexpr std::string_view kAnonymousTenant = "anonymous";

// OK if `id` is a valid single tenant ID: 1..150 bytes of ASCII letters, digits and
// `! - _ . * ' ( )`, and neither "." nor "..". Errors: kInvalidArgument naming the problem.
Status ValidateTenantId(std::string_view id);

}  // namespace flamedb::base
