#include "api/http.h"

#include <strings.h>

#include <algorithm>

namespace flamedb::api {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const Field& f : fields_) {
    if (EqualsIgnoreCase(f.name, name)) {
      return std::string_view(f.value);
    }
  }
  return std::nullopt;
}

void Headers::Add(std::string name, std::string value) {
  fields_.push_back({std::move(name), std::move(value)});
}

void Headers::Set(std::string_view name, std::string value) {
  std::erase_if(fields_, [&](const Field& f) { return EqualsIgnoreCase(f.name, name); });
  fields_.push_back({std::string(name), std::move(value)});
}

}  // namespace flamedb::api
