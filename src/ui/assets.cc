#include "ui/assets.h"

#include <algorithm>

namespace flamedb::ui {

const Asset* FindAsset(std::string_view path) {
  const std::span<const Asset> all = Assets();
  auto it = std::lower_bound(all.begin(), all.end(), path,
                             [](const Asset& a, std::string_view p) { return a.path < p; });
  return it != all.end() && it->path == path ? &*it : nullptr;
}

}  // namespace flamedb::ui
