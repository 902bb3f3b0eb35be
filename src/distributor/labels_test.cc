#include "distributor/labels.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb::distributor {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using model::LabelPair;
using model::Labels;

Labels Base(std::vector<LabelPair> extra = {}) {
  extra.push_back({"__name__", "process_cpu"});
  extra.push_back({"service_name", "app"});
  return Labels(std::move(extra));
}

void ExpectRejected(Labels labels, std::string_view reason, std::string_view message,
                    LabelLimits limits = {}) {
  const Status s = ValidateLabels(labels, limits);
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument, message));
  EXPECT_EQ(s.tag(), reason) << s.ToString();
}

TEST(ValidateLabelsTest, DotsBecomeUnderscores) {
  Labels labels = Base({{"otel.scope.name", "pyroscope-go"}, {"k8s.pod.name", "p-1"}});

  ASSERT_THAT(ValidateLabels(labels, {}), IsOk());

  EXPECT_EQ(labels.ToString(), R"({__name__="process_cpu", k8s_pod_name="p-1", )"
                               R"(otel_scope_name="pyroscope-go", service_name="app"})");
}

TEST(ValidateLabelsTest, SanitizedDuplicatesWithTheSameValueAreDropped) {
  Labels same = Base({{"a.b", "1"}, {"a_b", "1"}});
  ASSERT_THAT(ValidateLabels(same, {}), IsOk());
  EXPECT_EQ(same.Get("a_b"), "1");
  EXPECT_EQ(same.size(), 3u);

  ExpectRejected(Base({{"a.b", "1"}, {"a_b", "2"}}), reason::kDuplicateLabelNames,
                 "has duplicate label name 'a_b' after label name sanitization from 'a.b'");
}

TEST(ValidateLabelsTest, LimitsAndSyntaxAreEnforced) {
  ExpectRejected(Labels(), reason::kMissingLabels, "at least one label pair is required");
  ExpectRejected(Base({{"x", "1"}, {"y", "2"}}), reason::kMaxLabelNamesPerSeries,
                 "has 4 label names; limit 3", {.max_label_names_per_series = 3});
  ExpectRejected(Base({{std::string(11, 'n'), "1"}}), reason::kLabelNameTooLong,
                 "has label name too long: 'nnnnnnnnnnn'", {.max_label_name_length = 10});
  ExpectRejected(Base({{"k", std::string(11, 'v')}}), reason::kLabelValueTooLong,
                 "has label value too long", {.max_label_value_length = 11 - 1});
  ExpectRejected(Base({{"bad-name", "1"}}), reason::kInvalidLabels, "invalid label name 'bad-name'");
  ExpectRejected(Base({{"9lives", "1"}}), reason::kInvalidLabels, "invalid label name '9lives'");
  ExpectRejected(Base({{"k", "\xff"}}), reason::kInvalidLabels, "not valid UTF-8");
  ExpectRejected(Base({{"k", "1"}, {"k", "2"}}), reason::kDuplicateLabelNames,
                 "has duplicate label name: 'k'");
  ExpectRejected(Labels({{"service_name", "app"}}), reason::kInvalidLabels, "invalid metric name");
  ExpectRejected(Labels({{"__name__", "cpu"}, {"service_name", ""}}), reason::kInvalidLabels,
                 "service name is not provided");
}

TEST(LimitSessionIdTest, DroppedByDefaultFoldedWhenLimited) {
  Labels dropped = Base({{"__session_id__", "0123456789abcdef"}});
  LimitSessionId(dropped, 0);
  EXPECT_FALSE(dropped.Get("__session_id__").has_value());

  Labels folded = Base({{"__session_id__", "0700000000000000"}});  // 7, little-endian.
  LimitSessionId(folded, 4);
  EXPECT_EQ(folded.Get("__session_id__"), "0300000000000000");

  Labels high = Base({{"__session_id__", "0001000000000000"}});  // 256: byte order matters.
  LimitSessionId(high, 5);
  EXPECT_EQ(high.Get("__session_id__"), "0100000000000000");

  Labels garbage = Base({{"__session_id__", "not-hex"}});
  LimitSessionId(garbage, 4);
  EXPECT_FALSE(garbage.Get("__session_id__").has_value());
}

}  // namespace
}  // namespace flamedb::distributor
