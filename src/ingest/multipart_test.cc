#include "ingest/multipart.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb::ingest {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

TEST(MultipartTest, SplitsFilePartsAsTheGoSdkSendsThem) {
  const std::string body =
      "--b0undary\r\n"
      "Content-Disposition: form-data; name=\"profile\"; filename=\"profile.pprof\"\r\n"
      "Content-Type: application/octet-stream\r\n\r\n"
      "\x1f\x8b binary\r\n with CRLF inside\r\n"
      "--b0undary\r\n"
      "Content-Disposition: form-data; name=\"sample_type_config\"; "
      "filename=\"sample_type_config.json\"\r\n\r\n"
      "{\"a\":{}}\r\n"
      "--b0undary\r\n"
      "Content-Disposition: form-data; name=field\r\n\r\n"
      "plain\r\n"
      "--b0undary--\r\n";

  Result<std::vector<FormPart>> parts = ParseMultipart(body, "b0undary");

  ASSERT_THAT(parts, IsOk());
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].name, "profile");
  EXPECT_EQ((*parts)[0].filename, "profile.pprof");
  EXPECT_EQ((*parts)[0].content_type, "application/octet-stream");
  EXPECT_EQ((*parts)[0].body, "\x1f\x8b binary\r\n with CRLF inside");
  EXPECT_EQ((*parts)[1].name, "sample_type_config");
  EXPECT_EQ((*parts)[1].body, "{\"a\":{}}");
  EXPECT_EQ((*parts)[2].name, "field");
  EXPECT_EQ((*parts)[2].filename, "");
}

TEST(MultipartTest, BoundaryComesFromTheContentType) {
  EXPECT_EQ(*MultipartBoundary("multipart/form-data; boundary=abc123"), "abc123");
  EXPECT_EQ(*MultipartBoundary("multipart/form-data; BOUNDARY=\"a b\""), "a b");
  EXPECT_THAT(MultipartBoundary("multipart/form-data"), StatusIs(StatusCode::kInvalidArgument));
}

TEST(MultipartTest, MalformedBodiesNameTheProblem) {
  EXPECT_THAT(ParseMultipart("no boundary here", "x"),
              StatusIs(StatusCode::kInvalidArgument, "the boundary never occurs"));
  EXPECT_THAT(ParseMultipart("--x\r\nContent-Disposition: form-data; name=a\r\n\r\nbody", "x"),
              StatusIs(StatusCode::kInvalidArgument, "closing boundary is missing"));
  EXPECT_THAT(ParseMultipart("--x\r\nno-colon-header\r\n\r\nbody\r\n--x--", "x"),
              StatusIs(StatusCode::kInvalidArgument, "has no ':'"));
  EXPECT_THAT(ParseMultipart("--xjunk", "x"),
              StatusIs(StatusCode::kInvalidArgument, "not followed by CRLF"));
}

}  // namespace
}  // namespace flamedb::ingest
