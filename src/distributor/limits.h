// Per-tenant limits (Pyroscope's `limits:` block, spec §2.4.1): defaults from flags and YAML,
// per-tenant overrides from the runtime config file, reloaded while the server runs.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/flags.h"
#include "base/mutex.h"
#include "distributor/labels.h"
#include "distributor/relabel.h"
#include "distributor/validate.h"

namespace flamedb::distributor {

struct Limits {
  double ingestion_rate_mb = 4;
  double ingestion_burst_size_mb = 2;
  int64_t ingestion_body_limit_mb = 256;
  int64_t max_profile_size_bytes = 4 << 20;
  int64_t max_global_series_per_tenant = 5000;  // Active series; 0: no limit.
  base::Duration retention_period = base::Duration::zero();  // Blocks older are deleted; 0: keep.
  ProfileLimits profile;
  LabelLimits labels;
  std::string ingestion_relabeling_rules = "[]";  // YAML; compiled into `relabel_rules`.
  std::string ingestion_relabeling_default_rules_position = "first";
  std::shared_ptr<const RelabelRules> relabel_rules = std::make_shared<const RelabelRules>();

  // Compiles the relabeling rules and checks the enumerations. Call after the flags or YAML set
  // the fields. Errors: kInvalidArgument naming the limit.
  Status Compile();

  // Registers every limit. With `prefix` "limits." the YAML keys are `limits.<key>` (the main
  // config); with "" they are bare (a tenant's block of the runtime config file).
  void Register(base::FlagSet& flags, std::string_view yaml_prefix);

  // The token bucket's size in bytes: the configured burst, but never less than the largest
  // legal profile plus room for its labels, so that every legal profile can pass.
  double BurstBytes() const;
};

// The limits of every tenant. Thread-safe: readers get a snapshot; Reload swaps it.
class Overrides {
 public:
  // `defaults` apply to tenants without overrides. `file` may be empty (no overrides).
  Overrides(const Limits& defaults, std::string file);

  // The limits of `tenant`. The pointer is a snapshot; it stays valid while held.
  std::shared_ptr<const Limits> For(std::string_view tenant) const EXCLUDES(mu_);

  // Reads the runtime config file: YAML `overrides: {<tenant>: {<limit key>: value, ...}}`.
  // On error the previous overrides stay in force. Errors: kInvalidArgument naming the file,
  // tenant and key.
  Status Reload() EXCLUDES(mu_);

  const std::string& file() const { return file_; }

 private:
  const Limits defaults_;
  const std::string file_;
  mutable base::Mutex mu_;
  std::shared_ptr<const Limits> default_snapshot_;
  std::shared_ptr<const std::map<std::string, std::shared_ptr<const Limits>, std::less<>>>
      by_tenant_ GUARDED_BY(mu_);
};

}  // namespace flamedb::distributor
