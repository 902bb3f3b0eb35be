#include "distributor/compact.h"

#include "distributor/id_table.h"

#include <algorithm>
#include <string_view>
#include <vector>

namespace flamedb::distributor {
namespace {

// Old id -> new dense id, assigned on first use in order.
class IdMap {
 public:
  template <typename T, typename IdOf>
  IdMap(const std::vector<T>& items, IdOf id_of)
      : to_new_(items, id_of), dense_(to_new_.dense_data()) {}

  // The new id of `old`, assigning the next one on first use; `on_new(old)` runs then.
  template <typename F>
  uint64_t Use(uint64_t old, F on_new) {
    // uint32_t, not uint64_t: stores into the profile's uint64_t id arrays then cannot alias the
    // table, so the compiler keeps it in registers in the per-id loop (a 2x difference here).
    uint32_t& slot = dense_ != nullptr ? dense_[old] : to_new_[old];
    if (slot == 0) {
      slot = static_cast<uint32_t>(++next_);
      on_new(old);
    }
    return slot;
  }

 private:
  IdTable<uint32_t> to_new_;
  uint32_t* const dense_;  // to_new_'s array when dense; the common, fast path.
  uint64_t next_ = 0;
};

// Position of each item by id.
class IndexById {
 public:
  template <typename T>
  explicit IndexById(const std::vector<T>& items)
      : positions_(items, [](const T& item) { return item.id; }) {
    for (size_t i = 0; i < items.size(); ++i) {
      positions_[items[i].id] = static_cast<uint32_t>(i);
    }
  }
  uint32_t at(uint64_t id) const { return positions_.Get(id); }

 private:
  IdTable<uint32_t> positions_;
};

// Re-interns the referenced strings: "" first, each distinct string once.
class StringCompactor {
 public:
  explicit StringCompactor(const model::Profile& p)
      : old_(p.string_table), memo_(p.string_table.size(), -1) {
    // Distinct strings are at most the old table's plus "": at half load the table never grows.
    size_t n = 16;
    while (n < 2 * (old_.size() + 1)) n *= 2;
    slots_.assign(n, -1);
    Intern(std::string_view());
  }
  // Each old index is hashed once; later references hit the memo.
  void Remap(int64_t& index) {
    const bool valid = index >= 0 && static_cast<size_t>(index) < old_.size();
    if (valid && memo_[index] >= 0) {
      index = memo_[index];
      return;
    }
    const int64_t interned = Intern(valid ? old_[index] : std::string_view());
    if (valid) {
      memo_[index] = interned;
    }
    index = interned;
  }
  std::vector<std::string_view> Take() { return std::move(table_); }

 private:
  // The new index of `s`, appending it on first sight. Open addressing over indexes into
  // table_: no node allocated per string, as a std::unordered_map would.
  int64_t Intern(std::string_view s) {
    const size_t mask = slots_.size() - 1;
    for (size_t i = std::hash<std::string_view>()(s) & mask;; i = (i + 1) & mask) {
      if (slots_[i] < 0) {
        slots_[i] = static_cast<int64_t>(table_.size());
        table_.push_back(s);
        return slots_[i];
      }
      if (table_[static_cast<size_t>(slots_[i])] == s) return slots_[i];
    }
  }

  const std::vector<std::string_view>& old_;
  std::vector<int64_t> memo_;  // Old index -> new index, -1 until first seen.
  std::vector<std::string_view> table_;
  std::vector<int64_t> slots_;  // Indexes into table_, -1 for empty; a power of two long.
};

}  // namespace

class Compactor::Impl {
 public:
  explicit Impl(model::Profile& p)
      : p_(p),
        location_at_(p.locations),
        function_at_(p.functions),
        mapping_at_(p.mappings),
        locations_(p.locations, [](const model::Location& l) { return l.id; }),
        functions_(p.functions, [](const model::Function& f) { return f.id; }),
        mappings_(p.mappings, [](const model::Mapping& m) { return m.id; }) {
    new_locations_.reserve(p.locations.size());
    new_functions_.reserve(p.functions.size());
  }

