#include "ingest/otlp_builder.h"

#include <algorithm>
#include <cstring>
#include <memory>

namespace flamedb::ingest::otlp {

constexpr int64_t kDefaultDurationNanos = 10'000'000'000;

Status Bad(std::string what) {
  return InvalidArgumentError(std::move(what)).WithTag("malformed_profile");
}

Builder::Builder(const Dictionary& d, int64_t period_type, int64_t period_unit, int64_t period,
                 int64_t time_nanos, int64_t duration_nanos)
    : d_(d), row_by_stack_(d.stacks.size(), -1), span_used_(d.stacks.size(), false) {
  CopyDictionary();
  p_.period_type = {period_type, period_unit};
  p_.period = period;
  p_.time_nanos = time_nanos;
  p_.duration_nanos = duration_nanos > 0 ? duration_nanos : kDefaultDurationNanos;
}

void Builder::CopyDictionary() {
  size_t bytes = 0;
  for (std::string_view s : d_.strings) bytes += s.size();
  auto storage = std::make_unique<std::string>();
  storage->reserve(bytes);
  for (std::string_view s : d_.strings) storage->append(s);
  const char* at = storage->data();
  p_.string_table.reserve(std::max<size_t>(1, d_.strings.size()));
  for (std::string_view s : d_.strings) {
    p_.string_table.emplace_back(at, s.size());
    at += s.size();
  }
  p_.storage = std::move(storage);
  if (p_.string_table.empty()) p_.string_table.emplace_back();  // String 0 is "".
  p_.mappings.reserve(d_.mappings.size());
  for (size_t i = 0; i < d_.mappings.size(); ++i) {
    const Mapping& m = d_.mappings[i];
    model::Mapping out;
    out.id = i + 1;
    out.memory_start = m.memory_start;
    out.memory_limit = m.memory_limit;
    out.file_offset = m.file_offset;
    out.filename = m.filename;
    for (uint32_t k = 0; k < m.attributes.size; ++k) {
      const Attribute& attr = d_.attributes[static_cast<size_t>(d_.indexes[m.attributes.begin + k])];
      if (d_.strings[static_cast<size_t>(attr.key)] == "process.executable.build_id.gnu") {
        out.build_id = Str(attr.value.Text());
      }
    }
    out.has_functions = out.has_filenames = out.has_line_numbers = out.has_inline_frames = true;
    p_.mappings.push_back(out);
  }
  p_.functions.reserve(d_.functions.size());
  for (size_t i = 0; i < d_.functions.size(); ++i) {
    const Function& f = d_.functions[i];
    p_.functions.push_back({i + 1, f.name, f.system_name, f.filename, f.start_line});
  }
  p_.lines.reserve(d_.lines.size());
  for (const Line& line : d_.lines) {
    p_.lines.push_back({static_cast<uint64_t>(line.function) + 1, line.line, 0});
  }
  // Every index list as location ids (index + 1), so that a row's locations are its stack's span
  // (NewRow): one pass here instead of a copy per row. Lists of mapping attributes come along
  // unreferenced.
  p_.location_ids.resize(d_.indexes.size());
  for (size_t i = 0; i < d_.indexes.size(); ++i) {
    p_.location_ids[i] = static_cast<uint64_t>(d_.indexes[i]) + 1;
  }
  p_.locations.reserve(d_.locations.size());
  for (size_t i = 0; i < d_.locations.size(); ++i) {
    const Location& l = d_.locations[i];
    model::Location out;
    out.id = i + 1;
    out.mapping_id = d_.mappings.empty() ? 0 : static_cast<uint64_t>(l.mapping) + 1;
    out.address = l.address;
    out.lines = l.lines;  // Same layout: Dictionary::lines copied in order.
    p_.locations.push_back(out);
  }
}

int64_t Builder::Str(std::string_view s) {
  auto it = strings_.find(s);
  if (it != strings_.end()) return it->second;
  const int64_t index = p_.AddString(std::string(s));
  strings_.emplace(p_.string_table.back(), index);
  return index;
}

bool Builder::HasType(std::string_view type, std::string_view unit) const {
  for (const model::ValueType& vt : p_.sample_types) {
    if (p_.String(vt.type) == type && p_.String(vt.unit) == unit) return true;
  }
  return false;
}

void Builder::AddColumn(std::string_view type, std::string_view unit) {
  p_.sample_types.push_back({Str(type), Str(unit)});
  columns_.emplace_back(p_.samples.size(), 0);
  columns_.back().reserve(p_.samples.capacity());
}

void Builder::Reserve(size_t rows) {
  const size_t want = std::max(p_.samples.capacity(), p_.samples.size() + rows);
  if (p_.samples.capacity() >= want) return;
  p_.samples.reserve(want);
  for (std::vector<int64_t>& column : columns_) column.reserve(want);
}

void Builder::DropLastColumn() {
  p_.sample_types.pop_back();
  columns_.pop_back();
}

uint32_t Builder::NewRow(int64_t stack, const SampleLabels& labels) {
  const model::Span span = d_.stacks[static_cast<size_t>(stack)];
  model::Sample s;
  if (!span_used_[static_cast<size_t>(stack)]) {
    span_used_[static_cast<size_t>(stack)] = true;
    s.locations = span;  // location_ids holds the dictionary's index lists (CopyDictionary).
  } else {  // A second row of the stack gets its own copy: normalization rewrites ids in place.
    const size_t at = p_.location_ids.size();
    s.locations = {static_cast<uint32_t>(at), span.size};
    p_.location_ids.resize(at + span.size);
    std::copy_n(p_.location_ids.begin() + span.begin, span.size, p_.location_ids.begin() + at);
  }
  s.labels = {static_cast<uint32_t>(p_.labels.size()), static_cast<uint32_t>(labels.size())};
  for (const auto& [k, v] : labels) p_.labels.push_back({Str(k), Str(v), 0, 0});
  p_.samples.push_back(s);
  for (std::vector<int64_t>& column : columns_) column.push_back(0);
  return static_cast<uint32_t>(p_.samples.size() - 1);
}

Status Builder::Add(int64_t stack, std::span<const int64_t> attributes, int64_t link,
                    int64_t value, const SampleLabels& labels) {
  FLAMEDB_RETURN_IF_ERROR(InRange(d_.stacks, stack, "stack"));
  uint32_t row = 0;
  if (attributes.empty() && link == 0) {
    int32_t& slot = row_by_stack_[static_cast<size_t>(stack)];
    if (slot < 0) {
      slot = static_cast<int32_t>(NewRow(stack, labels));
    }
    row = static_cast<uint32_t>(slot);
  } else {
    std::string key(sizeof(int64_t) * (attributes.size() + 2), '\0');
    std::memcpy(key.data(), &stack, sizeof(int64_t));
    std::memcpy(key.data() + sizeof(int64_t), &link, sizeof(int64_t));
    if (!attributes.empty()) {  // data() may be null when empty, which memcpy must not get.
      std::memcpy(key.data() + 2 * sizeof(int64_t), attributes.data(),
                  attributes.size() * sizeof(int64_t));
    }
    auto it = row_by_key_.find(key);
    if (it == row_by_key_.end()) {
      it = row_by_key_.emplace(std::move(key), NewRow(stack, labels)).first;
    }
    row = it->second;
  }
  int64_t& cell = columns_.back()[row];
  if (__builtin_add_overflow(cell, value, &cell)) {
    return Bad("the values of one stack overflow when added up");
  }
  return OkStatus();
}

model::Profile Builder::Build() && {
  p_.values.reserve(p_.samples.size() * columns_.size());
  for (size_t row = 0; row < p_.samples.size(); ++row) {
    p_.samples[row].values = {static_cast<uint32_t>(p_.values.size()),
                              static_cast<uint32_t>(columns_.size())};
    for (const std::vector<int64_t>& column : columns_) p_.values.push_back(column[row]);
  }
  return std::move(p_);
}

}  // namespace flamedb::ingest::otlp
