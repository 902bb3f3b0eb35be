#include "server/modules.h"

#include <algorithm>

namespace flamedb::server {

void ModuleManager::Add(const std::string& name) {
  base::MutexLock lock(mu_);
  for (const auto& [n, s] : modules_) {
    FLAMEDB_CHECK(n != name);
  }
  modules_.emplace_back(name, ModuleState::kStarting);
}

void ModuleManager::Set(const std::string& name, ModuleState state) {
  base::MutexLock lock(mu_);
  auto it = std::find_if(modules_.begin(), modules_.end(),
                         [&](const auto& m) { return m.first == name; });
  FLAMEDB_CHECK(it != modules_.end());
  it->second = state;
}

Status ModuleManager::Ready() const {
  static constexpr std::pair<ModuleState, std::string_view> kOrder[] = {
      {ModuleState::kStarting, "Starting"},
      {ModuleState::kStopping, "Stopping"},
      {ModuleState::kFailed, "Failed"}};
  base::MutexLock lock(mu_);
  std::string message;
  for (const auto& [state, label] : kOrder) {
    std::string names;
    for (const auto& [name, s] : modules_) {
      if (s == state) {
        names += (names.empty() ? "" : " ") + name;
      }
    }
    if (!names.empty()) {
      message += std::string(label) + ": [" + names + "]\n";
    }
  }
  if (message.empty()) {
    return OkStatus();
  }
  return UnavailableError("Some services are not Running:\n" + message);
}

std::vector<std::string> ModuleManager::Names() const {
  base::MutexLock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, state] : modules_) {
    out.push_back(name);
  }
  return out;
}

}  // namespace flamedb::server
