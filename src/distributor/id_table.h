// Tables keyed by pprof ids. Profilers number ids 1..N, so a vector indexed by id almost always
// serves; sparse ids (any order, any size) fall back to a hash map. A vector is used only when it
// is at most 4x the number of ids (plus a little), so memory stays proportional to the input.
#pragma once

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace flamedb::distributor {

// Maps ids to values of type V; absent ids read as V{}.
template <typename V>
class IdTable {
 public:
  // `ids` are the ids that may be looked up or stored.
  template <typename T, typename IdOf>
  IdTable(const std::vector<T>& items, IdOf id_of) {
    uint64_t max = 0;
    for (const T& item : items) {
      max = std::max(max, id_of(item));
    }
    dense_ = max <= 4 * items.size() + 1024;
    if (dense_) {
      dense_values_.assign(max + 1, V{});
    }
  }

  // REQUIRES for a dense table: id <= the largest id given to the constructor.
  V& operator[](uint64_t id) { return dense_ ? dense_values_[id] : sparse_values_[id]; }

  // The dense array, or nullptr when the table is sparse: hot loops index it directly.
  V* dense_data() { return dense_ ? dense_values_.data() : nullptr; }
  size_t dense_size() const { return dense_values_.size(); }

  V Get(uint64_t id) const {
    if (dense_) {
      return id < dense_values_.size() ? dense_values_[id] : V{};
    }
    const auto it = sparse_values_.find(id);
    return it == sparse_values_.end() ? V{} : it->second;
  }

 private:
  bool dense_ = true;
  std::vector<V> dense_values_;
  std::unordered_map<uint64_t, V> sparse_values_;
};

}  // namespace flamedb::distributor
