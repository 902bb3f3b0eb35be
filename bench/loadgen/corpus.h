// The load generator's corpus: real profiles from the project's fixture programs (Go's
// runtime/pprof CPU and heap profiles from tests/fixtures/go/profilegen, Node's V8 wall and heap
// profiles from tests/fixtures/node/profilegen.mjs), each expanded into many variants so that
// consecutive uploads differ the way a fleet's do, and pre-encoded as the SDKs send them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace flamedb::loadgen {

enum class Runtime : uint8_t { kGo, kNode };

// One upload-ready profile: gzipped pprof bytes as an SDK would send them.
struct Payload {
  Runtime runtime = Runtime::kGo;
  std::string kind;                // "cpu", "heap" (Go) or "wall", "heap" (Node).
  std::string metric;              // The Push `__name__` label: process_cpu, memory, wall.
  std::string gz;                  // Gzipped pprof.
  int64_t samples = 0;             // pprof samples in the profile.
  int64_t uncompressed_bytes = 0;  // Size of the pprof before gzip.
};

struct CorpusOptions {
  std::string go_dir;    // Holds cpu.pb.gz and heap.pb.gz; "" for none.
  std::string node_dir;  // Holds wall.pb.gz and heap.pb.gz; "" for none.
  int variants = 64;     // Variants made of each base profile.
  double keep = 0.7;     // Probability that a variant keeps each sample.
  uint64_t seed = 1;
};

// Decodes each base profile (without normalizing: the server does that) and makes `variants`
// copies, each keeping a random `keep` share of the samples with values scaled by 0.5-1.5x
// (CPU values stay multiples of the period). time_nanos is cleared so the server stamps each
// upload with its `from` (legacy /ingest) or its arrival (Push), as a live fleet's would be.
// Errors: kInvalidArgument for a missing or undecodable file, or no directory at all.
Result<std::vector<Payload>> BuildCorpus(const CorpusOptions& options);

}  // namespace flamedb::loadgen
