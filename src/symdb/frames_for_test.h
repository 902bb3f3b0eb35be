// Tests' view of a stack: "root;...;leaf", each location's lines by function name.
#pragma once

#include <string>
#include <vector>

#include "symdb/partition.h"

namespace flamedb::symdb {

inline std::string Frames(const Partition& p, uint32_t stack) {
  std::vector<uint32_t> locations;
  p.ResolveStack(stack, locations);
  std::string out;
  for (auto it = locations.rbegin(); it != locations.rend(); ++it) {
    for (const Line& line : p.Lines(p.location(*it))) {
      out += (out.empty() ? "" : ";") + std::string(p.String(p.function(line.function).name));
    }
  }
  return out;
}

}  // namespace flamedb::symdb
