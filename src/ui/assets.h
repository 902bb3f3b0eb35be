// The built web UI (web/, built by Vite), compiled into the binary by embed_assets so that one
// file serves the whole product. Read-only data; thread-safe.
#pragma once

#include <span>
#include <string_view>

namespace flamedb::ui {

struct Asset {
  std::string_view path;          // "/index.html", "/assets/index-3f2a1b.js", ...
  std::string_view content_type;  // From the extension.
  std::string_view data;
  bool immutable = false;  // Under /assets/: the name carries a content hash, cache it forever.
};

// Every embedded file, sorted by path. Empty when the binary was built without the UI
// (-DFLAMEDB_WEB=OFF).
std::span<const Asset> Assets();

// The file at `path`, or nullptr.
const Asset* FindAsset(std::string_view path);

}  // namespace flamedb::ui
