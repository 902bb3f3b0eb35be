#include "ingester/replay.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/cpu_demand.h"
#include "base/mutex.h"

namespace flamedb::ingester {
namespace {

struct Item {
  std::string bytes;  // A copy: the WAL reuses its read buffer.
  wal::Position at;
};

// A bounded queue: at most kDepth records wait for a worker, so replay memory is bounded.
class Queue {
 public:
  static constexpr size_t kDepth = 64;

  // Adds `item`; when the queue is full, takes the oldest item out for the caller to apply
  // itself (so the reader works instead of waiting, and no thread is left idle).
  std::optional<Item> PushOrTake(Item item) EXCLUDES(mu_) {
    base::MutexLock lock(mu_);
    std::optional<Item> taken;
    if (items_.size() >= kDepth) {
      taken = std::move(items_.front());
      items_.pop_front();
    }
    items_.push_back(std::move(item));
    changed_.NotifyAll();
    return taken;
  }
  void Close() EXCLUDES(mu_) {
    base::MutexLock lock(mu_);
    closed_ = true;
    changed_.NotifyAll();
  }
  // nullopt once closed and drained.
  std::optional<Item> Pop() EXCLUDES(mu_) {
    base::MutexLock lock(mu_);
    changed_.Wait(mu_, [&]() REQUIRES(mu_) { return !items_.empty() || closed_; });
    if (items_.empty()) return std::nullopt;
    Item item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

 private:
  base::Mutex mu_;
  base::CondVar changed_;
  std::deque<Item> items_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;
};

}  // namespace

size_t ReplayWorkers() {
  return std::clamp<size_t>(static_cast<size_t>(base::UsableCores()), 1, 8);
}

Status ReplayRecords(wal::Wal& wal, size_t workers,
                     const std::function<void(Result<PushRecord>, wal::Position)>& apply) {
  Queue queue;
  auto run = [&](Item item) { apply(DecodeRecord(item.bytes), item.at); };
  // The reading thread is one of the `workers`: one more thread than cores would let the
  // scheduler preempt a worker inside the head's locks while the others wait for it.
  std::vector<std::thread> threads;
  for (size_t i = 1; i < workers; ++i) {
    threads.emplace_back([&] {
      while (std::optional<Item> item = queue.Pop()) run(std::move(*item));
    });
  }
  const Status read = wal.Replay([&](std::string_view bytes, wal::Position at) {
    if (std::optional<Item> taken = queue.PushOrTake(Item{std::string(bytes), at})) {
      run(std::move(*taken));
    }
    return OkStatus();
  });
  queue.Close();
  while (std::optional<Item> item = queue.Pop()) run(std::move(*item));
  for (std::thread& t : threads) t.join();
  return read;
}

}  // namespace flamedb::ingester
