#include "ingester/ingester.h"

#include "base/json.h"
#include "ingester/record.h"

namespace flamedb::ingester {

Ingester::Ingester(const distributor::Overrides& overrides, base::MetricsRegistry& metrics)
    : overrides_(overrides),
      replayed_(metrics.AddCounter("flamedb_ingester_wal_replayed_records_total",
                                   "Pushes replayed from the write-ahead log at start.")) {}

Result<std::unique_ptr<Ingester>> Ingester::Open(const IngesterOptions& options,
                                                 const distributor::Overrides& overrides,
                                                 base::Logger& logger,
                                                 base::MetricsRegistry& metrics) {
  std::unique_ptr<Ingester> ingester(new Ingester(overrides, metrics));
  FLAMEDB_ASSIGN_OR_RETURN(ingester->wal_,
                           wal::Wal::Open({.dir = options.wal_dir, .sync = options.wal_sync},
                                          logger, metrics));
  uint64_t records = 0;
  uint64_t skipped = 0;
  FLAMEDB_RETURN_IF_ERROR(
      ingester->wal_->Replay([&](std::string_view bytes, wal::Position at) -> Status {
        Result<PushRecord> record = DecodeRecord(bytes);
        // Everything in the WAL was acknowledged, so replay applies it without the series limit.
        const Status applied = record.ok()
                                   ? ingester->Apply(record->tenant, record->series, 0)
                                   : record.status();
        if (!applied.ok()) {
          ++skipped;
          logger.Error("wal: skipped a record that cannot be applied", "segment", at.segment,
                       "offset", at.offset, "err", applied);
          return OkStatus();
        }
        ++records;
        ingester->replayed_.Inc();
        return OkStatus();
      }));
  logger.Info("wal replayed", "dir", options.wal_dir, "records", records, "skipped", skipped);
  return ingester;
}

head::Head& Ingester::HeadFor(std::string_view tenant) {
  base::MutexLock lock(mu_);
  auto it = heads_.find(tenant);
  if (it == heads_.end()) {
    it = heads_.emplace(std::string(tenant), std::make_unique<head::Head>()).first;
  }
  return *it->second;
}

Status Ingester::Apply(std::string_view tenant,
                       const std::vector<distributor::SeriesProfile>& profiles,
                       size_t max_series) {
  head::Head& head = HeadFor(tenant);
  for (const distributor::SeriesProfile& p : profiles) {
    FLAMEDB_RETURN_IF_ERROR(head.Append(p.labels, *p.profile, p.samples, max_series));
  }
  return OkStatus();
}

Status Ingester::Append(std::string_view tenant,
                        std::vector<distributor::SeriesProfile> profiles) {
  const auto max = static_cast<size_t>(
      std::max<int64_t>(0, overrides_.For(tenant)->max_global_series_per_tenant));
  head::Head& head = HeadFor(tenant);
  if (max > 0) {
    // Checked before the WAL write, so that a refused push leaves nothing behind.
    size_t fresh = 0;
    for (const distributor::SeriesProfile& p : profiles) {
      fresh += head.NewSeries(p.labels, *p.profile);
    }
    if (fresh > 0 && head.series() + fresh > max) {
      return ResourceExhaustedError(
                 "Maximum active series limit exceeded (" + std::to_string(head.series()) + "/" +
                 std::to_string(max) +
                 "), reduce the number of active streams (reduce labels or reduce label "
                 "values), or contact your administrator to see if the limit can be increased")
          .WithTag("series_limit");
    }
  }
  FLAMEDB_RETURN_IF_ERROR(wal_->Append(EncodeRecord(tenant, profiles)).status());
  // Durable now; apply without the limit so the head matches what a replay would build.
  return Apply(tenant, profiles, 0);
}

std::string Ingester::DebugJson(std::string_view tenant) const {
  std::vector<head::SeriesSummary> summaries;
  {
    base::MutexLock lock(mu_);
    auto it = heads_.find(tenant);
    if (it != heads_.end()) {
      summaries = it->second->Summaries();
    }
  }
  std::string out = "{\"series\":[";
  for (size_t i = 0; i < summaries.size(); ++i) {
    const head::SeriesSummary& s = summaries[i];
    out += i == 0 ? "{\"labels\":{" : ",{\"labels\":{";
    for (size_t l = 0; l < s.labels.pairs().size(); ++l) {
      out += l == 0 ? "" : ",";
      base::AppendJsonString(out, s.labels.pairs()[l].name);
      out += ':';
      base::AppendJsonString(out, s.labels.pairs()[l].value);
    }
    out += "},\"profiles\":" + std::to_string(s.profiles) + ",\"totals\":{";
    bool first = true;
    for (const auto& [type, total] : s.totals) {
      out += first ? "" : ",";
      first = false;
      base::AppendJsonString(out, type);
      out += ':' + std::to_string(total);
    }
    out += "}}";
  }
  return out + "],\"untracked_profiles\":0}";
}

}  // namespace flamedb::ingester
