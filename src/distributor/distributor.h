// The write pipeline (spec §2.4): defaults, rate limit, validation, normalization, session ids,
// the split into series by sample labels, label validation, then the sink.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/logging.h"
#include "base/metrics.h"
#include "distributor/delta.h"
#include "distributor/limits.h"
#include "distributor/rate_limiter.h"
#include "distributor/sink.h"
#include "distributor/steps.h"
#include "model/labeled_profile.h"

namespace flamedb::distributor {

using IncomingProfile = model::LabeledProfile;

inline constexpr std::string_view kDefaultServiceName = "unknown_service";

// Thread-safe; the sink, overrides, clock, logger and metrics must outlive it.
class Distributor {
 public:
  Distributor(ProfileSink& sink, const Overrides& overrides, const base::Clock& clock,
              base::Logger& logger, base::MetricsRegistry& metrics);
  // A second distributor of the same process, into another sink, counting into `other`'s
  // metrics (a registry takes each name once): a cluster process that both distributes and
  // writes. Rate limits and delta baselines are its own. `other` must outlive it.
  Distributor(ProfileSink& sink, const Distributor& other);

  // Pushes the profiles of one request for `tenant`. Every profile is processed; those that pass
  // are stored even when others fail, and the first failure is returned (its tag is the discard
  // reason). A profile left without samples after normalization is accepted and not stored.
  // Errors: kInvalidArgument (validation), kResourceExhausted (rate limit, series limit).
  // `received_at`: when the push arrived (validation's "now", and the time of a profile without
  // one); unset: now. A forwarded push carries its distributor's, so that a writer that stores
  // it again after another writer's failure makes the same rows (compaction merges them).
  Status Push(const std::string& tenant, std::vector<IncomingProfile> profiles,
              std::optional<std::chrono::system_clock::time_point> received_at = std::nullopt);

  // Counts a payload rejected before it became a profile (undecodable, say) under the discard
  // metrics, with `status`'s tag as the reason.
  void RecordRejected(const std::string& tenant, const Status& status, size_t bytes) {
    CountDiscarded(tenant, status.tag().empty() ? "malformed_profile" : status.tag(), bytes);
  }

 private:
  Status PushOne(const std::string& tenant, const Limits& limits, IncomingProfile& in,
                 std::chrono::system_clock::time_point now);
  // Applies the tenant's rules (and the default rule when it runs last); false: dropped.
  bool RelabelSeries(const Limits& limits, model::Labels& labels);
  // `links`: RunProfileSteps' StepsResult::links, the sample labels that are no series labels.
  Result<std::vector<SeriesProfile>> Split(const Limits& limits, model::Labels labels,
                                           const LinkKeys& links,
                                           std::shared_ptr<model::Profile> profile);
  void CountReceived(const std::string& tenant, const IncomingProfile& in);
  void CountDiscarded(const std::string& tenant, std::string_view reason, size_t bytes);

  ProfileSink& sink_;
  const Overrides& overrides_;
  const base::Clock& clock_;
  base::Logger& logger_;
  RateLimiter rate_limiter_;
  DeltaTracker delta_;
  base::Family<base::Histogram>& received_compressed_;
  base::Family<base::Histogram>& received_decompressed_;
  base::Family<base::Histogram>& received_samples_;
  base::Family<base::Counter>& discarded_profiles_;
  base::Family<base::Counter>& discarded_bytes_;
};

}  // namespace flamedb::distributor
