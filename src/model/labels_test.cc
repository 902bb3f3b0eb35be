#include "model/labels.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace flamedb::model {
namespace {

TEST(LabelsTest, KeepsNamesSortedAndUnique) {
  Labels labels({{"service_name", "app"}, {"__name__", "process_cpu"}, {"env", "prod"}});

  labels.Set("env", "dev");
  labels.Set("a", "1");

  EXPECT_EQ(labels.ToString(), R"({__name__="process_cpu", a="1", env="dev", service_name="app"})");
  EXPECT_EQ(labels.Get("env"), "dev");
  EXPECT_EQ(labels.Get("missing"), std::nullopt);
}

TEST(LabelsTest, DeleteRemovesEveryValueOfAName) {
  Labels labels({{"k", "1"}, {"k", "2"}, {"j", "x"}});

  labels.Delete("k");

  EXPECT_EQ(labels.ToString(), R"({j="x"})");
}

TEST(LabelsTest, ToStringEscapesValues) {
  Labels labels(std::vector<LabelPair>{{"k", "a\"b\\c\n"}});

  EXPECT_EQ(labels.ToString(), R"({k="a\"b\\c\n"})");
}

TEST(TraceIdTest, ParsesThirtyTwoHexDigitsAndFormatsThemBack) {
  const std::optional<TraceId> id = ParseTraceId("4bf92f3577b34da6A3CE929D0E0E4736");

  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->hi, 0x4bf92f3577b34da6u);
  EXPECT_EQ(id->lo, 0xa3ce929d0e0e4736u);
  EXPECT_EQ(FormatTraceId(*id), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(TraceIdTest, RefusesOtherLengthsAndNonHexDigits) {
  EXPECT_EQ(ParseTraceId("4bf92f3577b34da6"), std::nullopt);
  EXPECT_EQ(ParseTraceId("4bf92f3577b34da6a3ce929d0e0e473g"), std::nullopt);
  EXPECT_EQ(ParseTraceId(""), std::nullopt);
}

}  // namespace
}  // namespace flamedb::model
