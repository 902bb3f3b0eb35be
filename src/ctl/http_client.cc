#include "ctl/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace flamedb::ctl {
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

Result<HttpTarget> ParseUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) {
    return InvalidArgumentError("--url \"" + std::string(url) +
                                "\": want http://host[:port][/path]");
  }
  std::string_view rest = url.substr(kScheme.size());
  HttpTarget t;
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) t.base_path = std::string(rest.substr(slash));
  while (!t.base_path.empty() && t.base_path.back() == '/') t.base_path.pop_back();
  const size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos) {
    t.port = std::string(authority.substr(colon + 1));
    authority = authority.substr(0, colon);
    if (t.port.empty() || t.port.find_first_not_of("0123456789") != std::string::npos) {
      return InvalidArgumentError("--url \"" + std::string(url) + "\": bad port");
    }
  }
  if (authority.empty()) return InvalidArgumentError("--url \"" + std::string(url) + "\": no host");
  t.host = std::string(authority);
  return t;
}

Result<HttpReply> HttpRequest(const HttpTarget& target, std::string_view method,
                              std::string_view path, const Headers& headers,
                              std::string_view body, std::chrono::milliseconds timeout) {
  const std::string where = "http://" + target.host + ":" + target.port;
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(target.host, target.port, ec);
  if (ec) return UnavailableError("cannot resolve " + target.host + ": " + ec.message());
  stream.expires_after(timeout);
  stream.connect(endpoints, ec);
  if (ec) return UnavailableError("cannot connect to " + where + ": " + ec.message());
  http::request<http::string_body> req(
      http::string_to_verb(beast::string_view(method.data(), method.size())),
                                       target.base_path + std::string(path), 11);
  req.set(http::field::host, target.host);
  req.set(http::field::user_agent, "flamectl");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty()) req.body() = std::string(body);
  req.prepare_payload();
  http::write(stream, req, ec);
  if (ec) return UnavailableError("sending to " + where + ": " + ec.message());
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256u << 20);  // Merged profiles can be large; the server bounds them.
  http::read(stream, buffer, parser, ec);
  if (ec) return UnavailableError("reading the answer of " + where + ": " + ec.message());
  HttpReply reply;
  reply.status = static_cast<int>(parser.get().result_int());
  reply.content_type = std::string(parser.get()[http::field::content_type]);
  reply.body = std::move(parser.get().body());
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return reply;
}

}  // namespace flamedb::ctl
