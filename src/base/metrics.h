// Prometheus metrics: counters, gauges and histograms with labels, rendered in the text
// exposition format 0.0.4 for /metrics.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"

namespace flamedb::base {

// A monotonically increasing value. Thread-safe, lock-free.
class Counter {
 public:
  // REQUIRES: v >= 0.
  void Inc(double v = 1) { value_.fetch_add(v, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  // Relaxed: a scrape needs each value, not an order between values.
  std::atomic<double> value_{0};
};

// A value that goes up and down. Thread-safe, lock-free.
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Inc(double v = 1) { value_.fetch_add(v, std::memory_order_relaxed); }
  void Dec(double v = 1) { value_.fetch_sub(v, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Counts observations into fixed buckets. Thread-safe, lock-free.
class Histogram {
 public:
  // REQUIRES: `bounds` strictly increasing; the +Inf bucket is implicit.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);

  const std::vector<double>& bounds() const { return bounds_; }
  // Non-cumulative count of bucket `i` (i == bounds().size() is the +Inf bucket).
  uint64_t BucketCount(size_t i) const { return counts_[i].load(std::memory_order_relaxed); }
  uint64_t Count() const { return count_.load(std::memory_order_relaxed); }
  double Sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Buckets for request latencies in seconds, from 0.5 ms to 100 s.
std::vector<double> LatencyBuckets();

enum class MetricType : uint8_t { kCounter, kGauge, kHistogram };

// A metric name with a fixed list of label names, and one child metric per label value tuple.
// Children live as long as the family (hence the registry); references to them stay valid.
// Thread-safe.
template <typename M>
class Family {
 public:
  // REQUIRES: values.size() == the number of label names.
  M& WithLabels(const std::vector<std::string>& values) EXCLUDES(mu_);

  const std::vector<std::string>& label_names() const { return label_names_; }

  // Calls f(label_values, child) for each child in label-value order, under the family lock.
  template <typename F>
  void ForEach(F f) const EXCLUDES(mu_) {
    MutexLock lock(mu_);
    for (const auto& [values, child] : children_) {
      f(values, *child);
    }
  }

 private:
  friend class MetricsRegistry;
  Family(std::vector<std::string> label_names, std::function<std::unique_ptr<M>()> make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {}

  const std::vector<std::string> label_names_;
  const std::function<std::unique_ptr<M>()> make_;
  mutable Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<M>> children_ GUARDED_BY(mu_);
};

// Owns every metric of the process and renders them for /metrics.
//
// Registration normally happens at startup; metric objects are never removed, so references
// returned by the Add* methods stay valid for the registry's lifetime. Thread-safe.
class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // REQUIRES for all: `name` is a valid, not yet registered Prometheus metric name.
  Counter& AddCounter(std::string name, std::string help);
  Gauge& AddGauge(std::string name, std::string help);
  Family<Counter>& AddCounterFamily(std::string name, std::string help,
                                    std::vector<std::string> label_names);
  Family<Gauge>& AddGaugeFamily(std::string name, std::string help,
                                std::vector<std::string> label_names);
  Family<Histogram>& AddHistogramFamily(std::string name, std::string help,
                                        std::vector<std::string> label_names,
                                        std::vector<double> bounds);
  // A gauge (or counter) whose value is computed at scrape time by `read`, which must be
  // thread-safe and cheap.
  void AddCallback(std::string name, std::string help, MetricType type,
                   std::function<double()> read);

  // The text exposition format 0.0.4, families in registration order.
  std::string Render() const EXCLUDES(mu_);

 private:
  struct Entry;
  Entry& Register(std::string name, std::string help, MetricType type) EXCLUDES(mu_);

  mutable Mutex mu_;
  std::vector<std::unique_ptr<Entry>> entries_ GUARDED_BY(mu_);
};

// Registers the standard process_* metrics (RSS, virtual memory, CPU seconds, open and max fds,
// start time), read from /proc/self at scrape time.
void RegisterProcessMetrics(MetricsRegistry& registry);

}  // namespace flamedb::base