  void RemapSample(const model::Sample& s) {
    uint64_t* ids = p_.location_ids.data() + s.locations.begin;
    for (uint32_t i = 0; i < s.locations.size; ++i) {
      ids[i] = locations_.Use(ids[i], [this](uint64_t old) { KeepLocation(old); });
    }
  }

  void Finish() {
    for (size_t i = 0; i < new_locations_.size(); ++i) {
      model::Location& loc = new_locations_[i];
      loc.id = i + 1;
      if (loc.mapping_id == kNoMapping) {
        if (stub_mapping_ == 0) {
          new_mappings_.push_back(model::Mapping{});
          stub_mapping_ = new_mappings_.size();
        }
        loc.mapping_id = stub_mapping_;
      }
    }
    for (size_t i = 0; i < new_functions_.size(); ++i) new_functions_[i].id = i + 1;
    for (size_t i = 0; i < new_mappings_.size(); ++i) new_mappings_[i].id = i + 1;
    CompactStrings();
    p_.locations = std::move(new_locations_);
    p_.functions = std::move(new_functions_);
    p_.mappings = std::move(new_mappings_);
  }

 private:
  static constexpr uint64_t kNoMapping = ~0ULL;  // Resolved to the stub mapping in Finish.

  void KeepLocation(uint64_t old) {
    model::Location loc = p_.locations[location_at_.at(old)];
    loc.mapping_id = loc.mapping_id == 0
                         ? kNoMapping
                         : mappings_.Use(loc.mapping_id, [this](uint64_t m) {
                             new_mappings_.push_back(p_.mappings[mapping_at_.at(m)]);
                           });
    for (uint32_t i = 0; i < loc.lines.size; ++i) {
      model::Line& line = p_.lines[loc.lines.begin + i];
      line.function_id = functions_.Use(line.function_id, [this](uint64_t f) {
        new_functions_.push_back(p_.functions[function_at_.at(f)]);
      });
    }
    new_locations_.push_back(loc);
  }

  void CompactStrings() {
    StringCompactor strings(p_);
    for (model::ValueType& vt : p_.sample_types) {
      strings.Remap(vt.type);
      strings.Remap(vt.unit);
    }
    strings.Remap(p_.period_type.type);
    strings.Remap(p_.period_type.unit);
    for (model::Label& l : p_.labels) {
      strings.Remap(l.key);
      strings.Remap(l.str);
      strings.Remap(l.num_unit);
    }
    for (model::Function& f : new_functions_) {
      strings.Remap(f.name);
      strings.Remap(f.system_name);
      strings.Remap(f.filename);
    }
    for (model::Mapping& m : new_mappings_) {
      strings.Remap(m.filename);
      strings.Remap(m.build_id);
    }
    for (int64_t& c : p_.comments) strings.Remap(c);
    strings.Remap(p_.drop_frames);
    strings.Remap(p_.keep_frames);
    strings.Remap(p_.default_sample_type);
    p_.string_table = strings.Take();
  }

  model::Profile& p_;
  const IndexById location_at_;
  const IndexById function_at_;
  const IndexById mapping_at_;
  IdMap locations_;
  IdMap functions_;
  IdMap mappings_;
  std::vector<model::Location> new_locations_;
  std::vector<model::Function> new_functions_;
  std::vector<model::Mapping> new_mappings_;
  uint64_t stub_mapping_ = 0;
};

Compactor::Compactor(model::Profile& profile) : impl_(std::make_unique<Impl>(profile)) {}
Compactor::~Compactor() = default;
void Compactor::RemapSample(const model::Sample& sample) { impl_->RemapSample(sample); }
void Compactor::Finish() { impl_->Finish(); }

void CompactProfile(model::Profile& p) {
  Compactor compactor(p);
  for (const model::Sample& s : p.samples) {
    compactor.RemapSample(s);
  }
  compactor.Finish();
}

}  // namespace flamedb::distributor
