#include "base/status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

Result<int> Half(int v) {
  if (v % 2 != 0) {
    return InvalidArgumentError("odd: " + std::to_string(v));
  }
  return v / 2;
}

Result<int> Quarter(int v) {
  FLAMEDB_ASSIGN_OR_RETURN(int half, Half(v));
  FLAMEDB_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status CheckEven(int v) {
  FLAMEDB_RETURN_IF_ERROR(Half(v));
  return OkStatus();
}

TEST(StatusTest, DefaultIsOk) {
  Status s;

  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.ToString(), "ok");
}

TEST(StatusTest, CodesHaveConnectNames) {
  EXPECT_EQ(StatusCodeName(StatusCode::kInvalidArgument), "invalid_argument");
  EXPECT_EQ(StatusCodeName(StatusCode::kCancelled), "canceled");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnauthenticated), "unauthenticated");
  EXPECT_EQ(StatusCodeName(StatusCode::kResourceExhausted), "resource_exhausted");
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsCode) {
  Status s = NotFoundError("no such block").WithContext("01J0");

  EXPECT_THAT(s, StatusIs(StatusCode::kNotFound, "01J0: no such block"));
  EXPECT_TRUE(OkStatus().WithContext("x").ok());
}

TEST(StatusTest, TagsSurviveContext) {
  Status s = InvalidArgumentError("empty profile").WithTag("malformed_profile").WithContext("push");

  EXPECT_EQ(s.tag(), "malformed_profile");
  EXPECT_EQ(s.message(), "push: empty profile");
  EXPECT_EQ(OkStatus().WithTag("x").tag(), "");
  EXPECT_EQ(InvalidArgumentError("x").tag(), "");
}

TEST(StatusTest, AssignOrReturnPropagatesTheFirstError) {
  EXPECT_THAT(Quarter(8), IsOk());
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_THAT(Quarter(6), StatusIs(StatusCode::kInvalidArgument, "odd: 3"));
}

TEST(StatusTest, ReturnIfErrorAcceptsResults) {
  EXPECT_THAT(CheckEven(4), IsOk());
  EXPECT_THAT(CheckEven(5), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace flamedb
