// Background loops: run a function every interval until a stop is requested.
#pragma once

#include <functional>
#include <stop_token>

#include "base/duration.h"

namespace flamedb::base {

// Calls `fn` every `interval` on the calling thread until `stop` is requested; a request wakes
// the wait at once, and the call in progress finishes first.
void RunEvery(std::stop_token stop, Duration interval, const std::function<void()>& fn);

}  // namespace flamedb::base
