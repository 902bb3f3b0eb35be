#include "query/context.h"

#include <string>

namespace flamedb::query {

Status QueryContext::Check() {
  if (!status_.ok()) return status_;
  if (options_.cancelled != nullptr && options_.cancelled->load(std::memory_order_relaxed)) {
    status_ = CancelledError("the query was cancelled: the client closed the connection");
  } else if (options_.deadline.has_value() && options_.clock != nullptr &&
             options_.clock->SteadyNow() >= *options_.deadline) {
    status_ = DeadlineExceededError("the query did not finish within its Connect-Timeout-Ms");
  }
  return status_;
}

Status QueryContext::Charge(int64_t bytes) {
  charged_ += bytes;
  if (status_.ok() && options_.memory_budget_bytes > 0 &&
      charged_ > options_.memory_budget_bytes) {
    status_ = ResourceExhaustedError(
        "the query needs more than its memory budget of " +
        std::to_string(options_.memory_budget_bytes) +
        " bytes (-querier.max-query-memory); narrow the time range or the label selector");
  }
  return Check();
}

}  // namespace flamedb::query
