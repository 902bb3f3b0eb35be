#include "api/settings_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "objstore/memory_bucket.h"
#include "testing/fake_clock.h"

namespace flamedb::api {
namespace {

using ::testing::HasSubstr;

class SettingsMethodsTest : public ::testing::Test {
 protected:
  // Calls `method` ("Get", "Set" or "Delete") as `tenant` with a JSON body.
  HttpResponse Call(const std::string& method, std::string body, std::string tenant = "t") {
    for (const UnaryMethod& m : methods_) {
      if (m.path == "/settings.v1.SettingsService/" + method) {
        HttpRequest req;
        req.method = "POST";
        req.headers.Add("Content-Type", "application/json");
        req.body = std::move(body);
        RequestContext ctx;
        ctx.tenant = std::move(tenant);
        return ServeConnectUnary(m, 1 << 20, req, ctx, clock_);
      }
    }
    ADD_FAILURE() << "no method " << method;
    return {};
  }

  objstore::MemoryBucket bucket_;
  testing::FakeClock clock_;
  settings::Store store_{bucket_, clock_};
  std::vector<UnaryMethod> methods_ = SettingsMethods(store_);
};

TEST_F(SettingsMethodsTest, EveryMethodIsTenantScoped) {
  ASSERT_EQ(methods_.size(), 3u);
  for (const UnaryMethod& m : methods_) {
    EXPECT_TRUE(m.needs_tenant) << m.path;
  }
}

TEST_F(SettingsMethodsTest, SetThenGetAndDelete) {
  HttpResponse set =
      Call("Set", R"({"setting":{"name":"pluginSettings","value":"{}","modifiedAt":"100"}})");
  HttpResponse get = Call("Get", "{}");
  HttpResponse other_tenant = Call("Get", "{}", "u");
  HttpResponse deleted = Call("Delete", R"({"name":"pluginSettings"})");
  HttpResponse after = Call("Get", "{}");

  EXPECT_EQ(set.status, 200);
  EXPECT_EQ(set.body, R"({"setting":{"name":"pluginSettings","value":"{}","modifiedAt":"100"}})");
  EXPECT_EQ(get.body,
            R"({"settings":[{"name":"pluginSettings","value":"{}","modifiedAt":"100"}]})");
  EXPECT_EQ(other_tenant.body, "{}");
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.body, "{}");
  EXPECT_EQ(after.body, "{}");
}

TEST_F(SettingsMethodsTest, MissingModifiedAtIsNow) {
  HttpResponse set = Call("Set", R"({"setting":{"name":"s","value":"v"}})");

  EXPECT_EQ(set.body, R"({"setting":{"name":"s","value":"v","modifiedAt":"1767323045000"}})");
}

TEST_F(SettingsMethodsTest, StaleWriteIsAlreadyExists409) {
  ASSERT_EQ(Call("Set", R"({"setting":{"name":"s","value":"new","modifiedAt":"200"}})").status,
            200);

  HttpResponse stale = Call("Set", R"({"setting":{"name":"s","value":"old","modifiedAt":"100"}})");

  EXPECT_EQ(stale.status, 409);
  EXPECT_THAT(stale.body, HasSubstr(R"("code":"already_exists")"));
  EXPECT_THAT(stale.body, HasSubstr("failed to update s: newer update already written"));
}

TEST_F(SettingsMethodsTest, MissingSettingOrNameIsInvalidArgument400) {
  HttpResponse no_setting = Call("Set", "{}");
  HttpResponse no_name = Call("Set", R"({"setting":{"value":"v"}})");
  HttpResponse delete_no_name = Call("Delete", "{}");

  EXPECT_EQ(no_setting.status, 400);
  EXPECT_THAT(no_setting.body, HasSubstr("no setting values provided"));
  EXPECT_EQ(no_name.status, 400);
  EXPECT_THAT(no_name.body, HasSubstr(R"("code":"invalid_argument")"));
  EXPECT_EQ(delete_no_name.status, 400);
}

}  // namespace
}  // namespace flamedb::api
