// The Connect unary protocol (connectrpc.com/docs/protocol) on top of the router: typed
// handlers are registered once, and the protocol adapter decodes, calls and encodes.
//
// A handler sees only messages and a RequestContext, never the wire: the gRPC-Web adapter
// (same paths, framed bodies, trailers) serves the same UnaryMethod table as the Connect one.
#pragma once

#include <google/protobuf/message.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/router.h"
#include "base/status.h"

namespace flamedb::api {

// A unary RPC with its messages type-erased.
struct UnaryMethod {
  std::string path;  // "/<package>.<Service>/<Method>"
  bool needs_tenant = false;
  uint64_t max_body_bytes = 0;  // Decoded (decompressed) request limit; 0: dispatcher default.
  const google::protobuf::Message* request_prototype = nullptr;
  const google::protobuf::Message* response_prototype = nullptr;
  std::function<Status(RequestContext&, const google::protobuf::Message&,
                       google::protobuf::Message&)>
      call;
};

// Makes a UnaryMethod from a typed function `Status fn(RequestContext&, const Req&, Resp*)`.
template <typename Req, typename Resp>
UnaryMethod MakeUnaryMethod(std::string path, bool needs_tenant,
                            std::function<Status(RequestContext&, const Req&, Resp&)> fn) {
  UnaryMethod m;
  m.path = std::move(path);
  m.needs_tenant = needs_tenant;
  m.request_prototype = &Req::default_instance();
  m.response_prototype = &Resp::default_instance();
  m.call = [fn = std::move(fn)](RequestContext& ctx, const google::protobuf::Message& req,
                                google::protobuf::Message& resp) {
    return fn(ctx, static_cast<const Req&>(req), static_cast<Resp&>(resp));
  };
  return m;
}

// Adds `method` to `router` as a Connect unary route (and gRPC-Web, see IsGrpcWeb): POST
// only; request Content-Type application/proto or application/json (415 otherwise); optional Content-Encoding gzip;
// Connect-Timeout-Ms; the response in the request's codec; errors as Connect JSON.
// `clock` must outlive the router. Bodies decompress to at most method.max_body_bytes, or
// `default_max_body_bytes` when that is 0.
void AddConnectRoute(Router& router, UnaryMethod method, const base::Clock& clock,
                     uint64_t default_max_body_bytes);

// The Connect unary call itself, exposed for tests: runs `method` for `request`, whose body
// may decompress to at most `max_body_bytes`.
HttpResponse ServeConnectUnary(const UnaryMethod& method, uint64_t max_body_bytes,
                               const HttpRequest& request, RequestContext& context,
                               const base::Clock& clock);

// The request body, gunzipped when Content-Encoding says gzip (to at most `max_body_bytes`).
// Errors: kInvalidArgument for another encoding or a body that is not gzip; kResourceExhausted
// when it decompresses to more than the limit.
Result<std::string> RequestBody(const HttpRequest& request, uint64_t max_body_bytes);

// Whether `request` is a gRPC-Web call (Content-Type application/grpc-web...). AddConnectRoute
// serves those on the same path with ServeGrpcWebUnary.
bool IsGrpcWeb(const HttpRequest& request);

// The gRPC-Web unary call: one length-prefixed message frame in (optionally gzip with
// grpc-encoding), grpc-timeout honoured; answered 200 with a message frame and a trailer frame
// carrying grpc-status and grpc-message (errors: the trailer frame only).
HttpResponse ServeGrpcWebUnary(const UnaryMethod& method, uint64_t max_body_bytes,
                               const HttpRequest& request, RequestContext& context,
                               const base::Clock& clock);

// Whether `request` is a gRPC call (application/grpc[+proto|+json], not gRPC-Web).
bool IsGrpc(const HttpRequest& request);

// A response that is not gRPC's (the router's 401 for a missing tenant, 404 for an unknown
// method, 413, ...) to a gRPC request, as gRPC clients read errors: a Trailers-Only answer with
// the same status code (404: UNIMPLEMENTED). Other responses are returned unchanged.
HttpResponse AsGrpcError(const HttpRequest& request, HttpResponse response);

// The gRPC unary call over HTTP/2: one length-prefixed message in (optionally gzip with
// grpc-encoding), grpc-timeout as the deadline; answered 200 with the message frame and the
// trailers grpc-status / grpc-message (HttpResponse::trailers; errors: no message). Over
// HTTP/1.1 it answers 505.
HttpResponse ServeGrpcUnary(const UnaryMethod& method, uint64_t max_body_bytes,
                            const HttpRequest& request, RequestContext& context,
                            const base::Clock& clock);

}  // namespace flamedb::api
