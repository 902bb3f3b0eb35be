// Per-query limits that stop a query early: the client went away, its deadline passed
// (Connect-Timeout-Ms), or it needs more memory than its budget (-querier.max-query-memory).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

#include "base/clock.h"
#include "base/status.h"

namespace flamedb::query {

// Not thread-safe: one query, one thread. The first error is sticky, so callbacks that cannot
// return a Status (ProfileSource::ForEachRow) stop working and the caller reads status() after.
class QueryContext {
 public:
  struct Options {
    const std::atomic<bool>* cancelled = nullptr;  // Set when the client disconnected.
    std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt;
    const base::Clock* clock = nullptr;  // Required with a deadline.
    int64_t memory_budget_bytes = 0;     // 0: unlimited.
  };

  QueryContext() = default;  // No limits: for tests, benchmarks and internal callers.
  explicit QueryContext(Options options) : options_(options) {}

  // OK while the query may go on. Errors: kCancelled (client gone), kDeadlineExceeded.
  Status Check();
  // Accounts for `bytes` more memory held by this query's intermediate results.
  // Errors: kResourceExhausted once the budget is passed (and those of Check()).
  Status Charge(int64_t bytes);
  // The first error seen by Check() or Charge(), or OK.
  const Status& status() const { return status_; }
  bool stopped() const { return !status_.ok(); }
  int64_t charged_bytes() const { return charged_; }

 private:
  Options options_;
  int64_t charged_ = 0;
  Status status_;
};

}  // namespace flamedb::query
