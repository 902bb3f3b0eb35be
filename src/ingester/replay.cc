#include "ingester/replay.h"

#include <deque>
#include <optional>
#include <thread>

#include "base/mutex.h"

namespace flamedb::ingester {
namespace {

struct Item {
  Result<PushRecord> record;
  wal::Position at;
};

// A bounded queue: the decoder stays at most kDepth records ahead, so replay memory is bounded.
class Queue {
 public:
  static constexpr size_t kDepth = 64;

  void Push(Item item) EXCLUDES(mu_) {
    base::MutexLock lock(mu_);
    changed_.Wait(mu_, [&]() REQUIRES(mu_) { return items_.size() < kDepth; });
    items_.push_back(std::move(item));
    changed_.NotifyAll();
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
    changed_.NotifyAll();
    return item;
  }

 private:
  base::Mutex mu_;
  base::CondVar changed_;
  std::deque<Item> items_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;
};

}  // namespace

Status ReplayRecords(wal::Wal& wal,
                     const std::function<void(Result<PushRecord>, wal::Position)>& apply) {
  Queue queue;
  Status read;
  std::thread reader([&] {
    read = wal.Replay([&](std::string_view bytes, wal::Position at) {
      queue.Push(Item{DecodeRecord(bytes), at});
      return OkStatus();
    });
    queue.Close();
  });
  while (std::optional<Item> item = queue.Pop()) {
    apply(std::move(item->record), item->at);
  }
  reader.join();
  return read;
}

}  // namespace flamedb::ingester
