#include "base/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "base/status.h"

namespace flamedb::base {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::Observe(double v) {
  const size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<double> LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
          0.5,    1,     2.5,    5,     10,   25,    50,   100};
}

template <typename M>
M& Family<M>::WithLabels(const std::vector<std::string>& values) {
  FLAMEDB_CHECK(values.size() == label_names_.size());
  MutexLock lock(mu_);
  std::unique_ptr<M>& child = children_[values];
  if (child == nullptr) {
    child = make_();
  }
  return *child;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

struct MetricsRegistry::Entry {
  std::string name;
  std::string help;
  MetricType type;
  std::unique_ptr<Counter> counter;
  std::unique_ptr<Gauge> gauge;
  std::unique_ptr<Family<Counter>> counters;
  std::unique_ptr<Family<Gauge>> gauges;
  std::unique_ptr<Family<Histogram>> histograms;
  std::function<double()> callback;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

namespace {

std::string FormatValue(double v) {
  if (std::isnan(v)) {
    return "NaN";
  }
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, result.ptr);
}

void AppendEscaped(std::string& out, std::string_view s, bool quote_escape) {
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote_escape) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// Appends `{a="x",b="y"}` (with an optional extra label), or nothing when there are no labels.
void AppendLabels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) {
    return;
  }
  out += '{';
  for (size_t i = 0; i < names.size(); ++i) {
    out += (i == 0 ? "" : ",") + names[i] + "=\"";
    AppendEscaped(out, values[i], true);
    out += '"';
  }
  if (!extra_name.empty()) {
    out += (names.empty() ? "" : ",") + std::string(extra_name) + "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void AppendSample(std::string& out, std::string_view name, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, double v) {
  out += name;
  AppendLabels(out, names, values);
  out += ' ';
  out += FormatValue(v);
  out += '\n';
}

void AppendHistogram(std::string& out, const std::string& name,
                     const std::vector<std::string>& names, const std::vector<std::string>& values,
                     const Histogram& h) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= h.bounds().size(); ++i) {
    cumulative += h.BucketCount(i);
    out += name + "_bucket";
    AppendLabels(out, names, values, "le",
                 i < h.bounds().size() ? FormatValue(h.bounds()[i]) : "+Inf");
    out += ' ' + std::to_string(cumulative) + '\n';
  }
  // _count is the sum of the buckets read above, so the exposition is self-consistent even
  // while observations race with the scrape.
  AppendSample(out, name + "_sum", names, values, h.Sum());
  AppendSample(out, name + "_count", names, values, static_cast<double>(cumulative));
}

template <typename M, typename F>
void AppendFamily(std::string& out, const std::string& name, const Family<M>& family, F render) {
  family.ForEach([&](const std::vector<std::string>& values, const M& child) {
    render(out, name, family.label_names(), values, child);
  });
}

}  // namespace

MetricsRegistry::Entry& MetricsRegistry::Register(std::string name, std::string help,
                                                  MetricType type) {
  MutexLock lock(mu_);
  for (const auto& e : entries_) {
    FLAMEDB_CHECK(e->name != name);
  }
  auto entry = std::make_unique<Entry>();
  entry->name = std::move(name);
  entry->help = std::move(help);
  entry->type = type;
  entries_.push_back(std::move(entry));
  return *entries_.back();
}

Counter& MetricsRegistry::AddCounter(std::string name, std::string help) {
  Entry& e = Register(std::move(name), std::move(help), MetricType::kCounter);
  e.counter = std::make_unique<Counter>();
  return *e.counter;
}

Gauge& MetricsRegistry::AddGauge(std::string name, std::string help) {
  Entry& e = Register(std::move(name), std::move(help), MetricType::kGauge);
  e.gauge = std::make_unique<Gauge>();
  return *e.gauge;
}

Family<Counter>& MetricsRegistry::AddCounterFamily(std::string name, std::string help,
                                                   std::vector<std::string> label_names) {
  Entry& e = Register(std::move(name), std::move(help), MetricType::kCounter);
  e.counters.reset(new Family<Counter>(std::move(label_names),
                                       [] { return std::make_unique<Counter>(); }));
  return *e.counters;
}

Family<Gauge>& MetricsRegistry::AddGaugeFamily(std::string name, std::string help,
                                               std::vector<std::string> label_names) {
  Entry& e = Register(std::move(name), std::move(help), MetricType::kGauge);
  e.gauges.reset(
      new Family<Gauge>(std::move(label_names), [] { return std::make_unique<Gauge>(); }));
  return *e.gauges;
}

Family<Histogram>& MetricsRegistry::AddHistogramFamily(std::string name, std::string help,
                                                       std::vector<std::string> label_names,
                                                       std::vector<double> bounds) {
  Entry& e = Register(std::move(name), std::move(help), MetricType::kHistogram);
  e.histograms.reset(new Family<Histogram>(
      std::move(label_names), [bounds] { return std::make_unique<Histogram>(bounds); }));
  return *e.histograms;
}

void MetricsRegistry::AddCallback(std::string name, std::string help, MetricType type,
                                  std::function<double()> read) {
  Entry& e = Register(std::move(name), std::move(help), type);
  e.callback = std::move(read);
}

std::string MetricsRegistry::Render() const {
  static const std::vector<std::string> kNone;
  std::string out;
  MutexLock lock(mu_);
  for (const auto& e : entries_) {
    static constexpr std::string_view kTypes[] = {"counter", "gauge", "histogram"};
    out += "# HELP " + e->name + ' ';
    AppendEscaped(out, e->help, false);
    out += "\n# TYPE " + e->name + ' ';
    out += kTypes[static_cast<size_t>(e->type)];
    out += '\n';
    if (e->counter) {
      AppendSample(out, e->name, kNone, kNone, e->counter->Value());
    } else if (e->gauge) {
      AppendSample(out, e->name, kNone, kNone, e->gauge->Value());
    } else if (e->callback) {
      AppendSample(out, e->name, kNone, kNone, e->callback());
    } else if (e->counters) {
      AppendFamily(out, e->name, *e->counters, [](auto& o, auto& n, auto& ln, auto& lv, auto& c) {
        AppendSample(o, n, ln, lv, c.Value());
      });
    } else if (e->gauges) {
      AppendFamily(out, e->name, *e->gauges, [](auto& o, auto& n, auto& ln, auto& lv, auto& g) {
        AppendSample(o, n, ln, lv, g.Value());
      });
    } else if (e->histograms) {
      AppendFamily(out, e->name, *e->histograms, AppendHistogram);
    }
  }
  return out;
}

}  // namespace flamedb::base
