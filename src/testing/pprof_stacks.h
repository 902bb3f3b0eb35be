// Profiles compared by content (a merged profile against the same merge done elsewhere).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "pprof/decoder.h"
#include "testing/status_matchers.h"

namespace flamedb::testing {

// The samples of an encoded pprof as "root;...;leaf" (function names, inlined frames
// expanded) -> value of the first sample type, summed: profiles compared whatever their ids.
inline std::map<std::string, int64_t> PprofStacks(const std::string& pprof) {
  std::map<std::string, int64_t> out;
  auto p = pprof::DecodeProfile(pprof, {});
  EXPECT_THAT(p, IsOk());
  if (!p.ok()) return out;
  std::map<uint64_t, const model::Location*> locs;
  std::map<uint64_t, const model::Function*> fns;
  for (const auto& l : p->locations) locs[l.id] = &l;
  for (const auto& f : p->functions) fns[f.id] = &f;
  for (const model::Sample& s : p->samples) {
    std::string key;
    const auto ids = p->LocationIds(s);
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
      const model::Location* l = locs.at(*it);
      for (uint32_t i = l->lines.size; i-- > 0;) {
        if (!key.empty()) key += ';';
        key += p->String(fns.at(p->lines[l->lines.begin + i].function_id)->name);
      }
    }
    out[key] += p->Values(s)[0];
  }
  return out;
}

}  // namespace flamedb::testing
