// Version and source revision of this build, generated at build time (cmake/build_info.cmake).
#pragma once

#include <string_view>

namespace flamedb::base {

struct BuildInfo {
  std::string_view version;   // "0.1.0"
  std::string_view revision;  // short git sha, or "unknown"
  std::string_view branch;
  std::string_view compiler;  // "GNU 12.2.0"
};

const BuildInfo& GetBuildInfo();

}  // namespace flamedb::base
