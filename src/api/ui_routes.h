// The built-in web UI (web/, embedded by src/ui): the app's pages at /, /explore, /comparison, /diff,
// /tag-explorer, /heatmap and /upload (index.html, never cached, so a new binary's UI is picked up at once) and its
// hashed files under /assets/ (cached for a year: their names change with their content).
#pragma once

#include "api/router.h"

namespace flamedb::api {

void AddUiRoutes(Router& router);

}  // namespace flamedb::api
