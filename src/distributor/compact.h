// The last step of normalization (spec §2.4.4): keep only what the samples reference, with dense
// ids, so stored profiles carry no dead symbols.
#pragma once

#include <memory>

#include "model/profile.h"

namespace flamedb::distributor {

// Rewrites `profile` in place so that:
// - locations, functions and mappings are exactly those the samples reference, with ids 1..N in
//   order of first reference;
// - locations without a mapping share one stub mapping;
// - the string table holds only referenced strings, "" first, each once;
// - every reference (sample location ids, line function ids, string indexes) is rewritten.
// REQUIRES: every reference is valid (ValidateProfile and NormalizeProfile ran).
void CompactProfile(model::Profile& profile);

// CompactProfile in two steps, so that normalization can remap each kept sample's location ids
// in the same pass that hashes them. Not thread-safe; lives for one profile.
class Compactor {
 public:
  explicit Compactor(model::Profile& profile);
  ~Compactor();
  Compactor(const Compactor&) = delete;
  Compactor& operator=(const Compactor&) = delete;

  // Rewrites the location ids of one kept sample to dense new ids (first use first).
  // REQUIRES: every id names an existing location.
  void RemapSample(const model::Sample& sample);
  // Rebuilds the symbol tables from what RemapSample saw. Call once, after the last sample.
  void Finish();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flamedb::distributor
