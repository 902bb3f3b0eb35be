// libFuzzer target for the HTTP/2 server connection (and so gRPC's framing as it arrives):
// whatever bytes follow the client preface, Http2Connection must answer or fail the
// connection, never crash, hang or hold memory out of proportion to the input. Every complete
// request is answered at once with a gRPC-style response (a frame and trailers).
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/http2_connection.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flamedb;
  static base::RealClock clock;
  std::vector<int32_t> answered;
  auto conn = server::Http2Connection::Create(
      {}, [](std::string_view, std::string_view) { return uint64_t{1} << 20; },
      [&](int32_t stream, std::shared_ptr<api::HttpRequest>, std::shared_ptr<api::RequestContext>) {
        answered.push_back(stream);
      },
      "fuzz", clock);
  if (!conn.ok()) return 0;
  std::string input = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  input.append(reinterpret_cast<const char*>(data), size);
  // Fed in two pieces, so that frames split across reads are covered too.
  const size_t half = input.size() / 2;
  for (std::string_view piece : {std::string_view(input).substr(0, half),
                                 std::string_view(input).substr(half)}) {
    if (!(*conn)->Receive(piece).ok()) break;
    for (int32_t stream : answered) {
      api::HttpResponse r;
      r.headers.Set("content-type", "application/grpc");
      r.body = std::string("\0\0\0\0\2ok", 7);
      r.trailers.Set("grpc-status", "0");
      (*conn)->Respond(stream, std::move(r));
    }
    answered.clear();
    (void)(*conn)->Output();
  }
  return 0;
}
