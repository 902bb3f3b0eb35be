// The query benchmarks' corpus (bench/query_benchmark.cc has the full story): one service of
// $FLAMEDB_BENCH_PODS pods sending the fixture's CPU profile every 10 s, an hour of it in a
// head, and $FLAMEDB_BENCH_HOURS one-hour blocks made from that head shifted by whole hours,
// stored in a FilesystemBucket under $TMPDIR. Shared by query_benchmark and remote_benchmark.
#pragma once

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "block/reader.h"
#include "head/head.h"
#include "objstore/filesystem_bucket.h"
#include "query/querier.h"
#include "store/source.h"

namespace flamedb::bench {

inline constexpr char kCpuType[] = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
inline constexpr char kSelector[] = "{service_name=\"svc\"}";
inline constexpr int64_t kHourNanos = 3600LL * 1'000'000'000LL;

[[noreturn]] void Die(std::string_view what, const Status& status);
int Pods();
int DayHours();
double SecondsSince(std::chrono::steady_clock::time_point start);
// The ns range of a query over the first `hours` hours, from request milliseconds (inclusive).
store::TimeRange QueryRange(int hours);

// What a CPU flame graph reads: series, rows and samples of kCpuType.
struct Input {
  uint64_t series = 0;
  uint64_t profiles = 0;
  uint64_t samples = 0;
};
Input CountInput(const store::ProfileSource& source, store::TimeRange range);

// The first hour of the corpus, in a head.
struct HourCorpus {
  std::unique_ptr<head::Head> head;
  Input input;  // Of a flame graph over the hour.
};
const HourCorpus& Hour();

using Readers = std::vector<std::unique_ptr<block::BlockReader>>;
query::Sources SourcesOf(const Readers& readers);

// The corpus' hours as blocks in a filesystem bucket, hour h being the head shifted by h hours,
// each encoded the first time a benchmark asks for it.
class CorpusBlocks {
 public:
  // Encodes those of the first `hours` blocks not made yet.
  void Prepare(int hours);
  // Readers of the first `hours` blocks, just opened (nothing decoded beyond the series
  // index), read from `via` (a bucket holding the same keys) or from the corpus' own bucket.
  Readers Open(int hours, objstore::Bucket* via = nullptr);
  // What a flame graph over the first `hours` blocks reads (the blocks hold the same series).
  Input InputOf(int hours);
  // Drops the first `hours` block files from the page cache, so the next reads hit the disk.
  void Evict(int hours);
  uint64_t Bytes(int hours);
  // Block `h`'s key in the bucket, and the file that holds it.
  const std::string& Key(int h);
  std::string Path(int h);

 private:
  struct Stored {
    std::string key;
    uint64_t bytes = 0;
    Input input;
  };
  Stored Encode(int h);
  static std::unique_ptr<objstore::FilesystemBucket> MakeBucket();

  std::unique_ptr<objstore::FilesystemBucket> owned_bucket_ = MakeBucket();
  objstore::Bucket& bucket_ = *owned_bucket_;
  std::vector<Stored> blocks_;
};
CorpusBlocks& Blocks();

// One flame graph request, as the render and SelectMergeStacktraces handlers serve it.
// Returns the merged tree's node count.
size_t RenderFlameGraph(const query::Sources& sources, store::TimeRange range, int threads = 1,
                        std::string_view selector = kSelector);
void SetInputCounters(benchmark::State& state, const Input& in);

}  // namespace flamedb::bench
