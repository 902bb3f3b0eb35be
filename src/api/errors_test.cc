#include "api/errors.h"

#include <gtest/gtest.h>

namespace flamedb::api {
namespace {

TEST(ErrorsTest, ConnectCodesMapToTheSpecHttpStatuses) {
  const std::pair<StatusCode, int> table[] = {
      {StatusCode::kCancelled, 499},         {StatusCode::kUnknown, 500},
      {StatusCode::kInvalidArgument, 400},   {StatusCode::kDeadlineExceeded, 504},
      {StatusCode::kNotFound, 404},          {StatusCode::kAlreadyExists, 409},
      {StatusCode::kPermissionDenied, 403},  {StatusCode::kResourceExhausted, 429},
      {StatusCode::kFailedPrecondition, 400}, {StatusCode::kAborted, 409},
      {StatusCode::kOutOfRange, 400},        {StatusCode::kUnimplemented, 501},
      {StatusCode::kInternal, 500},          {StatusCode::kUnavailable, 503},
      {StatusCode::kDataLoss, 500},          {StatusCode::kUnauthenticated, 401},
  };
  for (const auto& [code, http] : table) {
    EXPECT_EQ(HttpStatusFor(code), http) << StatusCodeName(code);
  }
}

TEST(ErrorsTest, ErrorBodyIsConnectJson) {
  HttpResponse resp = ErrorResponse(UnauthenticatedError("no org id"));

  EXPECT_EQ(resp.status, 401);
  EXPECT_EQ(resp.headers.Get("Content-Type"), "application/json");
  EXPECT_EQ(resp.body, "{\"code\":\"unauthenticated\",\"message\":\"no org id\"}\n");
}

TEST(ErrorsTest, HttpStatusErrorsGetPyroscopesCodeNames) {
  EXPECT_EQ(ErrorResponse(413, "too big").body,
            "{\"code\":\"invalid_argument\",\"message\":\"too big\"}\n");
  EXPECT_EQ(CodeNameForHttpStatus(431), "resource_exhausted");
  EXPECT_EQ(CodeNameForHttpStatus(404), "not_found");
  EXPECT_EQ(CodeNameForHttpStatus(408), "unknown");
  EXPECT_EQ(CodeNameForHttpStatus(503), "unavailable");
}

TEST(ErrorsTest, MessagesWithClientBytesStayValidJson) {
  HttpResponse resp = ErrorResponse(InvalidArgumentError("bad \"name\" \xff\n"));

  EXPECT_EQ(resp.body,
            "{\"code\":\"invalid_argument\",\"message\":\"bad \\\"name\\\" \xEF\xBF\xBD\\n\"}\n");
}

}  // namespace
}  // namespace flamedb::api
