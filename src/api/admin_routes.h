// Pyroscope's ingester admin routes: /ingester/flush cuts every head into a block now;
// /ingester/shutdown does the same and then stops the process gracefully (exit 0).
#pragma once

#include <functional>

#include "api/router.h"
#include "base/status.h"

namespace flamedb::api {

struct AdminRouteDeps {
  std::function<Status()> flush;     // Cuts and uploads every head; returns when done.
  std::function<void()> shut_down;   // Starts a graceful shutdown of the process.
};

void AddAdminRoutes(Router& router, AdminRouteDeps deps);

}  // namespace flamedb::api
