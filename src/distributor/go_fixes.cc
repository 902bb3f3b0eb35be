#include "distributor/go_fixes.h"

namespace flamedb::distributor {
namespace {
constexpr std::string_view kShape = "[go.shape.";
}  // namespace

std::string DropGoTypeParameters(std::string_view s) {
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t start = s.find(kShape, pos);
    if (start == std::string_view::npos) {
      out.append(s.substr(pos));
      return out;
    }
    size_t depth = 0;
    size_t end = start;
    for (; end < s.size(); ++end) {
      depth += s[end] == '[';
      depth -= s[end] == ']';
      if (depth == 0) {
        break;
      }
    }
    out.append(s.substr(pos, start - pos));
    out.append("[...]");
    if (end >= s.size()) {
      return out;  // Unbalanced: the rest was all type parameters.
    }
    pos = end + 1;
  }
}

size_t DropGoTypeParameters(model::Profile& p) {
  size_t changed = 0;
  for (std::string_view& s : p.string_table) {
    if (s.find(kShape) == std::string_view::npos) {
      continue;
    }
    p.owned_strings.push_back(DropGoTypeParameters(s));
    s = p.owned_strings.back();
    ++changed;
  }
  return changed;
}

}  // namespace flamedb::distributor
