// settings.v1.SettingsService over Connect (proto and JSON): the wire side of settings::Store,
// where Grafana's Pyroscope app keeps its per-tenant settings.
#pragma once

#include <vector>

#include "api/connect.h"
#include "settings/store.h"

namespace flamedb::api {

// /settings.v1.SettingsService/{Get,Set,Delete}, tenant-scoped: each reads and writes only the
// caller's tenant's settings. A Set without a setting is invalid_argument. `store` must outlive
// the methods.
std::vector<UnaryMethod> SettingsMethods(settings::Store& store);

}  // namespace flamedb::api
