// A stable least-significant-digit radix sort by a 32-bit key, for the large id arrays of the
// ingest and cut paths (several times faster than a comparison sort there).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace flamedb::base {

// Sorts `items` by key(item) (a uint32_t), stably, with 11-bit digits: as many passes as the
// largest key needs (two for keys below 2^22). `scratch` is working memory, reused across
// calls. For a few hundred items or fewer a comparison sort is as fast.
template <typename T, typename Key>
void RadixSortBy(std::vector<T>& items, std::vector<T>& scratch, Key key) {
  constexpr int kBits = 11;
  constexpr uint32_t kBuckets = 1u << kBits;
  uint32_t max_key = 0;
  for (const T& item : items) max_key = std::max<uint32_t>(max_key, key(item));
  scratch.resize(items.size());
  std::array<uint32_t, kBuckets> count;
  for (int shift = 0; shift == 0 || (shift < 32 && (max_key >> shift) != 0); shift += kBits) {
    count.fill(0);
    for (const T& item : items) ++count[(key(item) >> shift) & (kBuckets - 1)];
    uint32_t sum = 0;
    for (uint32_t& c : count) sum += std::exchange(c, sum);
    for (const T& item : items) scratch[count[(key(item) >> shift) & (kBuckets - 1)]++] = item;
    items.swap(scratch);
  }
}

}  // namespace flamedb::base
