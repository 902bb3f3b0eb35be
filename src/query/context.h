// Per-query limits that stop a query early: the client went away, its deadline passed
// (Connect-Timeout-Ms), or it needs more memory than its budget (-querier.max-query-memory).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"

namespace flamedb::query {

// Thread-safe: the workers of one query share it. The first error is sticky, so callbacks
// that cannot return a Status (ProfileSource::ForEachRow) stop working and the caller reads
// status() after.
class QueryContext {
 public:
  struct Options {
    const std::atomic<bool>* cancelled = nullptr;  // Set when the client disconnected.
    std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt;
    const base::Clock* clock = nullptr;  // Required with a deadline.
    int64_t memory_budget_bytes = 0;     // 0: unlimited.
    int threads = 1;                     // Sources read at once (-querier.query-threads).
  };

  QueryContext() = default;  // No limits: for tests, benchmarks and internal callers.
  explicit QueryContext(Options options) : options_(options) {}
  QueryContext(const QueryContext&) = delete;
  QueryContext& operator=(const QueryContext&) = delete;

  // OK while the query may go on. Errors: kCancelled (client gone), kDeadlineExceeded.
  Status Check() EXCLUDES(mu_);
  // Accounts for `bytes` more memory held by this query's intermediate results.
  // Errors: kResourceExhausted once the budget is passed (and those of Check()).
  Status Charge(int64_t bytes) EXCLUDES(mu_);
  // The first error seen by Check() or Charge(), or OK.
  Status status() const EXCLUDES(mu_);
  bool stopped() const { return stopped_.load(std::memory_order_relaxed); }
  int64_t charged_bytes() const { return charged_.load(std::memory_order_relaxed); }
  int threads() const { return options_.threads < 1 ? 1 : options_.threads; }

 private:
  Status Fail(Status s) EXCLUDES(mu_);

  const Options options_ = {};
  std::atomic<int64_t> charged_{0};
  std::atomic<bool> stopped_{false};
  mutable base::Mutex mu_;
  Status status_ GUARDED_BY(mu_);
};

}  // namespace flamedb::query
