// A map from a stack's model::StackKey (its content key, model/stack_key.h) to its stack id, so
// that interning a stack seen before costs one probe instead of one per frame
// (Partition::AddSamples). Distinct stacks of real profiles do not collide in 128 bits; a crafted
// collision could only misattribute the crafting tenant's own samples.
#pragma once

#include <cstdint>
#include <vector>

#include "model/profile.h"

namespace flamedb::symdb {

// Open addressing with linear probing, at most half full. Not thread-safe.
class StackCache {
 public:
  static constexpr uint32_t kMissing = UINT32_MAX;

  StackCache() { slots_.resize(16); }

  uint32_t Find(const model::StackKey& h) const {
    for (size_t i = h.a & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      const Slot& s = slots_[i];
      if (s.stack == kMissing) return kMissing;
      if (s.hash == h) return s.stack;
    }
  }

  // Starts loading the slot a Find(h) would probe first.
  void Prefetch(const model::StackKey& h) const {
    __builtin_prefetch(&slots_[h.a & (slots_.size() - 1)]);
  }

  // REQUIRES: `h` is not present; stack != kMissing.
  void Insert(const model::StackKey& h, uint32_t stack) {
    if (2 * (size_ + 1) > slots_.size()) Grow();
    Place({h, stack});
    ++size_;
  }

  size_t MemoryBytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    model::StackKey hash;
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
