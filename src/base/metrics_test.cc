#include "base/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace flamedb::base {
namespace {

using ::testing::HasSubstr;

TEST(MetricsRegistryTest, RendersCountersAndGaugesInTextFormat) {
  MetricsRegistry registry;
  Counter& requests = registry.AddCounter("app_requests_total", "Requests served.");
  Gauge& conns = registry.AddGauge("app_connections", "Open connections.");

  requests.Inc();
  requests.Inc(2);
  conns.Set(5);
  conns.Dec();

  EXPECT_EQ(registry.Render(),
            "# HELP app_requests_total Requests served.\n"
            "# TYPE app_requests_total counter\n"
            "app_requests_total 3\n"
            "# HELP app_connections Open connections.\n"
            "# TYPE app_connections gauge\n"
            "app_connections 4\n");
}

TEST(MetricsRegistryTest, LabeledChildrenAreSortedAndEscaped) {
  MetricsRegistry registry;
  auto& family = registry.AddCounterFamily("errs_total", "Errors.", {"route", "reason"});

  family.WithLabels({"b", "x"}).Inc();
  family.WithLabels({"a", "say \"hi\"\n\\"}).Inc(4);
  family.WithLabels({"b", "x"}).Inc();

  EXPECT_THAT(registry.Render(), HasSubstr("errs_total{route=\"a\",reason=\"say \\\"hi\\\"\\n\\\\\"} 4\n"
                                           "errs_total{route=\"b\",reason=\"x\"} 2\n"));
}

TEST(MetricsRegistryTest, HistogramBucketsAreCumulative) {
  MetricsRegistry registry;
  auto& family = registry.AddHistogramFamily("lat_seconds", "Latency.", {"route"}, {0.1, 1});
  Histogram& h = family.WithLabels({"ready"});

  h.Observe(0.05);
  h.Observe(0.1);  // A bound is inclusive (le).
  h.Observe(0.5);
  h.Observe(30);

  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("# TYPE lat_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_bucket{route=\"ready\",le=\"0.1\"} 2\n"
                              "lat_seconds_bucket{route=\"ready\",le=\"1\"} 3\n"
                              "lat_seconds_bucket{route=\"ready\",le=\"+Inf\"} 4\n"
                              "lat_seconds_sum{route=\"ready\"} 30.65\n"
                              "lat_seconds_count{route=\"ready\"} 4\n"));
}

TEST(MetricsRegistryTest, CallbacksAreReadAtScrapeTime) {
  MetricsRegistry registry;
  double value = 1;
  registry.AddCallback("cb", "A callback.", MetricType::kGauge, [&] { return value; });

  value = 42;

  EXPECT_THAT(registry.Render(), HasSubstr("\ncb 42\n"));
}

TEST(MetricsRegistryTest, ProcessMetricsHaveLiveValues) {
  MetricsRegistry registry;
  RegisterProcessMetrics(registry);

  const std::string text = registry.Render();

  for (const char* name : {"process_resident_memory_bytes", "process_cpu_seconds_total",
                           "process_open_fds", "process_start_time_seconds", "process_max_fds"}) {
    EXPECT_THAT(text, HasSubstr(std::string("\n") + name + " ")) << name;
  }
  EXPECT_THAT(text, ::testing::Not(HasSubstr("process_resident_memory_bytes 0\n")));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("process_open_fds 0\n")));
}

}  // namespace
}  // namespace flamedb::base
