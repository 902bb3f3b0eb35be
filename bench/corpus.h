// The profile corpus the cross-component benchmarks share: the real runtime/pprof CPU and heap
// profiles in $FLAMEDB_BENCH_CORPUS (made by the project's Go fixture program), varied per push
// so that consecutive profiles differ the way real ones do.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "model/labels.h"
#include "model/profile.h"

namespace flamedb::bench {

// The first profile time of every corpus (2026-01-02 03:04:05 UTC), and the push interval.
inline constexpr int64_t kStartNanos = 1767323045LL * 1000000000LL;
inline constexpr int64_t kPushIntervalNanos = 10'000'000'000LL;

// One push: a profile under request labels, and the subset of its samples kept.
struct Push {
  model::Labels labels;
  std::shared_ptr<const model::Profile> profile;
  std::vector<uint32_t> samples;  // The subset kept.
};

struct BaseProfiles {
  model::Profile cpu, heap;
};

// The fixture profiles cpu.pb.gz and heap.pb.gz of $FLAMEDB_BENCH_CORPUS, decoded and normalized
// on first use and kept for the life of the process. Exits with a message when the variable is
// unset or a file does not decode.
const BaseProfiles& GetBaseProfiles();

// The integer value of environment variable `name`, or `def` when it is unset.
int EnvInt(const char* name, int def);

// Reads, decodes and normalizes the pprof file `path`; exits with a message on error.
model::Profile LoadProfile(const std::string& path);

// A copy whose strings still point into `base`'s storage: `base` must outlive it.
model::Profile CopyOf(const model::Profile& base);

// One 10-second profile of `base` at `time`: each sample kept with probability `keep`, values
// scaled by 0.5-1.5x (CPU values stay multiples of the period). `base` must outlive the push.
Push Vary(const model::Profile& base, const model::Labels& labels, int64_t time,
          std::mt19937_64& rng, double keep = 0.7);

}  // namespace flamedb::bench
