// A map from a stack's 128-bit key to its stack id, so that interning a stack seen before costs
// one probe instead of one probe per frame (Partition::AddSamples).
#pragma once

#include <cstdint>
#include <vector>

namespace flamedb::symdb {

// A whole stack's 128-bit key: model::StackKey's halves (model/stack_key.h), a hash of the
// content of its locations. Distinct stacks of real profiles do not collide (a crafted collision
// could only misattribute the crafting tenant's own samples).
struct StackHash {
  uint64_t a = 0;
  uint64_t b = 0;
};

// Open addressing with linear probing, at most half full. Not thread-safe.
class StackCache {
 public:
  static constexpr uint32_t kMissing = UINT32_MAX;

  StackCache() { slots_.resize(16); }

  uint32_t Find(const StackHash& h) const {
    for (size_t i = h.a & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      const Slot& s = slots_[i];
      if (s.stack == kMissing) return kMissing;
      if (s.hash.a == h.a && s.hash.b == h.b) return s.stack;
    }
  }

  // Starts loading the slot a Find(h) would probe first.
  void Prefetch(const StackHash& h) const {
    __builtin_prefetch(&slots_[h.a & (slots_.size() - 1)]);
  }

  // REQUIRES: `h` is not present; stack != kMissing.
  void Insert(const StackHash& h, uint32_t stack) {
    if (2 * (size_ + 1) > slots_.size()) Grow();
    Place({h, stack});
    ++size_;
  }

  size_t MemoryBytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    StackHash hash;
    uint32_t stack = kMissing;
  };

  void Place(const Slot& slot) {
    for (size_t i = slot.hash.a & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].stack == kMissing) {
        slots_[i] = slot;
        return;
      }
    }
  }

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.size() * 2, Slot{});
    for (const Slot& s : old) {
      if (s.stack != kMissing) Place(s);
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace flamedb::symdb
