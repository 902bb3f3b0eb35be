#include "query_corpus.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <random>
#include <span>

#include "block/bytes.h"
#include "block/meta.h"
#include "block/writer.h"
#include "corpus.h"
#include "query/flamegraph.h"

namespace flamedb::bench {


namespace {
constexpr int64_t kStartMs = kStartNanos / 1'000'000;
}  // namespace

void Die(std::string_view what, const Status& status) {
  std::cerr << "benchmark: " << what << ": " << status.ToString() << "\n";
  std::exit(1);
}

int Pods() { return std::max(1, EnvInt("FLAMEDB_BENCH_PODS", 100)); }
int DayHours() { return std::max(1, EnvInt("FLAMEDB_BENCH_HOURS", 24)); }

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The ns range of a query over the first `hours` hours, from request milliseconds (inclusive).
store::TimeRange QueryRange(int hours) {
  query::QueryLimits limits;
  limits.max_query_length_ms = 0;  // FLAMEDB_BENCH_HOURS may pass the 7-day default.
  Result<store::TimeRange> range =
      query::CheckRange(kStartMs, kStartMs + hours * 3'600'000LL - 1, true, limits);
  if (!range.ok()) Die("range", range.status());
  return *range;
}

Input CountInput(const store::ProfileSource& source, store::TimeRange range) {
  Input in;
  const std::vector<uint32_t> ids = source.Postings(model::kProfileTypeLabel, kCpuType);
  in.series = ids.size();
  const Status status = source.ForEachRow(ids, range, [&](const store::RowView& row) {
    ++in.profiles;
    in.samples += row.stacks.size();
  });
  if (!status.ok()) Die("counting rows", status);
  return in;
}

namespace {

// `inner` with every profile `shift` ns later: how one hour of profiles becomes any other hour.
class ShiftedSource final : public store::ProfileSource {
 public:
  ShiftedSource(const store::ProfileSource& inner, int64_t shift) : inner_(inner), shift_(shift) {}

  store::TimeRange Range() const override {
    const store::TimeRange r = inner_.Range();
    if (r.min_nanos > r.max_nanos) return r;
    return {r.min_nanos + shift_, r.max_nanos + shift_};
  }
  size_t SeriesCount() const override { return inner_.SeriesCount(); }
  model::Labels SeriesLabels(uint32_t series) const override {
    return inner_.SeriesLabels(series);
  }
  std::vector<uint32_t> Postings(std::string_view name, std::string_view value) const override {
    return inner_.Postings(name, value);
  }
  std::vector<std::string> LabelNames() const override { return inner_.LabelNames(); }
  std::vector<std::string> LabelValues(std::string_view name) const override {
    return inner_.LabelValues(name);
  }
  Status ForEachRow(std::span<const uint32_t> series, store::TimeRange range,
                    const std::function<void(const store::RowView&)>& fn) const override {
    const store::TimeRange inner{Unshift(range.min_nanos), Unshift(range.max_nanos)};
    return inner_.ForEachRow(series, inner, [&](const store::RowView& row) {
      store::RowView shifted = row;
      shifted.time_nanos += shift_;
      fn(shifted);
    });
  }
  size_t PartitionCount() const override { return inner_.PartitionCount(); }
  std::string PartitionName(uint32_t partition) const override {
    return inner_.PartitionName(partition);
  }
  Status WithSymbols(uint32_t partition,
                     const std::function<void(const symdb::Partition&)>& fn) const override {
    return inner_.WithSymbols(partition, fn);
  }

 private:
  // Saturates at INT64_MIN, which a range uses for "unbounded" (shift_ >= 0).
  int64_t Unshift(int64_t t) const { return t < INT64_MIN + shift_ ? INT64_MIN : t - shift_; }

