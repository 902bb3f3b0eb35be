// An open-addressing hash map from 64-bit keys to 32-bit values, for the symbol store's
// de-duplication tables: one flat array, no per-entry allocation, linear probing.
#pragma once

#include <cstdint>
#include <vector>

namespace flamedb::symdb {

// Not thread-safe. Keys are arbitrary 64-bit values (callers hash their data into them, and
// compare the data on a hit when keys are hashes).
class FlatMap {
 public:
  FlatMap() { slots_.resize(16); }

  // Calls `eq(value)` for each value stored under `key` until it returns true; returns that
  // value or kMissing.
  template <typename Eq>
  uint32_t Find(uint64_t key, Eq eq) const {
    for (size_t i = Mix(key) & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      const Slot& s = slots_[i];
      if (s.value == kMissing) {
        return kMissing;
      }
      if (s.key == key && eq(s.value)) {
        return s.value;
      }
    }
  }

  // Adds (key, value). REQUIRES: value != kMissing.
  void Insert(uint64_t key, uint32_t value) {
    if (2 * (size_ + 1) > slots_.size()) {
      Grow();
    }
    Place(key, value);
    ++size_;
  }

  size_t size() const { return size_; }
  size_t MemoryBytes() const { return slots_.capacity() * sizeof(Slot); }

  static constexpr uint32_t kMissing = UINT32_MAX;

 private:
  struct Slot {
    uint64_t key = 0;
    uint32_t value = kMissing;
  };

  static uint64_t Mix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    return k ^ (k >> 33);
  }

  void Place(uint64_t key, uint32_t value) {
    for (size_t i = Mix(key) & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].value == kMissing) {
        slots_[i] = {key, value};
        return;
      }
    }
  }

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.size() * 2, Slot{});
    for (const Slot& s : old) {
      if (s.value != kMissing) {
        Place(s.key, s.value);
      }
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace flamedb::symdb
