#include "query/selector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb::query {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

const model::Labels kApi = {{"env", "prod-eu"}, {"service_name", "api"}};

bool Match(std::string_view selector, const model::Labels& labels) {
  Result<Selector> s = ParseSelector(selector);
  EXPECT_THAT(s, IsOk()) << selector;
  return s.ok() && s->Matches(labels);
}

TEST(SelectorTest, TheFourOperatorsWithPrometheusSemantics) {
  EXPECT_TRUE(Match(R"({service_name="api"})", kApi));
  EXPECT_FALSE(Match(R"({service_name="ap"})", kApi));
  EXPECT_TRUE(Match(R"({service_name!="db"})", kApi));
  EXPECT_TRUE(Match(R"({env=~"prod.*"})", kApi));
  EXPECT_FALSE(Match(R"({env=~"prod"})", kApi));  // Anchored at both ends.
  EXPECT_TRUE(Match(R"({env!~"dev|test"})", kApi));
  EXPECT_TRUE(Match(R"({missing=""})", kApi));  // A missing label is the empty string.
  EXPECT_TRUE(Match(R"({missing!="x"})", kApi));
  EXPECT_FALSE(Match(R"({missing=~".+"})", kApi));
  EXPECT_TRUE(Match("{}", kApi));
  EXPECT_TRUE(Match(R"( { env = "prod-eu" , service_name=~'a.*', } )", kApi));
}

TEST(SelectorTest, QuotingAndEscapesAsGo) {
  const model::Labels l = {{"k", "a\"b\\c\n\u00e9"}};
  EXPECT_TRUE(Match(R"({k="a\"b\\c\n\u00e9"})", l));
  EXPECT_TRUE(Match(R"({k='a"b\\c\n\xc3\xa9'})", l));
  EXPECT_TRUE(Match("{k=`x\\y`}", {{"k", "x\\y"}}));
  EXPECT_TRUE(Match(R"({k="\101"})", {{"k", "A"}}));
}

TEST(SelectorTest, AMetricNameIsANameMatcherOrTheProfileType) {
  Result<Selector> plain = ParseSelector(R"(up{job="a"})");
  ASSERT_THAT(plain, IsOk());
  EXPECT_EQ(plain->matchers.size(), 2u);
  EXPECT_EQ(plain->matchers[0].name, "__name__");

  Result<Selector> render = ParseSelector(
      R"(process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="api"})",
      {.profile_type_prefix = true});
  ASSERT_THAT(render, IsOk());
  EXPECT_EQ(render->metric, "process_cpu:cpu:nanoseconds:cpu:nanoseconds");
  ASSERT_EQ(render->matchers.size(), 1u);
}

TEST(SelectorTest, ParseErrorsSayWhere) {
  EXPECT_THAT(ParseSelector(R"({service_name="api")"),
              StatusIs(StatusCode::kInvalidArgument, "1:20: parse error: unexpected end of input"));
  EXPECT_THAT(ParseSelector(R"({service_name=api})"),
              StatusIs(StatusCode::kInvalidArgument, "1:15: parse error: unexpected character 'a', expected a quoted string"));
  EXPECT_THAT(ParseSelector(R"({1a="x"})"),
              StatusIs(StatusCode::kInvalidArgument, "1:2: parse error: unexpected character inside braces: '1'"));
  EXPECT_THAT(ParseSelector(R"({a=="x"})"), StatusIs(StatusCode::kInvalidArgument, "1:4:"));
  EXPECT_THAT(ParseSelector(R"({a="x)"), StatusIs(StatusCode::kInvalidArgument, "unterminated quoted string"));
  EXPECT_THAT(ParseSelector(R"({a=~"(x"})"),
              StatusIs(StatusCode::kInvalidArgument, "invalid regular expression in matcher a"));
  EXPECT_THAT(ParseSelector(R"({a="x"} junk)"),
              StatusIs(StatusCode::kInvalidArgument, "1:9: parse error: unexpected character after the selector"));
  EXPECT_THAT(ParseSelector(R"({a="\q"})"), StatusIs(StatusCode::kInvalidArgument, "unknown escape sequence"));
  EXPECT_THAT(ParseSelector(""), StatusIs(StatusCode::kInvalidArgument, "unexpected end of input"));
}

}  // namespace
}  // namespace flamedb::query
