#include "compactor/merged_source.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "symdb/merge.h"

namespace flamedb::compactor {

// One series' rows from every source, samples copied out (a source's views last only for its
// callback) with stack ids and partitions already in merged numbering.
struct MergedSource::Rows {
  struct Row {
    int64_t time = 0;
    int64_t total = 0;
    uint32_t partition = 0;
    uint32_t source = 0;
    size_t begin = 0;  // Samples at [begin, end) of stacks and values.
    size_t end = 0;
    size_t spans = 0;  // This row's span ids at [spans, spans + end - begin) when it has them.
    size_t traces = 0;  // Likewise its trace ids.
    bool has_spans = false;
    bool has_traces = false;
  };
  std::vector<Row> rows;
  std::vector<uint32_t> stacks;
  std::vector<int64_t> values;
  std::vector<uint64_t> spans;  // Only for the rows that have span ids.
  std::vector<model::TraceId> traces;  // Only for the rows that have trace ids.

  void Clear() {
    rows.clear();
    stacks.clear();
    values.clear();
    spans.clear();
    traces.clear();
  }
};

namespace {

using Sample = std::tuple<uint32_t, uint64_t, model::TraceId, int64_t>;  // Stack, span, trace, value.

std::vector<Sample> SortedSamples(const MergedSource::Rows& r, size_t row) {
  const MergedSource::Rows::Row& x = r.rows[row];
  std::vector<Sample> out;
  for (size_t i = x.begin; i < x.end; ++i) {
    out.emplace_back(r.stacks[i], x.has_spans ? r.spans[x.spans + i - x.begin] : 0,
                     x.has_traces ? r.traces[x.traces + i - x.begin] : model::TraceId{},
                     r.values[i]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Rows `a` and `b` hold the same profile: the cheap fields first, then the samples in a
// canonical order (each source numbered and ordered its stacks its own way).
bool SameProfile(const MergedSource::Rows& r, size_t a, size_t b) {
  const auto& x = r.rows[a];
  const auto& y = r.rows[b];
  if (x.source == y.source || x.time != y.time || x.partition != y.partition ||
      x.total != y.total || x.end - x.begin != y.end - y.begin) {
    return false;
  }
  return SortedSamples(r, a) == SortedSamples(r, b);
}

}  // namespace

MergedSource::MergedSource(std::vector<const store::ProfileSource*> sources)
    : sources_(std::move(sources)) {}

MergedSource::~MergedSource() = default;

Result<std::unique_ptr<MergedSource>> MergedSource::Create(
    std::vector<const store::ProfileSource*> sources) {
  std::unique_ptr<MergedSource> m(new MergedSource(std::move(sources)));
  FLAMEDB_RETURN_IF_ERROR(m->MergeSeries());
  FLAMEDB_RETURN_IF_ERROR(m->MergePartitions());
  return m;
}

Status MergedSource::MergeSeries() {
  for (uint32_t s = 0; s < sources_.size(); ++s) {
    const store::ProfileSource& source = *sources_[s];
    const store::TimeRange r = source.Range();
    if (r.min_nanos <= r.max_nanos) {
      range_.min_nanos = std::min(range_.min_nanos, r.min_nanos);
      range_.max_nanos = std::max(range_.max_nanos, r.max_nanos);
    }
    for (uint32_t i = 0; i < source.SeriesCount(); ++i) {
      FLAMEDB_ASSIGN_OR_RETURN(const uint32_t id, series_.GetOrCreate(source.SeriesLabels(i)));
      if (id >= members_.size()) members_.resize(id + 1);
      members_[id].push_back({s, i});
    }
  }
  return OkStatus();
}

Status MergedSource::MergePartitions() {
  // Each service's partitions, by name: the merged partitions come in name order.
  std::map<std::string, std::vector<Member>> by_name;
  maps_.resize(sources_.size());
  for (uint32_t s = 0; s < sources_.size(); ++s) {
    maps_[s].resize(sources_[s]->PartitionCount());
    for (uint32_t p = 0; p < maps_[s].size(); ++p) {
      by_name[sources_[s]->PartitionName(p)].push_back({s, p});
    }
  }
  for (const auto& [name, parts] : by_name) {
    const auto merged = static_cast<uint32_t>(partitions_.size());
    auto partition = std::make_unique<symdb::Partition>();
    for (const Member& part : parts) {
      FLAMEDB_RETURN_IF_ERROR(sources_[part.source]->WithSymbols(
          part.series, [&](const symdb::Partition& from) {
            maps_[part.source][part.series] = {merged, symdb::MergeInto(from, *partition)};
          }));
    }
    partition_names_.push_back(name);
    partitions_.push_back(std::move(partition));
  }
  return OkStatus();
}

std::string MergedSource::PartitionName(uint32_t partition) const {
  return partition < partition_names_.size() ? partition_names_[partition] : std::string();
}

Status MergedSource::WithSymbols(uint32_t partition,
                                 const std::function<void(const symdb::Partition&)>& fn) const {
  if (partition >= partitions_.size()) {
    return NotFoundError("compactor: no symbol partition " + std::to_string(partition));
  }
  fn(*partitions_[partition]);
  return OkStatus();
}

Status MergedSource::CollectRows(uint32_t series, store::TimeRange range, Rows& out) const {
  out.Clear();
  bool damaged = false;
  for (const Member& m : members_[series]) {
    const uint32_t one[] = {m.series};
    const std::vector<PartitionMap>& maps = maps_[m.source];
    FLAMEDB_RETURN_IF_ERROR(
        sources_[m.source]->ForEachRow(one, range, [&](const store::RowView& row) {
          if (row.partition >= maps.size()) {
            damaged = true;
            return;
          }
          const PartitionMap& map = maps[row.partition];
          const size_t begin = out.stacks.size(), n = row.stacks.size();
          out.rows.push_back({row.time_nanos, row.total, map.merged, m.source, begin, begin + n,
                              out.spans.size(), out.traces.size(), !row.spans.empty(),
                              !row.traces.empty()});
          out.stacks.resize(begin + n);
          uint32_t* stacks = out.stacks.data() + begin;
          const auto limit = static_cast<uint32_t>(map.stacks.size());
          for (size_t i = 0; i < n; ++i) {
            const uint32_t s = row.stacks[i];
            damaged |= s >= limit;
            stacks[i] = s < limit ? map.stacks[s] : 0;
          }
          out.values.insert(out.values.end(), row.values.begin(), row.values.end());
          out.spans.insert(out.spans.end(), row.spans.begin(), row.spans.end());
          out.traces.insert(out.traces.end(), row.traces.begin(), row.traces.end());
        }));
  }
  if (damaged) {
    return DataLossError("compactor: a source row refers to a stack or partition it lacks");
  }
  // Sources are visited in order, so equal times keep the earlier source first.
  std::stable_sort(out.rows.begin(), out.rows.end(),
                   [](const Rows::Row& a, const Rows::Row& b) { return a.time < b.time; });
  return OkStatus();
}

Status MergedSource::ForEachRow(std::span<const uint32_t> series, store::TimeRange range,
                                const std::function<void(const store::RowView&)>& fn) const {
  std::unique_ptr<Rows> owned;
  {
    base::MutexLock lock(scratch_mu_);
    owned = std::move(scratch_);
  }
  if (owned == nullptr) owned = std::make_unique<Rows>();
  Rows& rows = *owned;
  std::vector<size_t> kept;
  const auto visit = [&](uint32_t id) -> Status {
    if (id >= members_.size()) return OkStatus();
    FLAMEDB_RETURN_IF_ERROR(CollectRows(id, range, rows));
    kept.clear();  // The rows passed on at the current time: what a replica would equal.
    for (size_t i = 0; i < rows.rows.size(); ++i) {
      const Rows::Row& r = rows.rows[i];
      if (!kept.empty() && rows.rows[kept.front()].time != r.time) kept.clear();
      if (std::any_of(kept.begin(), kept.end(),
                      [&](size_t k) { return SameProfile(rows, k, i); })) {
        duplicates_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      kept.push_back(i);
      const size_t n = r.end - r.begin;
      fn(store::RowView{id, r.partition, r.time, r.total,
                        std::span<const uint32_t>(rows.stacks).subspan(r.begin, n),
                        std::span<const int64_t>(rows.values).subspan(r.begin, n),
                        r.has_spans ? std::span<const uint64_t>(rows.spans).subspan(r.spans, n)
                                    : std::span<const uint64_t>(),
                        r.has_traces
                            ? std::span<const model::TraceId>(rows.traces).subspan(r.traces, n)
                            : std::span<const model::TraceId>()});
    }
    return OkStatus();
  };
  Status status;
  if (series.empty()) {
    for (uint32_t id = 0; id < members_.size() && status.ok(); ++id) status = visit(id);
  } else {
    for (size_t i = 0; i < series.size() && status.ok(); ++i) status = visit(series[i]);
  }
  base::MutexLock lock(scratch_mu_);
  scratch_ = std::move(owned);
  return status;
}

}  // namespace flamedb::compactor
