// Minimal JSON output helpers for the few hand-written JSON bodies (errors, buildinfo).
#pragma once

#include <string>
#include <string_view>

namespace flamedb::base {

// Appends `s` as a JSON string literal. Invalid UTF-8 bytes become U+FFFD, so the output is
// always valid JSON whatever bytes a client sent.
void AppendJsonString(std::string& out, std::string_view s);

inline std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

}  // namespace flamedb::base
