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

}  // namespace
}  // namespace flamedb::model
