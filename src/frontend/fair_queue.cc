#include "frontend/fair_queue.h"

#include <algorithm>
#include <chrono>

namespace flamedb::frontend {

FairQueue::Slot::~Slot() {
  if (queue_ != nullptr) queue_->Release();
}

Result<FairQueue::Slot> FairQueue::Acquire(std::string_view tenant, query::QueryContext& ctx) {
  base::MutexLock lock(mu_);
  if (running_ < capacity_ && turns_.empty()) {
    ++running_;
    return Slot(this);
  }
  const uint64_t ticket = next_ticket_++;
  const std::string name(tenant);
  std::deque<uint64_t>& mine = waiting_[name];
  if (mine.empty()) turns_.push_back(name);
  mine.push_back(ticket);
  for (;;) {
    // Woken by admissions; the timeout only re-checks the client and the deadline.
    admitted_cv_.WaitUntil(mu_, std::chrono::steady_clock::now() + std::chrono::milliseconds(50),
                           [&]() REQUIRES(mu_) { return admitted_.count(ticket) > 0; });
    if (admitted_.erase(ticket) > 0) return Slot(this);
    if (Status s = ctx.Check(); !s.ok()) {
      ForgetLocked(name, ticket);
      return s;
    }
  }
}

void FairQueue::ForgetLocked(const std::string& tenant, uint64_t ticket) {
  auto it = waiting_.find(tenant);
  if (it == waiting_.end()) return;
  std::deque<uint64_t>& q = it->second;
  q.erase(std::remove(q.begin(), q.end(), ticket), q.end());
  if (q.empty()) {
    waiting_.erase(it);
    turns_.erase(std::remove(turns_.begin(), turns_.end(), tenant), turns_.end());
  }
}

void FairQueue::Release() {
  base::MutexLock lock(mu_);
  --running_;
  AdmitLocked();
}

void FairQueue::AdmitLocked() {
  bool any = false;
  while (running_ < capacity_ && !turns_.empty()) {
    const std::string tenant = std::move(turns_.front());
    turns_.pop_front();
    std::deque<uint64_t>& q = waiting_[tenant];
    admitted_.insert(q.front());
    q.pop_front();
    ++running_;
    any = true;
    if (q.empty()) {
      waiting_.erase(tenant);
    } else {
      turns_.push_back(tenant);  // Its next query waits for the other tenants' turns.
    }
  }
  if (any) admitted_cv_.NotifyAll();
}

size_t FairQueue::running() const {
  base::MutexLock lock(mu_);
  return running_;
}

size_t FairQueue::waiting() const {
  base::MutexLock lock(mu_);
  size_t n = 0;
  for (const auto& [tenant, q] : waiting_) n += q.size();
  return n;
}

}  // namespace flamedb::frontend
