#include "ctl/args.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ctl/http_client.h"
#include "testing/status_matchers.h"

namespace flamedb::ctl {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::ElementsAre;

Result<Args> Parse(std::vector<std::string> argv) {
  return ParseArgs(argv, {"url", "label"}, {"verbose"});
}

TEST(ArgsTest, FlagsInBothFormsRepeatedAndPositionals) {
  auto a = Parse({"list", "--url=http://x:1", "--label", "a=b", "--label=c=d", "--verbose", "x"});
  ASSERT_THAT(a, IsOk());
  EXPECT_THAT(a->positional, ElementsAre("list", "x"));
  EXPECT_EQ(a->Get("url"), "http://x:1");
  EXPECT_THAT(a->flags.at("label"), ElementsAre("a=b", "c=d"));
  EXPECT_TRUE(a->Has("verbose"));
  EXPECT_FALSE(a->help);
  EXPECT_EQ(a->Get("missing", "default"), "default");
  EXPECT_TRUE(Parse({"--help"})->help);
  EXPECT_THAT(Parse({"--", "--url"})->positional, ElementsAre("--url"));
}

TEST(ArgsTest, UsageErrorsNameTheFlag) {
  EXPECT_THAT(Parse({"--nope"}), StatusIs(StatusCode::kInvalidArgument, "unknown flag --nope"));
  EXPECT_THAT(Parse({"--url"}), StatusIs(StatusCode::kInvalidArgument, "flag --url needs a value"));
  EXPECT_THAT(Parse({"--verbose=1"}),
              StatusIs(StatusCode::kInvalidArgument, "flag --verbose takes no value"));
}

TEST(ArgsTest, ASwitchTakesTrueOrFalseAsGoFlagsDo) {
  EXPECT_EQ(Parse({"--verbose=false"})->Get("verbose"), "false");
  EXPECT_EQ(Parse({"--verbose=true"})->Get("verbose"), "true");
  EXPECT_EQ(Parse({"--verbose"})->Get("verbose"), "true");
}

TEST(HttpTargetTest, ParsesHostPortAndPath) {
  auto t = ParseUrl("http://127.0.0.1:4040/pyroscope/");
  ASSERT_THAT(t, IsOk());
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->port, "4040");
  EXPECT_EQ(t->base_path, "/pyroscope");
  EXPECT_EQ(ParseUrl("http://localhost")->port, "80");
  EXPECT_THAT(ParseUrl("https://x"), StatusIs(StatusCode::kInvalidArgument, "want http://"));
  EXPECT_THAT(ParseUrl("http://x:4o40"), StatusIs(StatusCode::kInvalidArgument, "bad port"));
  EXPECT_THAT(ParseUrl("http://:80"), StatusIs(StatusCode::kInvalidArgument, "no host"));
}

}  // namespace
}  // namespace flamedb::ctl
