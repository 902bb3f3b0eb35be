// The query-frontend's admission of queries (Pyroscope's query-scheduler role): at most
// `capacity` queries run at once; the ones waiting are admitted round-robin across tenants,
// first come first served within a tenant, so a tenant with a hundred queries queued cannot
// keep another tenant's one query waiting behind all of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "base/mutex.h"
#include "base/status.h"
#include "query/context.h"

namespace flamedb::frontend {

// Thread-safe.
class FairQueue {
 public:
  explicit FairQueue(size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

  // A running query's place; gives it back on destruction.
  class Slot {
   public:
    Slot(Slot&& other) noexcept : queue_(other.queue_) { other.queue_ = nullptr; }
    Slot& operator=(Slot&&) = delete;
    ~Slot();

   private:
    friend class FairQueue;
    explicit Slot(FairQueue* queue) : queue_(queue) {}
    FairQueue* queue_;
  };

  // Waits for a place for a query of `tenant`. Errors: those of ctx.Check() (the client went
  // away or the deadline passed while waiting); the query then leaves the queue.
  Result<Slot> Acquire(std::string_view tenant, query::QueryContext& ctx) EXCLUDES(mu_);

  size_t running() const EXCLUDES(mu_);
  size_t waiting() const EXCLUDES(mu_);

 private:
  void Release() EXCLUDES(mu_);
  // Admits waiting queries while there is room, one tenant after another.
  void AdmitLocked() REQUIRES(mu_);
  // Takes ticket `t` of `tenant` out of the queue (it gave up waiting).
  void ForgetLocked(const std::string& tenant, uint64_t t) REQUIRES(mu_);

  const size_t capacity_;
  mutable base::Mutex mu_;
  base::CondVar admitted_cv_;
  size_t running_ GUARDED_BY(mu_) = 0;
  uint64_t next_ticket_ GUARDED_BY(mu_) = 0;
  std::map<std::string, std::deque<uint64_t>, std::less<>> waiting_ GUARDED_BY(mu_);
  std::deque<std::string> turns_ GUARDED_BY(mu_);  // Tenants with waiting queries, in turn.
  std::set<uint64_t> admitted_ GUARDED_BY(mu_);    // Tickets admitted, not yet picked up.
};

}  // namespace flamedb::frontend
