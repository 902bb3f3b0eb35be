#include "distributor/relabel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb::distributor {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

model::Labels Base() {
  return {{"__name__", "process_cpu"}, {"service_name", "checkout"}, {"env", "Prod"},
          {"pod", "checkout-7d9f-x2"}};
}

// Applies `yaml` rules to Base(); returns the labels, or "dropped".
std::string Apply(std::string_view yaml) {
  Result<std::shared_ptr<const RelabelRules>> rules = ParseRelabelRules(yaml);
  EXPECT_THAT(rules, IsOk());
  if (!rules.ok()) {
    return "error";
  }
  model::Labels labels = Base();
  return Relabel(labels, **rules) ? labels.ToString() : "dropped";
}

TEST(RelabelTest, ReplaceWithCaptureGroups) {
  EXPECT_EQ(Apply(R"y([{source_labels: [pod], regex: "(.*)-[a-z0-9]+-[a-z0-9]+", target_label: deployment,
                       replacement: "${1}-deploy"}])y"),
            R"({__name__="process_cpu", deployment="checkout-deploy", env="Prod", pod="checkout-7d9f-x2", service_name="checkout"})");
}

TEST(RelabelTest, RegexesAreAnchored) {
  // "heck" occurs in "checkout" but does not match all of it.
  EXPECT_EQ(Apply(R"([{source_labels: [service_name], regex: heck, action: drop}])"),
            Base().ToString());
  EXPECT_EQ(Apply(R"([{source_labels: [service_name], regex: "check.*", action: drop}])"), "dropped");
}

TEST(RelabelTest, KeepDropAndEquality) {
  EXPECT_EQ(Apply(R"([{source_labels: [env], regex: dev, action: keep}])"), "dropped");
  EXPECT_EQ(Apply(R"([{source_labels: [env, service_name], separator: "/", regex: "Prod/checkout",
                       action: keep}])"),
            Base().ToString());
  EXPECT_EQ(Apply(R"([{source_labels: [service_name], target_label: app, action: dropequal}])"),
            Base().ToString());
}

TEST(RelabelTest, NameActionsAndCase) {
  EXPECT_EQ(Apply(R"([{regex: "pod|env", action: labeldrop}])"),
            R"({__name__="process_cpu", service_name="checkout"})");
  EXPECT_EQ(Apply(R"y([{regex: "(p.d)", replacement: "k8s_$1", action: labelmap},
                      {source_labels: [env], target_label: env, action: lowercase}])y"),
            R"({__name__="process_cpu", env="prod", k8s_pod="checkout-7d9f-x2", pod="checkout-7d9f-x2", service_name="checkout"})");
}

TEST(RelabelTest, AnEmptyReplacementDeletesTheTarget) {
  EXPECT_EQ(Apply(R"([{source_labels: [env], regex: ".*", target_label: pod, replacement: ""}])"),
            R"({__name__="process_cpu", env="Prod", service_name="checkout"})");
}

TEST(RelabelTest, BadRulesNameTheirIndex) {
  EXPECT_THAT(ParseRelabelRules("[{action: replace}]"),
              StatusIs(StatusCode::kInvalidArgument, "ingestion_relabeling_rules[0]: this action needs a target_label"));
  EXPECT_THAT(ParseRelabelRules("[{action: drop}, {action: explode}]"),
              StatusIs(StatusCode::kInvalidArgument, "[1]: unknown action \"explode\""));
  EXPECT_THAT(ParseRelabelRules("[{regex: \"(\", action: drop}]"),
              StatusIs(StatusCode::kInvalidArgument, "invalid regex"));
  EXPECT_THAT(ParseRelabelRules("{a: 1}"), StatusIs(StatusCode::kInvalidArgument, "must be a list"));
  EXPECT_THAT(ParseRelabelRules("[{colour: red}]"), StatusIs(StatusCode::kInvalidArgument, "unknown key"));
}

}  // namespace
}  // namespace flamedb::distributor
