#include "distributor/limits.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "base/tenant_id.h"

namespace flamedb::distributor {
namespace {

base::FlagOptions Yaml(std::string_view prefix, const char* key, std::string& storage) {
  storage = std::string(prefix) + key;
  return {.yaml = storage};
}

}  // namespace

void Limits::Register(base::FlagSet& f, std::string_view prefix) {
  // FlagSet keeps string_views of YAML paths only during registration; it copies them.
  std::string y;
  f.Double("distributor.ingestion-rate-limit-mb", &ingestion_rate_mb, 4,
           "Per-tenant ingestion rate limit in MiB/s of uncompressed profiles.",
           Yaml(prefix, "ingestion_rate_mb", y));
  f.Double("distributor.ingestion-burst-size-mb", &ingestion_burst_size_mb, 2,
           "Per-tenant ingestion burst size in MiB; never effectively below the largest legal "
           "profile.",
           Yaml(prefix, "ingestion_burst_size_mb", y));
  f.Int("distributor.ingestion-body-limit-mb", &ingestion_body_limit_mb, 256,
        "Largest ingest request body in MiB (413 beyond it); 0 means the server's limit.",
        Yaml(prefix, "ingestion_body_limit_mb", y));
  f.Int("validation.max-profile-size-bytes", &max_profile_size_bytes, 4 << 20,
        "Largest uncompressed profile in bytes.", Yaml(prefix, "max_profile_size_bytes", y));
  f.Int("ingester.max-global-series-per-tenant", &max_global_series_per_tenant, 5000,
        "Most active series per tenant (429 beyond); 0 means no limit.",
        Yaml(prefix, "max_global_series_per_tenant", y));
  f.Duration("storage.retention-period", &retention_period, base::Duration::zero(),
             "Delete blocks whose newest profile is older than this; 0 keeps everything.",
             Yaml(prefix, "retention_period", y));
  f.Int("validation.max-profile-stacktrace-samples", &profile.max_profile_stacktrace_samples,
        16000, "Most samples in one profile; 0 means no limit.",
        Yaml(prefix, "max_profile_stacktrace_samples", y));
  f.Int("validation.max-profile-stacktrace-sample-labels",
        &profile.max_profile_stacktrace_sample_labels, 100,
        "Most labels on one sample; 0 means no limit.",
        Yaml(prefix, "max_profile_stacktrace_sample_labels", y));
  f.Int("validation.max-profile-stacktrace-depth", &profile.max_profile_stacktrace_depth, 1000,
        "Deeper stacks keep their leaf-most frames; 0 means no limit.",
        Yaml(prefix, "max_profile_stacktrace_depth", y));
  f.Int("validation.max-profile-symbol-value-length", &profile.max_profile_symbol_value_length,
        65535, "Longer symbols keep their tail; 0 means no limit.",
        Yaml(prefix, "max_profile_symbol_value_length", y));
  f.Duration("validation.reject-older-than", &profile.reject_older_than, std::chrono::hours(1),
             "Reject profiles older than this; 0 means no limit.",
             Yaml(prefix, "reject_older_than", y));
  f.Duration("validation.reject-newer-than", &profile.reject_newer_than,
             std::chrono::minutes(10), "Reject profiles further in the future than this.",
             Yaml(prefix, "reject_newer_than", y));
  f.Int("validation.max-label-names-per-series", &labels.max_label_names_per_series, 30,
        "Most labels per series.", Yaml(prefix, "max_label_names_per_series", y));
  f.Int("validation.max-length-label-name", &labels.max_label_name_length, 1024,
        "Longest label name in bytes.", Yaml(prefix, "max_label_name_length", y));
  f.Int("validation.max-length-label-value", &labels.max_label_value_length, 2048,
        "Longest label value in bytes.", Yaml(prefix, "max_label_value_length", y));
  f.Int("validation.max-sessions-per-series", &labels.max_sessions_per_series, 0,
        "Distinct __session_id__ values kept per series; 0 drops the label.",
        Yaml(prefix, "max_sessions_per_series", y));
  f.Yaml("distributor.ingestion-relabeling-rules", &ingestion_relabeling_rules, "[]",
         "Prometheus relabel_config rules applied to every series before it is stored.",
         Yaml(prefix, "ingestion_relabeling_rules", y));
  f.String("distributor.ingestion-relabeling-default-rules-position",
           &ingestion_relabeling_default_rules_position, "first",
           "Where Pyroscope's built-in rule (godeltaprof_<x> -> <x>) runs: first, last or "
           "disabled.",
           Yaml(prefix, "ingestion_relabeling_default_rules_position", y));
}

Status Limits::Compile() {
  const std::string& position = ingestion_relabeling_default_rules_position;
  if (position != "first" && position != "last" && position != "disabled") {
    return InvalidArgumentError("ingestion_relabeling_default_rules_position \"" + position +
                                "\": want first, last or disabled");
  }
  FLAMEDB_ASSIGN_OR_RETURN(relabel_rules, ParseRelabelRules(ingestion_relabeling_rules));
  return OkStatus();
}

double Limits::BurstBytes() const {
  constexpr double kMiB = 1 << 20;
  constexpr double kLabelRoom = 64 << 10;
  return std::max(ingestion_burst_size_mb * kMiB,
                  static_cast<double>(max_profile_size_bytes) + kLabelRoom);
}

Overrides::Overrides(const Limits& defaults, std::string file)
    : defaults_(defaults),
      file_(std::move(file)),
      default_snapshot_(std::make_shared<const Limits>(defaults)),
      by_tenant_(std::make_shared<
                 const std::map<std::string, std::shared_ptr<const Limits>, std::less<>>>()) {}

std::shared_ptr<const Limits> Overrides::For(std::string_view tenant) const {
  base::MutexLock lock(mu_);
  auto it = by_tenant_->find(tenant);
  return it == by_tenant_->end() ? default_snapshot_ : it->second;
}

Status Overrides::Reload() {
  if (file_.empty()) {
    return OkStatus();
  }
  std::ifstream in(file_);
  if (!in) {
    return InvalidArgumentError("cannot read runtime config file " + file_);
  }
  std::stringstream text;
  text << in.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("cannot parse runtime config file " + file_ + ": " + e.msg);
  }
  auto next = std::make_shared<std::map<std::string, std::shared_ptr<const Limits>, std::less<>>>();
  const YAML::Node overrides = root.IsMap() ? root["overrides"] : YAML::Node();
  if (overrides && overrides.IsMap()) {
    for (const auto& item : overrides) {
      const std::string tenant = item.first.as<std::string>();
      FLAMEDB_RETURN_IF_ERROR(base::ValidateTenantId(tenant).WithContext(file_));
      auto limits = std::make_shared<Limits>();
      base::FlagSet flags("overrides");
      limits->Register(flags, "");
      *limits = defaults_;  // Registration stored the flag defaults; start from ours.
      YAML::Emitter out;
      out << item.second;
      FLAMEDB_RETURN_IF_ERROR(flags.ApplyYaml(out.c_str(), file_ + " (tenant " + tenant + ")"));
      FLAMEDB_RETURN_IF_ERROR(limits->Compile().WithContext(file_ + " (tenant " + tenant + ")"));
      next->emplace(tenant, std::move(limits));
    }
  }
  base::MutexLock lock(mu_);
  by_tenant_ = std::move(next);
  return OkStatus();
}

}  // namespace flamedb::distributor
