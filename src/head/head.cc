#include "head/head.h"

#include <algorithm>
#include <numeric>

namespace flamedb::head {

model::Labels SampleTypeSeriesLabels(const model::Labels& labels, const model::Profile& p,
                                     size_t type) {
  model::Labels out = labels;
  const std::string metric(labels.Get(model::kMetricNameLabel).value_or(""));
  const std::string_view sample_type = p.String(p.sample_types[type].type);
  const std::string_view unit = p.String(p.sample_types[type].unit);
  const std::string_view period_type = p.String(p.period_type.type);
  const std::string_view period_unit = p.String(p.period_type.unit);
  out.Set("__type__", sample_type);
  out.Set("__unit__", unit);
  if (!period_type.empty() || !period_unit.empty()) {
    out.Set("__period_type__", period_type);
    out.Set("__period_unit__", period_unit);
  }
  out.Set(model::kProfileTypeLabel, metric + ":" + std::string(sample_type) + ":" +
                                        std::string(unit) + ":" + std::string(period_type) +
                                        ":" + std::string(period_unit));
  out.Set("__service_name__", labels.Get(model::kServiceNameLabel).value_or(""));
  return out;
}

namespace {

// The span and trace ids of `samples` (0 / empty: none); each list stays empty when no sample
// has one.
struct LinkIds {
  std::vector<uint64_t> spans;
  std::vector<model::TraceId> traces;
};

LinkIds LinksOf(const model::Profile& p, const std::vector<uint32_t>& samples) {
  LinkIds out;
  // Samples repeat the same few label keys: compare each key's text once in a row.
  int64_t last_key = -1;
  enum class Kind : uint8_t { kOther, kSpan, kTrace } kind = Kind::kOther;
  for (size_t i = 0; i < samples.size(); ++i) {
    for (const model::Label& l : p.Labels(p.samples[samples[i]])) {
      if (l.key != last_key) {
        last_key = l.key;
        const std::string_view key = p.String(l.key);
        kind = key == model::kSpanIdLabel    ? Kind::kSpan
               : key == model::kTraceIdLabel ? Kind::kTrace
                                             : Kind::kOther;
      }
      if (kind == Kind::kSpan) {
        const std::optional<uint64_t> id = model::ParseSpanId(p.String(l.str));
        if (!id.has_value() || *id == 0) continue;
        if (out.spans.empty()) out.spans.resize(samples.size(), 0);
        out.spans[i] = *id;
      } else if (kind == Kind::kTrace) {
        const std::optional<model::TraceId> id = model::ParseTraceId(p.String(l.str));
        if (!id.has_value() || id->empty()) continue;
        if (out.traces.empty()) out.traces.resize(samples.size());
        out.traces[i] = *id;
      }
    }
  }
  return out;
}

}  // namespace

size_t Head::SeedSymbols(const Head& previous, size_t max_bytes) {
  std::vector<std::pair<std::string, std::unique_ptr<PartitionSlot>>> seeds;
  size_t bytes = 0;
  {
    base::ReaderLock lock(previous.mu_);
    // Only services that pushed to `previous`: one that stopped is not carried on forever.
    std::vector<uint8_t> pushed(previous.partitions_.size(), 0);
    for (const ProfileRow& row : previous.rows_) pushed[row.partition] = 1;
    for (size_t p = 0; p < previous.partitions_.size(); ++p) {
      if (!pushed[p]) continue;
      const PartitionSlot& from = *previous.partitions_[p];
      base::ReaderLock slot_lock(from.mu);
      const size_t size = from.symbols.MemoryBytes();
      if (size > max_bytes - bytes) continue;
      bytes += size;
      auto slot = std::make_unique<PartitionSlot>();
      base::WriterLock to_lock(slot->mu);
      slot->symbols.CopyFrom(from.symbols);
      slot->carried_use.assign(slot->symbols.stacks(), 0);
      seeds.emplace_back(previous.partition_names_[p], std::move(slot));
    }
  }
  base::WriterLock lock(mu_);
  for (auto& [service, slot] : seeds) {
    if (partition_by_service_.contains(service)) continue;
    partition_by_service_.emplace(service, static_cast<uint32_t>(partitions_.size()));
    partition_names_.push_back(service);
    partitions_.push_back(std::move(slot));
  }
  return bytes;
}

uint32_t Head::PartitionFor(std::string_view service) {
  auto it = partition_by_service_.find(service);
  if (it != partition_by_service_.end()) {
    return it->second;
  }
  partitions_.push_back(std::make_unique<PartitionSlot>());
  partition_names_.emplace_back(service);
  const auto id = static_cast<uint32_t>(partitions_.size() - 1);
  partition_by_service_.emplace(std::string(service), id);
  return id;
}

size_t Head::NewSeries(const model::Labels& labels, const model::Profile& profile) const {
  base::ReaderLock lock(mu_);
  size_t n = 0;
  for (size_t type = 0; type < profile.sample_types.size(); ++type) {
    n += series_.Contains(SampleTypeSeriesLabels(labels, profile, type)) ? 0 : 1;
  }
  return n;
}

size_t Head::series() const {
  base::ReaderLock lock(mu_);
  return series_.size();
}

Status Head::Append(const model::Labels& labels, const model::Profile& profile,
                    const std::vector<uint32_t>& samples, size_t max_series) {
  std::vector<uint32_t> all;
  if (samples.empty()) {
    all.resize(profile.samples.size());
    std::iota(all.begin(), all.end(), 0);
  }
  const std::vector<uint32_t>& chosen = samples.empty() ? all : samples;
  std::vector<uint32_t> series;
  uint32_t partition = 0;
  PartitionSlot* slot = nullptr;
  // Built before taking the lock: appends on other threads wait for nothing but the lookups.
  std::vector<model::Labels> series_labels;
  for (size_t type = 0; type < profile.sample_types.size(); ++type) {
    series_labels.push_back(SampleTypeSeriesLabels(labels, profile, type));
  }
  {
    base::WriterLock lock(mu_);
    // Check the limit for all the series first, so that an error stores nothing.
    size_t missing = 0;
    for (const model::Labels& l : series_labels) {
      missing += series_.Contains(l) ? 0 : 1;
    }
    if (max_series > 0 && missing > 0 && series_.size() + missing > max_series) {
      return store::SeriesLimitError(series_.size(), max_series);
    }
    for (const model::Labels& l : series_labels) {
      FLAMEDB_ASSIGN_OR_RETURN(uint32_t id, series_.GetOrCreate(l));
      series.push_back(id);
    }
    partition = PartitionFor(labels.Get(model::kServiceNameLabel).value_or(""));
    slot = partitions_[partition].get();
  }
  std::vector<uint32_t> stacks;
  {
    base::WriterLock lock(slot->mu);
    stacks = slot->symbols.AddSamples(profile, chosen);
    if (const size_t carried = slot->carried_use.size(); carried > 0) {
      for (const uint32_t s : stacks) {
        if (s < carried) slot->carried_use[s] = 1;
      }
    }
  }
  const LinkIds links = LinksOf(profile, chosen);
  const std::vector<uint32_t> order = AscendingStackOrder(stacks);  // Shared by the types.
  std::vector<ProfileRow> rows;
  std::vector<size_t> begins;  // Of each row's bytes in `packed`, which may move as it grows.
  thread_local base::ByteWriter packed;  // Keeps its room from push to push.
  packed.Clear();
  std::vector<int64_t> values(chosen.size());
  for (size_t type = 0; type < series.size(); ++type) {
    for (size_t i = 0; i < chosen.size(); ++i) {
      values[i] = profile.Values(profile.samples[chosen[i]])[type];
    }
    ProfileRow row{series[type], partition, profile.time_nanos, {}, 0};
    begins.push_back(packed.size());
    row.samples = PackSamples(order, stacks, values, links.spans, links.traces, packed, row.total);
    rows.push_back(std::move(row));
  }
  {
    base::WriterLock lock(mu_);
    for (size_t i = 0; i < rows.size(); ++i) {
      rows[i].samples.bytes = packed.view().substr(begins[i], rows[i].samples.bytes.size());
      AddRow(std::move(rows[i]));
    }
  }
  base::ReleaseIfLarge(packed);
  return OkStatus();
}

void Head::AddRow(ProfileRow row) {
  if (row.series >= rows_by_series_.size()) {
    rows_by_series_.resize(row.series + 1);
  }
  std::vector<uint32_t>& by_time = rows_by_series_[row.series];
  const auto index = static_cast<uint32_t>(rows_.size());
  // Profiles usually arrive in time order, so this is an append.
  const auto at = std::upper_bound(by_time.begin(), by_time.end(), row.time_nanos,
                                   [this](int64_t t, uint32_t r) REQUIRES(mu_) {
                                     return t < rows_[r].time_nanos;
                                   });
  by_time.insert(at, index);
  range_.min_nanos = std::min(range_.min_nanos, row.time_nanos);
  range_.max_nanos = std::max(range_.max_nanos, row.time_nanos);
  samples_ += row.samples.count;
  row_bytes_ += sizeof(ProfileRow) + sizeof(uint32_t);
  row.samples.bytes = arena_.Copy(row.samples.bytes);
  rows_.push_back(std::move(row));
}

size_t Head::rows() const {
  base::ReaderLock lock(mu_);
  return rows_.size();
}

uint64_t Head::samples() const {
  base::ReaderLock lock(mu_);
  return samples_;
}

size_t Head::MemoryBytes() const {
  const store::StoredBytes b = Bytes();
  return b.index + b.profiles + b.symbols;
}

store::StoredBytes Head::Bytes() const {
  base::ReaderLock lock(mu_);
  store::StoredBytes out{.index = series_.MemoryBytes(),
                         .profiles = row_bytes_ + arena_.held_bytes(),
                         .symbols = 0};
  for (const auto& p : partitions_) {
    base::ReaderLock symbols(p->mu);
    out.symbols += p->symbols.MemoryBytes();
  }
  return out;
}

store::TimeRange Head::Range() const {
  base::ReaderLock lock(mu_);
  return range_;
}

model::Labels Head::SeriesLabels(uint32_t series) const {
  base::ReaderLock lock(mu_);
  return series < series_.size() ? series_.labels(series) : model::Labels();
}

void Head::ForEachSeriesLabels(std::span<const uint32_t> series,
                               const std::function<void(uint32_t, const model::Labels&)>& fn) const {
  base::ReaderLock lock(mu_);
  for (const uint32_t id : series) {
    if (id < series_.size()) fn(id, series_.labels(id));
  }
}

std::vector<uint32_t> Head::Postings(std::string_view name, std::string_view value) const {
  base::ReaderLock lock(mu_);
  return series_.Postings(name, value);
}

std::vector<std::string> Head::LabelNames() const {
  base::ReaderLock lock(mu_);
  return series_.LabelNames();
}

std::vector<std::string> Head::LabelValues(std::string_view name) const {
  base::ReaderLock lock(mu_);
  return series_.LabelValues(name);
}

void Head::VisitRows(std::span<const uint32_t> series, store::TimeRange range,
                     const std::function<void(const ProfileRow&)>& fn) const {
  auto visit = [&](uint32_t s) REQUIRES_SHARED(mu_) {
    if (s >= rows_by_series_.size()) {
      return;
    }
    for (uint32_t r : rows_by_series_[s]) {
      const ProfileRow& row = rows_[r];
      if (row.time_nanos >= range.min_nanos && row.time_nanos <= range.max_nanos) fn(row);
    }
  };
  if (series.empty()) {
    for (uint32_t s = 0; s < rows_by_series_.size(); ++s) {
      visit(s);
    }
  }
  for (uint32_t s : series) {
    visit(s);
  }
}

Status Head::ForEachRow(std::span<const uint32_t> series, store::TimeRange range,
                        const std::function<void(const store::RowView&)>& fn) const {
  base::ReaderLock lock(mu_);
  std::vector<uint32_t> stacks;  // The row being visited, unpacked.
  std::vector<int64_t> values;
  std::vector<uint64_t> spans;
  std::vector<model::TraceId> traces;
  VisitRows(series, range, [&](const ProfileRow& row) {
    UnpackSamples(row.samples, stacks, values, spans, traces);
    fn(store::RowView{row.series, row.partition, row.time_nanos, row.total, stacks, values, spans,
                      traces});
  });
  return OkStatus();
}

Status Head::ForEachRowTotal(std::span<const uint32_t> series, store::TimeRange range,
                             const std::function<void(const store::RowView&)>& fn) const {
  base::ReaderLock lock(mu_);
  VisitRows(series, range, [&](const ProfileRow& row) {
    fn(store::RowView{row.series, row.partition, row.time_nanos, row.total, {}, {}, {}, {}});
  });
  return OkStatus();
}

size_t Head::PartitionCount() const {
  base::ReaderLock lock(mu_);
  return partitions_.size();
}

std::string Head::PartitionName(uint32_t partition) const {
  base::ReaderLock lock(mu_);
  return partition < partition_names_.size() ? partition_names_[partition] : std::string();
}

Status Head::WithSymbols(uint32_t partition,
                         const std::function<void(const symdb::Partition&)>& fn) const {
  const PartitionSlot* slot = Slot(partition);
  if (slot == nullptr) {
    return NotFoundError("head: no symbol partition " + std::to_string(partition));
  }
  base::ReaderLock lock(slot->mu);
  fn(slot->symbols);
  return OkStatus();
}

store::StackUse Head::StacksInUse(uint32_t partition) const {
  const PartitionSlot* slot = Slot(partition);
  if (slot == nullptr) return {};
  base::ReaderLock lock(slot->mu);
  return {.known = true, .marked = slot->carried_use};
}

const Head::PartitionSlot* Head::Slot(uint32_t partition) const {
  base::ReaderLock lock(mu_);
  return partition < partitions_.size() ? partitions_[partition].get() : nullptr;
}

}  // namespace flamedb::head
