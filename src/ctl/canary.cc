#include "ctl/canary.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>

#include "google/v1/profile.pb.h"
#include "push/v1/push.pb.h"
#include "querier/v1/querier.pb.h"

namespace flamedb::ctl {
namespace {

namespace qv1 = querier::v1;
constexpr char kType[] = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
constexpr int64_t kPeriod = 10'000'000;     // 100 Hz.
constexpr int64_t kProbeValue = 3 * kPeriod;  // The probe's own frame.
constexpr int64_t kSteadyValue = 7 * kPeriod;
constexpr int64_t kWindowMs = 60'000;  // Reads cover the probe time +- this.

std::string ProbeFrame(uint64_t nonce) { return "flamectl_canary_probe_" + std::to_string(nonce); }

// root "flamectl_canary" with two children: the probe's frame and a steady one.
std::string CanaryProfile(int64_t now_ms, uint64_t nonce) {
  google::v1::Profile p;
  for (const std::string& s : {std::string(), std::string("cpu"), std::string("nanoseconds"),
                               std::string("flamectl_canary"), ProbeFrame(nonce),
                               std::string("flamectl_canary_steady")}) {
    p.add_string_table(s);
  }
  auto* st = p.add_sample_type();
  st->set_type(1);
  st->set_unit(2);
  p.mutable_period_type()->set_type(1);
  p.mutable_period_type()->set_unit(2);
  p.set_period(kPeriod);
  p.set_time_nanos(now_ms * 1'000'000);
  p.set_duration_nanos(10'000'000'000);
  for (uint64_t id = 1; id <= 3; ++id) {
    auto* f = p.add_function();
    f->set_id(id);
    f->set_name(static_cast<int64_t>(id) + 2);
    auto* loc = p.add_location();
    loc->set_id(id);
    loc->add_line()->set_function_id(id);
  }
  for (const auto& [leaf, value] : {std::pair<uint64_t, int64_t>{2, kProbeValue}, {3, kSteadyValue}}) {
    auto* s = p.add_sample();
    s->add_location_id(leaf);
    s->add_location_id(1);
    s->add_value(value);
  }
  return p.SerializeAsString();
}

// The reads of one probe, each a check.
class Probe {
 public:
  Probe(const RpcClient& client, const std::string& service, int64_t now_ms, uint64_t nonce)
      : client_(client), service_(service), selector_("{service_name=\"" + service + "\"}"),
        start_(now_ms - kWindowMs), end_(now_ms + kWindowMs), frame_(ProbeFrame(nonce)) {}

  Status ProfileTypes() {
    qv1::ProfileTypesRequest req;
    req.set_start(start_);
    req.set_end(end_);
    qv1::ProfileTypesResponse resp;
    FLAMEDB_RETURN_IF_ERROR(Call("ProfileTypes", req, resp));
    for (const auto& t : resp.profile_types()) {
      if (t.id() == kType) return OkStatus();
    }
    return NotFoundError(std::string("ProfileTypes lacks ") + kType);
  }

  Status LabelNames() {
    types::v1::LabelNamesRequest req;
    req.add_matchers(selector_);
    req.set_start(start_);
    req.set_end(end_);
    types::v1::LabelNamesResponse resp;
    FLAMEDB_RETURN_IF_ERROR(Call("LabelNames", req, resp));
    return Contains(resp.names(), "service_name", "LabelNames");
  }

  Status LabelValues() {
    types::v1::LabelValuesRequest req;
    req.set_name("service_name");
    req.add_matchers(selector_);
    req.set_start(start_);
    req.set_end(end_);
    types::v1::LabelValuesResponse resp;
    FLAMEDB_RETURN_IF_ERROR(Call("LabelValues", req, resp));
    return Contains(resp.names(), service_, "LabelValues(service_name)");
  }

  Status Series() {
    qv1::SeriesRequest req;
    req.add_matchers(selector_);
    req.set_start(start_);
    req.set_end(end_);
    qv1::SeriesResponse resp;
    FLAMEDB_RETURN_IF_ERROR(Call("Series", req, resp));
    if (resp.labels_set_size() == 0) return NotFoundError("Series found no series of " + selector_);
    return OkStatus();
  }

  Status SelectSeries() {
    qv1::SelectSeriesRequest req;
    req.set_profile_typeid(kType);
    req.set_label_selector(selector_);
    req.set_start(start_);
    req.set_end(end_);
    req.set_step(static_cast<double>(kWindowMs) / 1000);
    qv1::SelectSeriesResponse resp;
    FLAMEDB_RETURN_IF_ERROR(Call("SelectSeries", req, resp));
    double sum = 0;
    for (const auto& s : resp.series()) {
      for (const auto& point : s.points()) sum += point.value();
    }
    if (sum < static_cast<double>(kProbeValue + kSteadyValue)) {
      return NotFoundError("SelectSeries total " + std::to_string(static_cast<int64_t>(sum)) +
                           " is less than the probe's " + std::to_string(kProbeValue + kSteadyValue));
    }
    return OkStatus();
  }

  Status MergeStacktraces() {
    qv1::SelectMergeStacktracesRequest req;
    req.set_profile_typeid(kType);
    req.set_label_selector(selector_);
    req.set_start(start_);
    req.set_end(end_);
    req.set_max_nodes(1 << 16);
    req.set_format(qv1::PROFILE_FORMAT_FLAMEGRAPH);
    qv1::SelectMergeStacktracesResponse resp;
    FLAMEDB_RETURN_IF_ERROR(Call("SelectMergeStacktraces", req, resp));
    const auto& fg = resp.flamegraph();
    const auto name = std::find(fg.names().begin(), fg.names().end(), frame_);
    const int64_t index = name - fg.names().begin();
    int64_t total = 0;
    for (const auto& level : fg.levels()) {
      for (int i = 0; i + 3 < level.values_size(); i += 4) {
        if (level.values(i + 3) == index) total += level.values(i + 1);
      }
    }
    return Expect(total, "SelectMergeStacktraces");
  }

  Status MergeProfile() {
    qv1::SelectMergeProfileRequest req;
    req.set_profile_typeid(kType);
    req.set_label_selector(selector_);
    req.set_start(start_);
    req.set_end(end_);
    google::v1::Profile resp;
    FLAMEDB_RETURN_IF_ERROR(Call("SelectMergeProfile", req, resp));
    std::map<uint64_t, bool> is_probe;  // By location id.
    for (const auto& loc : resp.location()) {
      for (const auto& line : loc.line()) {
        for (const auto& f : resp.function()) {
          if (f.id() == line.function_id() && f.name() >= 0 && f.name() < resp.string_table_size() &&
              resp.string_table(static_cast<int>(f.name())) == frame_) {
            is_probe[loc.id()] = true;
          }
        }
      }
    }
    int64_t total = 0;
    for (const auto& s : resp.sample()) {
      if (s.location_id_size() > 0 && is_probe[s.location_id(0)] && s.value_size() > 0) total += s.value(0);
    }
    return Expect(total, "SelectMergeProfile");
  }

  Status ProfileStats() {
    types::v1::GetProfileStatsRequest req;
    types::v1::GetProfileStatsResponse resp;
    FLAMEDB_RETURN_IF_ERROR(Call("GetProfileStats", req, resp));
    if (!resp.data_ingested()) return NotFoundError("GetProfileStats says no data was ingested");
    return OkStatus();
  }

 private:
  Status Call(const char* method, const google::protobuf::Message& req, google::protobuf::Message& resp) {
    return client_.Call(std::string("/querier.v1.QuerierService/") + method, req, resp);
  }

  static Status Contains(const google::protobuf::RepeatedPtrField<std::string>& names,
                         const std::string& want, const char* what) {
    if (std::find(names.begin(), names.end(), want) != names.end()) return OkStatus();
    return NotFoundError(std::string(what) + " lacks \"" + want + "\"");
  }

  Status Expect(int64_t total, const char* what) const {
    if (total == kProbeValue) return OkStatus();
    return DataLossError(std::string(what) + ": frame " + frame_ + " has " + std::to_string(total) +
                         ", want " + std::to_string(kProbeValue));
  }

  const RpcClient& client_;
  const std::string service_, selector_;
  const int64_t start_, end_;
  const std::string frame_;
};

Status Push(const RpcClient& client, const std::string& service, int64_t now_ms, uint64_t nonce) {
  push::v1::PushRequest req;
  auto* series = req.add_series();
  for (const auto& [k, v] : {std::pair<std::string, std::string>{"__name__", "process_cpu"},
                             {"service_name", service}}) {
    auto* label = series->add_labels();
    label->set_name(k);
    label->set_value(v);
  }
  series->add_samples()->set_raw_profile(CanaryProfile(now_ms, nonce));
  push::v1::PushResponse resp;
  return client.Call("/push.v1.PusherService/Push", req, resp);
}

}  // namespace

std::vector<CanaryCheck> RunProbe(const RpcClient& client, const std::string& service_name,
                                  int64_t now_ms, uint64_t nonce) {
  std::vector<CanaryCheck> out;
  const auto run = [&](const char* name, const std::function<Status()>& check) {
    const auto start = std::chrono::steady_clock::now();
    Status s = check();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    out.push_back({name, std::move(s), took.count(), false});
  };
  run("push", [&] { return Push(client, service_name, now_ms, nonce); });
  const bool pushed = out.back().status.ok();
  Probe probe(client, service_name, now_ms, nonce);
  const std::pair<const char*, Status (Probe::*)()> reads[] = {
      {"profile_types", &Probe::ProfileTypes},   {"label_names", &Probe::LabelNames},
      {"label_values", &Probe::LabelValues},     {"series", &Probe::Series},
      {"select_series", &Probe::SelectSeries},   {"merge_stacktraces", &Probe::MergeStacktraces},
      {"merge_profile", &Probe::MergeProfile},   {"profile_stats", &Probe::ProfileStats}};
  for (const auto& [name, method] : reads) {
    if (!pushed) {
      out.push_back({name, UnavailableError("skipped: push failed"), 0, true});
      continue;
    }
    run(name, [&, method = method] { return (probe.*method)(); });
  }
  return out;
}

CanaryMetrics::CanaryMetrics(base::MetricsRegistry& registry)
    : success_(registry.AddGaugeFamily("flamectl_canary_check_success",
                                       "1 when the check passed in the last probe, else 0.",
                                       {"check"})),
      duration_(registry.AddGaugeFamily("flamectl_canary_check_duration_seconds",
                                        "How long the check took in the last probe.", {"check"})),
      probes_(registry.AddCounterFamily("flamectl_canary_checks_total",
                                        "Checks run, by check and result (success, failure).",
                                        {"check", "result"})),
      last_probe_(registry.AddGauge("flamectl_canary_last_probe_timestamp_seconds",
                                    "Unix time of the last probe.")) {}

void CanaryMetrics::Record(const std::vector<CanaryCheck>& checks, int64_t now_ms) {
  for (const CanaryCheck& c : checks) {
    success_.WithLabels({c.name}).Set(c.status.ok() ? 1 : 0);
    duration_.WithLabels({c.name}).Set(c.seconds);
    probes_.WithLabels({c.name, c.status.ok() ? "success" : "failure"}).Inc();
  }
  last_probe_.Set(static_cast<double>(now_ms) / 1000);
}

}  // namespace flamedb::ctl
