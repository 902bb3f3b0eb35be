#include "base/url.h"

#include <gtest/gtest.h>

namespace flamedb::base {
namespace {

TEST(UrlTest, ParsesAndDecodesQueries) {
  const QueryParams q = ParseQuery(
      "name=myapp%7Benv%3Dprod%2Cotel.scope.name%3Dx%7D&from=1&from=2&flag&sp=a+b&bad=%zz%4");

  EXPECT_EQ(q.at("name"), "myapp{env=prod,otel.scope.name=x}");
  EXPECT_EQ(q.at("from"), "1");
  EXPECT_EQ(q.at("flag"), "");
  EXPECT_EQ(q.at("sp"), "a b");
  EXPECT_EQ(q.at("bad"), "%zz%4");
}

}  // namespace
}  // namespace flamedb::base
