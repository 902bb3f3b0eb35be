// -storage.prefix: every key of a bucket under a fixed prefix, so that several deployments (or
// tests) share one bucket. Listings come back without the prefix.
#pragma once

#include <memory>
#include <string>

#include "objstore/bucket.h"

namespace flamedb::objstore {

// OK if `prefix` may be a -storage.prefix. Errors: kInvalidArgument naming it.
Status ValidatePrefix(std::string_view prefix);

// `inner` with every key under "<prefix>/". An empty prefix returns `inner` itself.
// Errors: kInvalidArgument unless the prefix is '/'-separated segments of letters, digits,
// '-' and '_'.
Result<std::unique_ptr<Bucket>> WithPrefix(std::unique_ptr<Bucket> inner, std::string prefix);

}  // namespace flamedb::objstore
