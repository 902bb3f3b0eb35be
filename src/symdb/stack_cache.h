// A map from a stack's 128-bit hash to its stack id, so that interning a stack seen before costs
// one probe instead of one probe per frame (Partition::AddSamples).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace flamedb::symdb {

// The two 64-bit hashes of a root-first location sequence, from two independent
// multiply-xorshift chains. Distinct stacks of real profiles do not collide in 128 bits (a
// crafted collision could only misattribute the crafting tenant's own samples).
struct StackHash {
  uint64_t a = 0;
  uint64_t b = 0;
};

inline StackHash HashStack(std::span<const uint32_t> locations_root_first) {
  uint64_t a = 0x243f6a8885a308d3ULL ^ locations_root_first.size();
  uint64_t b = 0x13198a2e03707344ULL + locations_root_first.size();
  // Two locations per step: each chain's multiply latency is the cost, so halving the steps
  // halves the time (real stacks are 20-60 frames deep).
  auto step = [&](uint64_t word) {
    a = (a ^ word) * 0x9e3779b97f4a7c15ULL;
    a ^= a >> 29;
    b = (b + word + 0x632be59bd9b4e019ULL) * 0xc2b2ae3d27d4eb4fULL;
    b ^= b >> 31;
  };
  const uint32_t* p = locations_root_first.data();
  const size_t n = locations_root_first.size();
  size_t i = 0;
  for (; i + 2 <= n; i += 2) step(uint64_t{p[i]} | uint64_t{p[i + 1]} << 32);
  if (i < n) step(p[i]);
  return {a, b};
}

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
