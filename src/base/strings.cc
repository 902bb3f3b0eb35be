#include "base/strings.h"

#include <cctype>

namespace flamedb::base {

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string AsciiLowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::vector<std::string_view> SplitNonEmpty(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    const size_t end = s.find(sep);
    const std::string_view item = TrimSpace(s.substr(0, end));
    if (!item.empty()) {
      out.push_back(item);
    }
    if (end == std::string_view::npos) {
      return out;
    }
    s.remove_prefix(end + 1);
  }
}

}  // namespace flamedb::base
