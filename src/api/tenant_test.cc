#include "api/tenant.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb::api {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

HttpRequest WithOrgId(std::optional<std::string> id) {
  HttpRequest req;
  if (id.has_value()) {
    req.headers.Add("x-scope-orgid", *id);  // Header names are case-insensitive.
  }
  return req;
}

TEST(ResolveTenantTest, WithoutMultitenancyEveryoneIsAnonymous) {
  EXPECT_EQ(*ResolveTenant(false, WithOrgId(std::nullopt)), "anonymous");
  EXPECT_EQ(*ResolveTenant(false, WithOrgId("team-a")), "anonymous");
  EXPECT_EQ(*ResolveTenant(false, WithOrgId("../etc")), "anonymous");
}

TEST(ResolveTenantTest, WithMultitenancyTheHeaderIsTheTenant) {
  Result<std::string> tenant = ResolveTenant(true, WithOrgId("team-a"));

  ASSERT_THAT(tenant, IsOk());
  EXPECT_EQ(*tenant, "team-a");
}

TEST(ResolveTenantTest, MissingOrEmptyHeaderIsNoOrgId) {
  EXPECT_THAT(ResolveTenant(true, WithOrgId(std::nullopt)),
              StatusIs(StatusCode::kUnauthenticated, "no org id"));
  EXPECT_THAT(ResolveTenant(true, WithOrgId("")),
              StatusIs(StatusCode::kUnauthenticated, "no org id"));
}

TEST(ResolveTenantTest, InvalidIdsAreUnauthenticatedWithTheReason) {
  EXPECT_THAT(ResolveTenant(true, WithOrgId("..")),
              StatusIs(StatusCode::kUnauthenticated, "'..' is not allowed"));
  EXPECT_THAT(ResolveTenant(true, WithOrgId("a/b")),
              StatusIs(StatusCode::kUnauthenticated, "unsupported character '/'"));
  EXPECT_THAT(ResolveTenant(true, WithOrgId(std::string(151, 'x'))),
              StatusIs(StatusCode::kUnauthenticated, "too long"));
  EXPECT_THAT(ResolveTenant(true, WithOrgId("a|b")),
              StatusIs(StatusCode::kUnauthenticated, "too many org IDs"));
}

}  // namespace
}  // namespace flamedb::api
