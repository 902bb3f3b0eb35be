#include "query/context.h"

#include <string>

namespace flamedb::query {

Status QueryContext::Check() {
  if (stopped()) return status();
  if (options_.cancelled != nullptr && options_.cancelled->load(std::memory_order_relaxed)) {
    return Fail(CancelledError("the query was cancelled: the client closed the connection"));
  }
  if (options_.deadline.has_value() && options_.clock != nullptr &&
      options_.clock->SteadyNow() >= *options_.deadline) {
    return Fail(DeadlineExceededError("the query did not finish within its Connect-Timeout-Ms"));
  }
  return OkStatus();
}

Status QueryContext::Charge(int64_t bytes) {
  const int64_t charged = charged_.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  if (options_.memory_budget_bytes > 0 && charged > options_.memory_budget_bytes) {
    return Fail(ResourceExhaustedError(
        "the query needs more than its memory budget of " +
        std::to_string(options_.memory_budget_bytes) +
        " bytes (-querier.max-query-memory); narrow the time range or the label selector"));
  }
  return Check();
}

Status QueryContext::status() const {
  base::MutexLock lock(mu_);
  return status_;
}

Status QueryContext::Fail(Status s) {
  base::MutexLock lock(mu_);
  if (status_.ok()) {
    status_ = std::move(s);
    stopped_.store(true, std::memory_order_relaxed);
  }
  return status_;
}

}  // namespace flamedb::query
