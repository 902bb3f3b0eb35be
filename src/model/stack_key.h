// Keys of whole stacks by what their locations are, not by their ids: equal stacks of different
// profiles (whose ids differ) get equal keys. Normalization computes one per sample
// (Profile::stack_keys) while it checks the sample's locations, and the head looks the stack up
// by it in one probe, with no per-frame symbol work for a stack it has seen before.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "model/profile.h"

namespace flamedb::model {

// Each location's 64-bit content hash, by location id. The content is everything symdb interns a
// location by: its mapping (file, build id, memory range, file offset, flags), its address and its
// lines (each function's name, system name, file and start line; the line). Ids are looked up in a
// flat array when they are about 1..N, as profilers number them.
class LocationKeys {
 public:
  explicit LocationKeys(const Profile& p);

  // Never 0 for a location of the profile whose mapping and functions exist; 0 otherwise.
  uint64_t Get(uint64_t id) const {
    if (id < dense_.size()) return dense_[id];
    if (sparse_.empty()) return 0;
    const auto it = sparse_.find(id);
    return it == sparse_.end() ? 0 : it->second;
  }

 private:
  std::vector<uint64_t> dense_;
  std::unordered_map<uint64_t, uint64_t> sparse_;
};

// Folds the location keys of one stack, leaf first, into a StackKey. Two 64-bit halves from
// independent multiply chains, each split over alternate frames so that deep stacks hash at the
// multiplier's throughput rather than its latency. Location keys are 64-bit, so two stacks
// collide only when two of a head's distinct locations do (about n^2 / 2^65 for n locations: 3e-8
// for a million), and then only within one tenant's partition.
class StackKeyHasher {
 public:
  explicit StackKeyHasher(size_t frames)
      : a0_(0x243f6a8885a308d3ULL ^ frames), a1_(0xa4093822299f31d0ULL),
        b0_(0x13198a2e03707344ULL + frames), b1_(0x082efa98ec4e6c89ULL) {}

  void AddPair(uint64_t even, uint64_t odd) {
    a0_ = Step(a0_ ^ even, 0x9e3779b97f4a7c15ULL);
    a1_ = Step(a1_ ^ odd, 0xbf58476d1ce4e5b9ULL);
    b0_ = Step(b0_ + even + 0x632be59bd9b4e019ULL, 0xc2b2ae3d27d4eb4fULL);
    b1_ = Step(b1_ + odd + 0x452821e638d01377ULL, 0x94d049bb133111ebULL);
  }
  void AddLast(uint64_t even) { AddPair(even, 0x3c6ef372fe94f82bULL); }

  StackKey Finish() const {
    return {Step(a0_ ^ (a1_ << 31 | a1_ >> 33), 0xff51afd7ed558ccdULL),
            Step(b0_ + (b1_ << 17 | b1_ >> 47), 0xc4ceb9fe1a85ec53ULL)};
  }

 private:
  static uint64_t Step(uint64_t h, uint64_t multiplier) {
    h *= multiplier;
    return h ^ (h >> 32);
  }
  uint64_t a0_, a1_, b0_, b1_;
};

// Sets `out` to the key of the stack of location `ids` (leaf first) and returns ids.size(), or
// returns the index of the first id without a location key (and leaves `out` alone). With
// kUnknownAsZero, such an id folds in as 0 instead (for KeyStacks).
template <bool kUnknownAsZero = false>
inline size_t KeyStack(std::span<const uint64_t> ids, const LocationKeys& keys, StackKey& out) {
  StackKeyHasher h(ids.size());
  size_t i = 0;
  for (; i + 2 <= ids.size(); i += 2) {
    const uint64_t even = keys.Get(ids[i]);
    const uint64_t odd = keys.Get(ids[i + 1]);
    if (!kUnknownAsZero && even == 0) return i;
    if (!kUnknownAsZero && odd == 0) return i + 1;
    h.AddPair(even, odd);
  }
  if (i < ids.size()) {
    const uint64_t last = keys.Get(ids[i]);
    if (!kUnknownAsZero && last == 0) return i;
    h.AddLast(last);
  }
  out = h.Finish();
  return ids.size();
}

// Profile::stack_keys computed from scratch, for a profile normalization did not key. An id
// without a location key folds in as 0 (symdb interns such a frame as its location 0 alike).
std::vector<StackKey> KeyStacks(const Profile& p);

}  // namespace flamedb::model
