#include "api/ui_routes.h"

#include <algorithm>
#include <iterator>

#include "api/errors.h"
#include "ui/assets.h"

namespace flamedb::api {
namespace {

// The app's own routes (web/src/app/state.ts): each serves index.html, the SPA decides the view.
constexpr const char* kPages[] = {"/", "/index.html", "/explore", "/comparison", "/diff",
                                  "/tag-explorer", "/heatmap", "/upload"};

constexpr char kNotBuilt[] =
    "<!doctype html><title>flamedb</title><p>This flamedb binary was built without its web UI "
    "(-DFLAMEDB_WEB=OFF). The API is served as usual; build with Node.js and npm installed to "
    "get the UI.</p>\n";

HttpResponse Serve(const ui::Asset& asset) {
  HttpResponse resp;
  resp.headers.Set("Content-Type", std::string(asset.content_type));
  resp.headers.Set("Cache-Control", asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  resp.headers.Set("X-Content-Type-Options", "nosniff");
  resp.body = std::string(asset.data);
  return resp;
}

HttpResponse Index(HttpRequest&, RequestContext&) {
  if (const ui::Asset* index = ui::FindAsset("/index.html")) return Serve(*index);
  HttpResponse resp;
  resp.headers.Set("Content-Type", "text/html; charset=utf-8");
  resp.body = kNotBuilt;
  return resp;
}

HttpResponse AssetFile(HttpRequest& request, RequestContext&) {
  const ui::Asset* asset = ui::FindAsset(request.path);
  if (asset == nullptr) return ErrorResponse(404, "no UI file " + request.path);
  return Serve(*asset);
}

}  // namespace

void AddUiRoutes(Router& router) {
  for (const char* page : kPages) router.Add({"GET"}, page, {}, Index);
  for (const ui::Asset& asset : ui::Assets()) {  // Top-level files such as /favicon.svg.
    const bool page = std::find(std::begin(kPages), std::end(kPages), asset.path) != std::end(kPages);
    if (!asset.immutable && !page) router.Add({"GET"}, std::string(asset.path), {}, AssetFile);
  }
  router.AddPrefix({"GET"}, "/assets/", {}, AssetFile);
}

}  // namespace flamedb::api
