// flamectl's side of the server's unary RPCs and the flags every server command shares:
// --url, --tenant-id, --username/--password, --token, --protocol connect|grpc-web, --timeout.
// protobuf stays out of this header: messages are passed as google::protobuf::Message.
#pragma once

#include <chrono>
#include <set>
#include <string>
#include <string_view>

#include "base/status.h"
#include "ctl/args.h"
#include "ctl/http_client.h"

namespace google::protobuf {
class Message;
}

namespace flamedb::ctl {

enum class Protocol { kConnect, kGrpcWeb };

struct ClientOptions {
  HttpTarget target;
  std::string tenant_id;  // Sent as X-Scope-OrgID when not empty.
  std::string username, password;  // Basic auth when username is set.
  std::string token;  // Bearer auth when set (wins over basic auth).
  Protocol protocol = Protocol::kConnect;
  std::chrono::milliseconds timeout{30'000};
};

// The flags ClientOptionsFromArgs reads; commands add their own to these.
std::set<std::string> ClientFlags();

// Reads the common flags. Errors: kInvalidArgument (a usage error) naming the flag.
Result<ClientOptions> ClientOptionsFromArgs(const Args& args);

// The headers every request carries: tenant, authorization, user agent (as profilecli's).
Headers CommonHeaders(const ClientOptions& options);

// Unary calls over Connect (application/proto) or gRPC-Web (application/grpc-web+proto).
class RpcClient {
 public:
  explicit RpcClient(ClientOptions options) : options_(std::move(options)) {}

  // Calls `path` ("/querier.v1.QuerierService/LabelNames"), filling `response`.
  // Errors: the server's code and message, after the method's name ("LabelNames: ...");
  // kUnavailable when it cannot be reached.
  Status Call(std::string_view path, const google::protobuf::Message& request,
              google::protobuf::Message& response) const;

  const ClientOptions& options() const { return options_; }

 private:
  Status CallConnect(std::string_view path, const std::string& body,
                     google::protobuf::Message& response) const;
  Status CallGrpcWeb(std::string_view path, const std::string& body,
                     google::protobuf::Message& response) const;

  ClientOptions options_;
};

// The status a Connect error body `{"code":"...","message":"..."}` (or a bare HTTP error)
// stands for; exposed for tests.
Status ConnectError(int http_status, std::string_view body);

// The status a gRPC-Web trailer block ("grpc-status: 3\r\ngrpc-message: ...\r\n") carries.
Status GrpcWebTrailerStatus(std::string_view trailer);

}  // namespace flamedb::ctl
