#include "api/admin_routes.h"

#include "api/errors.h"

namespace flamedb::api {

void AddAdminRoutes(Router& router, AdminRouteDeps deps) {
  // Both answer only once the heads are in blocks, so a caller may stop the machine after.
  router.Add({"GET", "POST"}, "/ingester/flush", {},
             [flush = deps.flush](HttpRequest&, RequestContext&) {
               const Status s = flush();
               if (!s.ok()) return ErrorResponse(s);
               HttpResponse resp;
               resp.status = 204;
               return resp;
             });
  router.Add({"GET", "POST"}, "/ingester/shutdown", {},
             [deps](HttpRequest&, RequestContext&) {
               const Status s = deps.flush();
               if (!s.ok()) return ErrorResponse(s);
               deps.shut_down();
               HttpResponse resp;
               resp.status = 204;
               return resp;
             });
}

}  // namespace flamedb::api
