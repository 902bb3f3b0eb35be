// Tenant settings (Pyroscope's settings.v1 API): a small per-tenant key/value store kept in the
// object storage bucket, so that settings survive restarts.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"
#include "base/thread_annotations.h"
#include "objstore/bucket.h"

namespace flamedb::settings {

// One named setting. The value is opaque (Grafana's Pyroscope app stores JSON under
// "pluginSettings").
struct Setting {
  std::string name;
  std::string value;
  int64_t modified_at_ms = 0;  // Unix milliseconds of the last change.

  friend bool operator==(const Setting&, const Setting&) = default;
};

// The bucket key of `tenant`'s settings object.
std::string SettingsKey(std::string_view tenant);

// The settings of every tenant, one JSON object per tenant at SettingsKey(tenant) (format in
// store.cc). A tenant's object is read on first use and then served from memory: this process
// is the only writer of the bucket.
//
// Thread-safe. One mutex covers the cache and the bucket round trip of a change, so concurrent
// changes of one tenant are applied one after the other and none is lost. Changes are rare (a
// user saving a page in the UI), so one lock for all tenants costs nothing worth a finer one.
// The bucket and clock must outlive the store.
class Store {
 public:
  Store(objstore::Bucket& bucket, const base::Clock& clock);

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Every setting of `tenant`, sorted by name; none for a tenant that never set one.
  // Errors: kDataLoss when the stored object is damaged; kInvalidArgument when `tenant` cannot
  // be part of a bucket key; bucket errors.
  Result<std::vector<Setting>> Get(std::string_view tenant) EXCLUDES(mu_);

  // Stores `setting`, replacing the one of the same name, and returns it as stored. A
  // modified_at_ms <= 0 means now (the injected clock). The setting is durable once this
  // returns OK.
  // Errors: kInvalidArgument for an empty name or a name or value that is not UTF-8;
  // kAlreadyExists, naming the setting, when the stored setting was modified later than
  // `setting` (a stale write); as Get.
  Result<Setting> Set(std::string_view tenant, Setting setting) EXCLUDES(mu_);

  // Removes the setting `name`; removing one that does not exist is OK.
  // Errors: kInvalidArgument for an empty name; as Get.
  Status Delete(std::string_view tenant, std::string_view name) EXCLUDES(mu_);

 private:
  using TenantSettings = std::map<std::string, Setting, std::less<>>;

  // The cached settings of `tenant`, read from the bucket on first use. The pointer stays
  // valid while mu_ is held. A damaged object is not cached, so every call reports it.
  Result<TenantSettings*> Load(std::string_view tenant) REQUIRES(mu_);
  // Writes `settings` as `tenant`'s object, then makes it the cached copy. On error the cache
  // still holds what the bucket holds.
  Status Save(std::string_view tenant, TenantSettings settings) REQUIRES(mu_);

  objstore::Bucket& bucket_;
  const base::Clock& clock_;
  base::Mutex mu_;
  std::map<std::string, TenantSettings, std::less<>> cache_ GUARDED_BY(mu_);
};

}  // namespace flamedb::settings
