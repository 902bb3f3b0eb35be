#include "settings/store.h"

#include <chrono>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/json.h"
#include "base/utf8.h"

// A tenant's object (docs/api.md "Tenant settings"), written whole on every change:
//   {"version":1,"settings":[{"name":"...","value":"...","modifiedAt":<unix ms>},...]}
// with the settings sorted by name.

namespace flamedb::settings {
namespace {

constexpr int64_t kFormatVersion = 1;

using TenantSettings = std::map<std::string, Setting, std::less<>>;

int64_t NowMillis(const base::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.Now().time_since_epoch())
      .count();
}

// Names and values must be UTF-8, as proto3 strings are: the JSON encoder would otherwise
// replace bad bytes, and what was stored would differ from what Set returned.
Status CheckName(std::string_view name) {
  if (name.empty()) {
    return InvalidArgumentError("setting name must not be empty");
  }
  if (!base::IsValidUtf8(name)) {
    return InvalidArgumentError("setting name is not valid UTF-8");
  }
  return OkStatus();
}

std::vector<Setting> Sorted(const TenantSettings& settings) {
  std::vector<Setting> out;
  out.reserve(settings.size());
  for (const auto& entry : settings) {
    out.push_back(entry.second);
  }
  return out;
}

std::string Encode(const TenantSettings& settings) {
  std::string out = "{\"version\":" + std::to_string(kFormatVersion) + ",\"settings\":[";
  const char* separator = "";
  for (const auto& entry : settings) {
    const Setting& s = entry.second;
    out += separator;
    separator = ",";
    out += "\n{\"name\":";
    base::AppendJsonString(out, s.name);
    out += ",\"value\":";
    base::AppendJsonString(out, s.value);
    out += ",\"modifiedAt\":" + std::to_string(s.modified_at_ms) + "}";
  }
  out += "]}\n";
  return out;
}

// The checks below use the non-throwing parts of nlohmann only (parse without exceptions, and
// get<> after the type is known), so damaged bytes never raise.
Result<Setting> DecodeSetting(const nlohmann::json& item) {
  if (!item.is_object()) {
    return DataLossError("a setting is not a JSON object");
  }
  const auto name = item.find("name");
  if (name == item.end() || !name->is_string() || name->get<std::string>().empty()) {
    return DataLossError("a setting has no \"name\" string");
  }
  Setting s;
  s.name = name->get<std::string>();
  const auto value = item.find("value");
  if (value == item.end() || !value->is_string()) {
    return DataLossError("setting \"" + s.name + "\" has no \"value\" string");
  }
  s.value = value->get<std::string>();
  const auto modified = item.find("modifiedAt");
  if (modified == item.end() || !modified->is_number_integer() ||
      (modified->is_number_unsigned() &&
       modified->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))) {
    return DataLossError("setting \"" + s.name + "\" has no int64 \"modifiedAt\"");
  }
  s.modified_at_ms = modified->get<int64_t>();
  return s;
}

Result<TenantSettings> Decode(std::string_view json) {
  const nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return DataLossError("not a JSON object");
  }
  const auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer()) {
    return DataLossError("no integer \"version\"");
  }
  if (version->get<int64_t>() != kFormatVersion) {
    // Written by a newer flamedb: refuse rather than overwrite what we cannot read.
    return FailedPreconditionError("format version " + version->dump() +
                                   " is not supported (this flamedb reads version " +
                                   std::to_string(kFormatVersion) + ")");
  }
  const auto list = doc.find("settings");
  if (list == doc.end() || !list->is_array()) {
    return DataLossError("no \"settings\" array");
  }
  TenantSettings out;
  for (const nlohmann::json& item : *list) {
    FLAMEDB_ASSIGN_OR_RETURN(Setting s, DecodeSetting(item));
    if (out.contains(s.name)) {
      return DataLossError("setting \"" + s.name + "\" appears twice");
    }
    std::string name = s.name;
    out.emplace(std::move(name), std::move(s));
  }
  return out;
}

}  // namespace

std::string SettingsKey(std::string_view tenant) {
  return std::string(tenant) + "/settings/settings.json";
}

Store::Store(objstore::Bucket& bucket, const base::Clock& clock) : bucket_(bucket), clock_(clock) {}

Result<std::vector<Setting>> Store::Get(std::string_view tenant) {
  base::MutexLock lock(mu_);
  FLAMEDB_ASSIGN_OR_RETURN(const TenantSettings* current, Load(tenant));
  return Sorted(*current);
}

Result<Setting> Store::Set(std::string_view tenant, Setting setting) {
  FLAMEDB_RETURN_IF_ERROR(CheckName(setting.name));
  if (!base::IsValidUtf8(setting.value)) {
    return InvalidArgumentError("value of setting \"" + setting.name + "\" is not valid UTF-8");
  }
  if (setting.modified_at_ms <= 0) {
    setting.modified_at_ms = NowMillis(clock_);
  }
  base::MutexLock lock(mu_);
  FLAMEDB_ASSIGN_OR_RETURN(TenantSettings* current, Load(tenant));
  const auto it = current->find(setting.name);
  // Equal times are accepted, as in Pyroscope: a client that resends its last write succeeds.
  if (it != current->end() && it->second.modified_at_ms > setting.modified_at_ms) {
    return Status(StatusCode::kAlreadyExists,
                  "failed to update " + setting.name + ": newer update already written");
  }
  TenantSettings updated = *current;
  updated.insert_or_assign(setting.name, setting);
  FLAMEDB_RETURN_IF_ERROR(Save(tenant, std::move(updated)));
  return setting;
}

Status Store::Delete(std::string_view tenant, std::string_view name) {
  FLAMEDB_RETURN_IF_ERROR(CheckName(name));
  base::MutexLock lock(mu_);
  FLAMEDB_ASSIGN_OR_RETURN(TenantSettings* current, Load(tenant));
  if (current->find(name) == current->end()) {
    return OkStatus();
  }
  TenantSettings updated = *current;
  updated.erase(updated.find(name));
  return Save(tenant, std::move(updated));
}

Result<Store::TenantSettings*> Store::Load(std::string_view tenant) {
  if (const auto it = cache_.find(tenant); it != cache_.end()) {
    return &it->second;
  }
  const std::string key = SettingsKey(tenant);
  FLAMEDB_RETURN_IF_ERROR(objstore::ValidateKey(key));
  TenantSettings loaded;
  Result<std::string> json = bucket_.Get(key);
  if (json.ok()) {
    Result<TenantSettings> decoded = Decode(*json);
    if (!decoded.ok()) {
      return decoded.status().WithContext("settings object " + key);
    }
    loaded = std::move(decoded).value();
  } else if (json.status().code() != StatusCode::kNotFound) {
    return json.status();
  }
  const auto it = cache_.emplace(std::string(tenant), std::move(loaded)).first;
  return &it->second;
}

Status Store::Save(std::string_view tenant, TenantSettings settings) {
  FLAMEDB_RETURN_IF_ERROR(bucket_.Put(SettingsKey(tenant), Encode(settings)));
  cache_.insert_or_assign(std::string(tenant), std::move(settings));
  return OkStatus();
}

}  // namespace flamedb::settings
