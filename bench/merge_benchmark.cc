// SelectMergeProfile's engine on the files bench/merge-vs-pprof hands it, to compare with
// `pprof -proto` merging the same files (docs/performance.md).
//
// $FLAMEDB_BENCH_MERGE_FILES: space-separated pprof files (gzipped or not) of one profile type.
// BM_MergeStored: the files already ingested into a head (what a query pays), one merged profile
// per sample type, as pprof -proto merges every sample type.
// BM_IngestAndMerge: decode + normalize + store every file, then merge (what pprof pays for its
// parse, merge and write, on our side).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "corpus.h"
#include "head/head.h"
#include "query/pprof_merge.h"

namespace {

using namespace flamedb;

std::vector<std::string> Files() {
  const char* env = std::getenv("FLAMEDB_BENCH_MERGE_FILES");
  if (env == nullptr) {
    std::cerr << "set FLAMEDB_BENCH_MERGE_FILES (bench/merge-vs-pprof does)\n";
    std::exit(1);
  }
  std::vector<std::string> out;
  std::istringstream in(env);
  for (std::string f; in >> f;) out.push_back(f);
  return out;
}

// The metric of a profile: "memory" for heap profiles, "process_cpu" otherwise.
std::string Metric(const model::Profile& p) {
  const std::string type(p.String(p.sample_types.back().type));
  return type.find("space") != std::string::npos || type.find("objects") != std::string::npos
             ? "memory"
             : "process_cpu";
}

// The profile type id of sample type `index`.
std::string TypeId(const model::Profile& p, size_t index) {
  const std::string type(p.String(p.sample_types[index].type));
  return Metric(p) + ":" + type + ":" + std::string(p.String(p.sample_types[index].unit)) + ":" +
         std::string(p.String(p.period_type.type)) + ":" +
         std::string(p.String(p.period_type.unit));
}

struct Stored {
  std::vector<model::Profile> profiles;  // Kept: head rows do not own the profiles' strings.
  std::unique_ptr<head::Head> head = std::make_unique<head::Head>();
  std::vector<std::string> types;  // Every sample type: pprof -proto merges them all.
};

void Ingest(const std::vector<std::string>& files, Stored& s) {
  for (size_t i = 0; i < files.size(); ++i) {
    s.profiles.push_back(bench::LoadProfile(files[i]));
    const model::Labels labels{{"__name__", Metric(s.profiles.back())}, {"file", std::to_string(i)},
                               {"service_name", "merge"}};
    if (!s.head->Append(labels, s.profiles.back(), {}).ok()) std::exit(1);
  }
  for (size_t t = 0; t < s.profiles[0].sample_types.size(); ++t) {
    s.types.push_back(TypeId(s.profiles[0], t));
  }
}

// One merged pprof per sample type (SelectMergeProfile answers one type); their total size.
size_t Merge(const Stored& s) {
  size_t bytes = 0;
  for (const std::string& type : s.types) {
    query::QueryContext ctx;
    const query::Sources sources{s.head.get()};
    auto out =
        query::MergeProfile(sources, {{type, "{}", {INT64_MIN, INT64_MAX}, {}, {}}, 0, 1, 1}, ctx);
    if (!out.ok()) {
      std::cerr << out.status().ToString() << "\n";
      std::exit(1);
    }
    bytes += out->size();
  }
  return bytes;
}

void BM_MergeStored(benchmark::State& state) {
  static const Stored* stored = [] {
    auto* s = new Stored;
    Ingest(Files(), *s);
    return s;
  }();
  size_t bytes = 0;
  for (auto _ : state) bytes = Merge(*stored);
  state.counters["files"] = static_cast<double>(Files().size());
  state.counters["out_bytes"] = static_cast<double>(bytes);
  state.counters["sample_types"] = static_cast<double>(stored->types.size());
}
BENCHMARK(BM_MergeStored)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_IngestAndMerge(benchmark::State& state) {
  const std::vector<std::string> files = Files();
  for (auto _ : state) {
    Stored s;
    Ingest(files, s);
    benchmark::DoNotOptimize(Merge(s));
  }
  state.counters["files"] = static_cast<double>(files.size());
}
BENCHMARK(BM_IngestAndMerge)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

// main(): bench/main.cc.