  const store::ProfileSource& inner_;
  const int64_t shift_;
};

}  // namespace

const HourCorpus& Hour() {
  static const HourCorpus hour = [] {
    const auto started = std::chrono::steady_clock::now();
    const model::Profile& cpu = GetBaseProfiles().cpu;
    const int pods = Pods();
    const double per_profile =
        EnvInt("FLAMEDB_BENCH_HOUR_SAMPLES", 5'000'000) / (pods * 360.0);
    const double keep = std::min(0.7, per_profile / static_cast<double>(cpu.samples.size()));
    HourCorpus c;
    c.head = std::make_unique<head::Head>();
    std::mt19937_64 rng(42);
    for (int step = 0; step < 360; ++step) {
      for (int pod = 0; pod < pods; ++pod) {
        const int64_t t = kStartNanos + step * kPushIntervalNanos + pod * 1'000'000LL;
        const Push p = Vary(
            cpu,
            {{"__name__", "process_cpu"}, {"pod", "svc-" + std::to_string(pod)},
             {"service_name", "svc"}},
            t, rng, keep);
        if (p.samples.empty()) continue;  // Append would take an empty subset as "all".
        const Status status = c.head->Append(p.labels, *p.profile, p.samples);
        if (!status.ok()) Die("append", status);
      }
    }
    c.input = CountInput(*c.head, QueryRange(1));
    std::cerr << "query corpus: 1 h head of " << pods << " pods, " << c.head->series()
              << " series, " << c.head->rows() << " rows, " << c.head->samples()
              << " samples; flame graph input " << c.input.profiles << " profiles, "
              << c.input.samples << " samples (" << static_cast<int>(keep * 100 + 0.5)
              << "% of the fixture's " << cpu.samples.size() << " per profile); built in "
              << SecondsSince(started) << " s\n";
    return c;
  }();
  return hour;
}

query::Sources SourcesOf(const Readers& readers) {
  query::Sources sources;
  for (const auto& r : readers) sources.push_back(r.get());
  return sources;
}

void CorpusBlocks::Prepare(int hours) {
  if (static_cast<int>(blocks_.size()) >= hours) return;
  const auto started = std::chrono::steady_clock::now();
  for (int h = static_cast<int>(blocks_.size()); h < hours; ++h) blocks_.push_back(Encode(h));
  std::cerr << "query corpus: " << blocks_.size() << " one-hour blocks, " << Bytes(hours)
            << " bytes for the first " << hours << "; encoded in " << SecondsSince(started)
            << " s\n";
}

Readers CorpusBlocks::Open(int hours, objstore::Bucket* via) {
  Prepare(hours);
  Readers readers;
  for (int h = 0; h < hours; ++h) {
    const Stored& b = blocks_[h];
    Result<std::unique_ptr<block::BlockReader>> reader = block::BlockReader::Open(
        block::BucketSource(via != nullptr ? *via : bucket_, b.key, b.bytes));
    if (!reader.ok()) Die("open " + b.key, reader.status());
    readers.push_back(std::move(reader).value());
  }
  return readers;
}

Input CorpusBlocks::InputOf(int hours) {
  Prepare(hours);
  Input in;
  for (int h = 0; h < hours; ++h) {
    in.series = std::max(in.series, blocks_[h].input.series);
    in.profiles += blocks_[h].input.profiles;
    in.samples += blocks_[h].input.samples;
  }
  return in;
}

void CorpusBlocks::Evict(int hours) {
  Prepare(hours);
  for (int h = 0; h < hours; ++h) {
    const std::string path = Path(h);
    const int fd = open(path.c_str(), O_RDONLY);
    if (fd < 0) Die("evict", InternalError("cannot open " + path));
    (void)fdatasync(fd);
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
  }
}

uint64_t CorpusBlocks::Bytes(int hours) {
  Prepare(hours);
  uint64_t bytes = 0;
  for (int h = 0; h < hours; ++h) bytes += blocks_[h].bytes;
  return bytes;
}

const std::string& CorpusBlocks::Key(int h) {
  Prepare(h + 1);
  return blocks_[h].key;
}

std::string CorpusBlocks::Path(int h) { return owned_bucket_->dir() + "/" + Key(h); }

// Hour `h`: the head shifted by `h` hours, encoded, stored and counted.
CorpusBlocks::Stored CorpusBlocks::Encode(int h) {
  const ShiftedSource source(*Hour().head, h * kHourNanos);
  block::BlockMeta meta;
  meta.ulid = "hour-" + std::to_string(h);
  meta.tenant = "bench";
  meta.sources = {meta.ulid};
  Result<block::EncodedBlock> encoded = block::EncodeBlock(source, meta);
  if (!encoded.ok()) Die("encode " + meta.ulid, encoded.status());
  Stored b{"bench/" + meta.ulid + "/" + std::string(block::kDataFile), encoded->data.size(),
           {}};
  const Status put = bucket_.Put(b.key, encoded->data);
  if (!put.ok()) Die("put " + b.key, put);
  Result<std::unique_ptr<block::BlockReader>> reader =
      block::BlockReader::Open(block::BucketSource(bucket_, b.key, b.bytes));
  if (!reader.ok()) Die("open " + b.key, reader.status());
  b.input = CountInput(**reader, {INT64_MIN, INT64_MAX});
  return b;
}

// The bucket's directory, removed at exit.
std::unique_ptr<objstore::FilesystemBucket> CorpusBlocks::MakeBucket() {
  std::string dir = (std::filesystem::temp_directory_path() / "flamedb-query-bench-XXXXXX");
  if (mkdtemp(dir.data()) == nullptr) Die("mkdtemp", InternalError(dir));
  Result<std::unique_ptr<objstore::FilesystemBucket>> b = objstore::FilesystemBucket::Open(dir);
  if (!b.ok()) Die("bucket", b.status());
  static const std::string removed_at_exit = dir;
  std::atexit([] { std::filesystem::remove_all(removed_at_exit); });
  return std::move(b).value();
}


CorpusBlocks& Blocks() {
  static CorpusBlocks blocks;
  return blocks;
}

// One flame graph request, as the render and SelectMergeStacktraces handlers serve it.
// Returns the merged tree's node count.
size_t RenderFlameGraph(const query::Sources& sources, store::TimeRange range, int threads,
                        std::string_view selector) {
  query::QueryContext ctx({.threads = threads});
  Result<query::FunctionTree> tree =
      query::MergeStacktraces(sources, {kCpuType, std::string(selector), range, {}, {}}, ctx);
  if (!tree.ok()) Die("MergeStacktraces", tree.status());
  const query::FlameGraph graph = query::BuildFlameGraph(*tree, query::kDefaultMaxNodes);
  benchmark::DoNotOptimize(graph.total);
  return tree->nodes().size();
}

void SetInputCounters(benchmark::State& state, const Input& in) {
  const auto iterations = static_cast<double>(state.iterations());
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(in.samples) * iterations, benchmark::Counter::kIsRate);
  state.counters["profiles/s"] = benchmark::Counter(static_cast<double>(in.profiles) * iterations,
                                                    benchmark::Counter::kIsRate);
  state.counters["samples"] = static_cast<double>(in.samples);
  state.counters["profiles"] = static_cast<double>(in.profiles);
  state.counters["series"] = static_cast<double>(in.series);
}

}  // namespace flamedb::bench
