#include "api/ui_routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "ui/assets.h"

namespace flamedb::api {
namespace {

using ::testing::HasSubstr;

HttpResponse Get(const Router& router, const std::string& path) {
  HttpRequest req;
  req.method = "GET";
  req.path = req.target = path;
  RequestContext ctx;
  const Route* route = router.Find(path);
  if (route == nullptr) return HttpResponse{404, {}, "", {}};
  return route->handler(req, ctx);
}

TEST(UiRoutesTest, PagesServeTheIndexUncachedAndAssetsCachedForever) {
  Router router;
  AddUiRoutes(router);
  if (ui::Assets().empty()) {  // Built with -DFLAMEDB_WEB=OFF.
    EXPECT_THAT(Get(router, "/").body, HasSubstr("built without its web UI"));
    return;
  }
  for (const std::string page : {"/", "/comparison", "/diff", "/tag-explorer", "/upload"}) {
    HttpResponse resp = Get(router, page);
    EXPECT_EQ(resp.status, 200) << page;
    EXPECT_EQ(resp.headers.Get("Content-Type"), "text/html; charset=utf-8") << page;
    EXPECT_EQ(resp.headers.Get("Cache-Control"), "no-cache") << page;
    EXPECT_THAT(resp.body, HasSubstr("<div id=\"root\">")) << page;
  }
  std::smatch script;
  const std::string index = Get(router, "/").body;
  ASSERT_TRUE(std::regex_search(index, script, std::regex("src=\"(/assets/[^\"]+\\.js)\"")));
  HttpResponse js = Get(router, script[1]);
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.headers.Get("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.headers.Get("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(js.body, ui::FindAsset(script[1].str())->data);
  EXPECT_EQ(Get(router, "/assets/nope.js").status, 404);
  HttpResponse icon = Get(router, "/favicon.svg");
  EXPECT_EQ(icon.headers.Get("Content-Type"), "image/svg+xml");
  EXPECT_EQ(icon.headers.Get("Cache-Control"), "no-cache");
  EXPECT_EQ(router.Find("/querier.v1.QuerierService/LabelNames"), nullptr);
}

TEST(UiRoutesTest, LongestPrefixWinsAndExactRoutesComeFirst) {
  Router router;
  router.AddPrefix({"GET"}, "/a/", {}, [](HttpRequest&, RequestContext&) { return HttpResponse{201, {}, "", {}}; });
  router.AddPrefix({"GET"}, "/a/b/", {}, [](HttpRequest&, RequestContext&) { return HttpResponse{202, {}, "", {}}; });
  router.Add({"GET"}, "/a/b/c", {}, [](HttpRequest&, RequestContext&) { return HttpResponse{203, {}, "", {}}; });

  EXPECT_EQ(Get(router, "/a/x").status, 201);
  EXPECT_EQ(Get(router, "/a/b/x").status, 202);
  EXPECT_EQ(Get(router, "/a/b/c").status, 203);
  EXPECT_EQ(router.Find("/b"), nullptr);
  EXPECT_EQ(router.Find("/a/b/")->name, "a_b");
}

}  // namespace
}  // namespace flamedb::api
