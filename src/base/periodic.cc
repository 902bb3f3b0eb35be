#include "base/periodic.h"

#include <condition_variable>
#include <mutex>

namespace flamedb::base {

void RunEvery(std::stop_token stop, Duration interval, const std::function<void()>& fn) {
  std::mutex mu;  // std:: types: condition_variable_any waits on a stop_token.
  std::condition_variable_any cv;
  std::unique_lock<std::mutex> lock(mu);
  while (!stop.stop_requested()) {
    cv.wait_for(lock, stop, interval, [] { return false; });
    if (stop.stop_requested()) break;
    fn();
  }
}

}  // namespace flamedb::base
