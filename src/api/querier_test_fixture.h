// The querier handlers' tests' fixture: a head with a few profiles of two services, and a
// handler Call over a LocalEngine that reads it.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/querier_common.h"
#include "head/head.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::api::querier_internal {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

inline constexpr char kCpuType[] = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
inline constexpr int64_t kT0Ms = 1767323040000;  // A step boundary (10 s).

class QuerierHandlerTest : public ::testing::Test {
 protected:
  QuerierHandlerTest() {
    // api: pods a and b, one profile each per 10 s for 30 s; db: one.
    for (int i = 0; i < 3; ++i) {
      Add("api", "a", kT0Ms + 1000 + i * 10000, 10 * (i + 1), "00000000000000a1");
      Add("api", "b", kT0Ms + 2000 + i * 10000, 100, "");
    }
    Add("db", "c", kT0Ms + 5000, 7, "");
  }

  void Add(const std::string& service, const std::string& pod, int64_t time_ms, int64_t value,
           const std::string& span) {
    testing::ProfileBuilder b;
    b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10000000);
    if (span.empty()) {
      b.Sample({"work", "main"}, {value});
    } else {
      b.Sample({"work", "main"}, {value}, {{"span_id", span}});
    }
    EXPECT_THAT(head_.Append({{"__name__", "process_cpu"}, {"pod", pod}, {"service_name", service}},
                             b.TimeNanos(time_ms * 1000000).Build(), {}),
                IsOk());
  }

  Call MakeCall() { return Call{engine_, tenant_, ctx_, limits_}; }

  head::Head head_;
  query::LocalEngine engine_{[this](std::string_view) {
                               query::TenantSources s;
                               s.sources = {&head_};
                               s.heads = 1;
                               return s;
                             },
                             {}};
  std::string tenant_ = "t";
  query::QueryContext ctx_;
  query::QueryLimits limits_;
};

}  // namespace flamedb::api::querier_internal
