#include "ingest/name.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb::ingest {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::ElementsAre;
using model::LabelPair;

TEST(ParseNameTest, AppAlone) {
  Result<ParsedName> n = ParseName("my-app.cpu");

  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(n->app, "my-app.cpu");
  EXPECT_TRUE(n->labels.empty());
}

TEST(ParseNameTest, LabelsAreTrimmedAndLastDuplicateWins) {
  Result<ParsedName> n =
      ParseName("app.cpu{ env = prod ,otel.scope.name=pyroscope-go, env=dev, x=}trailing");

  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(n->app, "app.cpu");
  EXPECT_THAT(n->labels, ElementsAre(LabelPair{"env", "dev"},
                                     LabelPair{"otel.scope.name", "pyroscope-go"},
                                     LabelPair{"x", ""}));
}

TEST(ParseNameTest, NameLabelReplacesTheApp) {
  Result<ParsedName> n = ParseName("ignored{__name__=other.app,k=v}");

  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(n->app, "other.app");
  EXPECT_THAT(n->labels, ElementsAre(LabelPair{"k", "v"}));
}

TEST(ParseNameTest, BadNamesAreRejectedWithPyroscopesMessages) {
  EXPECT_THAT(ParseName(""), StatusIs(StatusCode::kInvalidArgument, "name: service name is required"));
  EXPECT_THAT(ParseName("{k=v}"), StatusIs(StatusCode::kInvalidArgument, "service name is required"));
  EXPECT_THAT(ParseName("my app"),
              StatusIs(StatusCode::kInvalidArgument,
                       "name: invalid service name: my app: character is not allowed: ' '"));
  EXPECT_THAT(ParseName("app{k-1=v}"),
              StatusIs(StatusCode::kInvalidArgument,
                       "name: invalid label name: k-1: character is not allowed: '-'"));
  EXPECT_THAT(ParseName("app{=v}"), StatusIs(StatusCode::kInvalidArgument, "label name is required"));
  EXPECT_THAT(ParseName("app{novalue}"),
              StatusIs(StatusCode::kInvalidArgument, "invalid label \"novalue\": want key=value"));
}

}  // namespace
}  // namespace flamedb::ingest
