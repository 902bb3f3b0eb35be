#include "corpus.h"

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

#include "../corpus.h"
#include "base/gzip.h"
#include "model/profile.h"
#include "pprof/decoder.h"
#include "pprof/encoder.h"

namespace flamedb::loadgen {
namespace {

struct BaseFile {
  Runtime runtime;
  std::string dir, file, kind, metric;
};

Result<model::Profile> ReadProfile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return InvalidArgumentError("corpus: cannot read " + path);
  std::stringstream bytes;
  bytes << f.rdbuf();
  auto p = pprof::DecodeProfile(bytes.str(), {.max_uncompressed_bytes = 64 << 20});
  if (!p.ok()) return InvalidArgumentError("corpus: " + path + ": " + std::string(p.status().message()));
  return p;
}

// A variant of `base` holding a random subset of its samples with scaled values. The arrays are
// copied; the string table keeps pointing into `base`, which outlives the call.
Payload MakeVariant(const model::Profile& base, const BaseFile& file, std::mt19937_64& rng,
                    double keep) {
  model::Profile p = bench::CopyOf(base);
  p.samples.clear();
  p.values.clear();
  p.duration_nanos = base.duration_nanos;
  p.default_sample_type = base.default_sample_type;
  std::uniform_real_distribution<double> scale(0.5, 1.5);
  std::bernoulli_distribution kept(keep);
  for (const model::Sample& s : base.samples) {
    if (!kept(rng)) continue;
    model::Sample copy = s;
    copy.values.begin = static_cast<uint32_t>(p.values.size());
    for (const int64_t value : base.Values(s)) {
      const int64_t unit = p.period > 0 && value % p.period == 0 ? p.period : 1;
      p.values.push_back(std::max<int64_t>(1, static_cast<int64_t>(value / unit * scale(rng))) *
                         unit);
    }
    p.samples.push_back(copy);
  }
  const std::string raw = pprof::EncodeProfile(p);
  Payload out;
  out.runtime = file.runtime;
  out.kind = file.kind;
  out.metric = file.metric;
  out.samples = static_cast<int64_t>(p.samples.size());
  out.uncompressed_bytes = static_cast<int64_t>(raw.size());
  out.gz = base::Gzip(raw);
  return out;
}

}  // namespace

Result<std::vector<Payload>> BuildCorpus(const CorpusOptions& options) {
  std::vector<BaseFile> files;
  if (!options.go_dir.empty()) {
    files.push_back({Runtime::kGo, options.go_dir, "cpu.pb.gz", "cpu", "process_cpu"});
    files.push_back({Runtime::kGo, options.go_dir, "heap.pb.gz", "heap", "memory"});
  }
  if (!options.node_dir.empty()) {
    files.push_back({Runtime::kNode, options.node_dir, "wall.pb.gz", "wall", "wall"});
    files.push_back({Runtime::kNode, options.node_dir, "heap.pb.gz", "heap", "memory"});
  }
  if (files.empty()) return InvalidArgumentError("corpus: give -go-profiles or -node-profiles");
  std::mt19937_64 rng(options.seed);
  std::vector<Payload> corpus;
  for (const BaseFile& f : files) {
    auto base = ReadProfile(f.dir + "/" + f.file);
    if (!base.ok()) return base.status();
    for (int i = 0; i < options.variants; ++i) {
      corpus.push_back(MakeVariant(*base, f, rng, options.keep));
    }
  }
  return corpus;
}

}  // namespace flamedb::loadgen
