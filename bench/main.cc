// The main() of the benchmarks that need nothing else: allocator tuned as the server does
// (server/main.cc), then Google Benchmark.
#include <benchmark/benchmark.h>

#include "base/memory.h"

int main(int argc, char** argv) {
  flamedb::base::TuneAllocator();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
