#include "etcd/client.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "objstore/http_client.h"

namespace flamedb::etcd {
namespace {

using nlohmann::json;

std::string B64(std::string_view s) { return base::Base64Encode(s); }

// etcd's JSON gateway writes int64 as strings and leaves out fields that are zero.
int64_t Int(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (!it->is_string()) return 0;
  const std::string& text = it->get_ref<const std::string&>();
  int64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);  // Malformed reads as 0.
  return v;
}

// A string member, or "" when missing or not a string (value() would throw on a mismatch).
std::string Str(const json& j, const char* name) {
  const auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// An object member, or an empty object.
const json& Obj(const json& j, const char* name) {
  static const json kEmpty = json::object();
  const auto it = j.find(name);
  return it != j.end() && it->is_object() ? *it : kEmpty;
}

Result<std::string> Bytes(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end()) return std::string();
  std::string out;
  if (!it->is_string() || !base::Base64Decode(it->get<std::string>(), out)) {
    return InternalError(std::string("etcd answered a malformed ") + name);
  }
  return out;
}

Result<KeyValue> ParseKv(const json& j) {
  KeyValue kv;
  FLAMEDB_ASSIGN_OR_RETURN(kv.key, Bytes(j, "key"));
  FLAMEDB_ASSIGN_OR_RETURN(kv.value, Bytes(j, "value"));
  kv.create_revision = Int(j, "create_revision");
  kv.mod_revision = Int(j, "mod_revision");
  kv.version = Int(j, "version");
  kv.lease = Int(j, "lease");
  return kv;
}

Result<json> Parse(const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return InternalError("etcd answered what is not JSON");
  return j;
}

Result<RangeResult> ParseRange(const json& j) {
  RangeResult out;
  out.revision = Int(Obj(j, "header"), "revision");
  const auto kvs = j.find("kvs");
  if (kvs == j.end() || !kvs->is_array()) return out;
  for (const json& kv : *kvs) {
    FLAMEDB_ASSIGN_OR_RETURN(KeyValue parsed, ParseKv(kv));
    out.kvs.push_back(std::move(parsed));
  }
  return out;
}

json OpJson(const Op& op) {
  if (op.kind == Op::Kind::kPut) {
    json put = {{"key", B64(op.key)}, {"value", B64(op.value)}};
    if (op.lease != 0) put["lease"] = std::to_string(op.lease);
    return {{"request_put", put}};
  }
  json del = {{"key", B64(op.key)}};
  if (op.kind == Op::Kind::kDeletePrefix) del["range_end"] = B64(PrefixEnd(op.key));
  return {{"request_delete_range", del}};
}

json CompareJson(const Compare& c) {
  static constexpr const char* kTargets[] = {"VERSION", "CREATE", "MOD", "VALUE"};
  static constexpr const char* kResults[] = {"EQUAL", "GREATER", "LESS", "NOT_EQUAL"};
  static constexpr const char* kFields[] = {"version", "create_revision", "mod_revision"};
  json j = {{"key", B64(c.key)},
            {"target", kTargets[static_cast<int>(c.target)]},
            {"result", kResults[static_cast<int>(c.result)]}};
  if (c.target == Compare::Target::kValue) {
    j["value"] = B64(c.value);
  } else {
    j[kFields[static_cast<int>(c.target)]] = std::to_string(c.number);
  }
  return j;
}

// etcd's error body: {"error": "...", "code": <grpc code>, "message": "..."}.
Status EtcdError(long http_status, const std::string& body) {
  json j = json::parse(body, nullptr, false);
  std::string message = "etcd answered HTTP " + std::to_string(http_status);
  int code = 2;  // UNKNOWN
  if (j.is_object()) {
    const std::string text = Str(j, "message").empty() ? Str(j, "error") : Str(j, "message");
    if (!text.empty()) message = "etcd: " + text;
    code = static_cast<int>(Int(j, "code"));
  }
  if (code <= 0 || code > 16) code = 2;
  return Status(static_cast<StatusCode>(code), message);
}

}  // namespace

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    if (static_cast<uint8_t>(end.back()) < 0xff) {
      end.back() = static_cast<char>(static_cast<uint8_t>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

Client::Client(ClientOptions options)
    : options_(std::move(options)),
      http_(std::make_unique<objstore::HttpClient>(objstore::HttpOptions{
          .connect_timeout = options_.dial_timeout,
          .request_timeout = options_.request_timeout,
          .max_retries = 0,  // Call moves on to the next endpoint instead.
          .max_idle_connections = 8})) {}

Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::Connect(ClientOptions options) {
  if (options.endpoints.empty()) {
    return InvalidArgumentError("no etcd endpoints: set -etcd.endpoints");
  }
  for (const std::string& e : options.endpoints) {
    if (!e.starts_with("http://") && !e.starts_with("https://")) {
      return InvalidArgumentError("etcd endpoint \"" + e + "\" is not an http:// or https:// URL");
    }
  }
  std::unique_ptr<Client> client(new Client(std::move(options)));
  // Any answer will do: a range of one key that need not exist.
  FLAMEDB_RETURN_IF_ERROR(client->Get("flamedb-connect-check").status());
  return client;
}

size_t Client::Current() const {
  base::MutexLock lock(mu_);
  return current_;
}

Result<std::string> Client::Call(std::string_view path, const std::string& body) {
  const size_t first = Current();
  Status last;
  const size_t n = options_.endpoints.size();
  for (size_t i = 0; i < n; ++i) {
    const size_t at = (first + i) % n;
    objstore::HttpRequest request;
    request.method = "POST";
    request.url = options_.endpoints[at] + std::string(path);
    request.headers = {{"Content-Type", "application/json"}};
    request.body = body;
    Result<objstore::HttpResponse> response = http_->Send(request);
    if (!response.ok()) {
      last = response.status().WithContext("etcd " + options_.endpoints[at]);
      continue;  // Not reachable: the next endpoint.
    }
    if (response->status >= 500 && response->status != 503) {
      last = EtcdError(response->status, response->body);
      if (last.code() == StatusCode::kUnavailable) continue;  // No leader on this member.
      return last;
    }
    if (response->status != 200) {
      last = EtcdError(response->status, response->body);
      if (last.code() == StatusCode::kUnavailable) continue;
      return last;
    }
    base::MutexLock lock(mu_);
    current_ = at;
    return std::move(response->body);
  }
  return UnavailableError("no etcd endpoint answers: " + std::string(last.message()));
}

Result<int64_t> Client::Put(std::string_view key, std::string_view value, int64_t lease) {
  json req = {{"key", B64(key)}, {"value", B64(value)}};
  if (lease != 0) req["lease"] = std::to_string(lease);
  FLAMEDB_ASSIGN_OR_RETURN(const std::string body, Call("/v3/kv/put", req.dump()));
  FLAMEDB_ASSIGN_OR_RETURN(const json j, Parse(body));
  return Int(Obj(j, "header"), "revision");
}

Result<std::optional<KeyValue>> Client::Get(std::string_view key) {
  const json req = {{"key", B64(key)}};
  FLAMEDB_ASSIGN_OR_RETURN(const std::string body, Call("/v3/kv/range", req.dump()));
  FLAMEDB_ASSIGN_OR_RETURN(const json j, Parse(body));
  FLAMEDB_ASSIGN_OR_RETURN(RangeResult range, ParseRange(j));
  if (range.kvs.empty()) return std::optional<KeyValue>();
  return std::optional<KeyValue>(std::move(range.kvs.front()));
}

Result<RangeResult> Client::GetPrefix(std::string_view prefix) {
  const json req = {{"key", B64(prefix)}, {"range_end", B64(PrefixEnd(prefix))}};
  FLAMEDB_ASSIGN_OR_RETURN(const std::string body, Call("/v3/kv/range", req.dump()));
  FLAMEDB_ASSIGN_OR_RETURN(const json j, Parse(body));
  return ParseRange(j);
}

Result<int64_t> Client::Delete(std::string_view key) {
  const json req = {{"key", B64(key)}};
  FLAMEDB_ASSIGN_OR_RETURN(const std::string body, Call("/v3/kv/deleterange", req.dump()));
  FLAMEDB_ASSIGN_OR_RETURN(const json j, Parse(body));
  return Int(j, "deleted");
}

Result<int64_t> Client::DeletePrefix(std::string_view prefix) {
  const json req = {{"key", B64(prefix)}, {"range_end", B64(PrefixEnd(prefix))}};
  FLAMEDB_ASSIGN_OR_RETURN(const std::string body, Call("/v3/kv/deleterange", req.dump()));
  FLAMEDB_ASSIGN_OR_RETURN(const json j, Parse(body));
  return Int(j, "deleted");
}

Result<TxnResult> Client::Txn(const std::vector<Compare>& compares,
                              const std::vector<Op>& success, const std::vector<Op>& failure) {
  json req = {{"compare", json::array()}, {"success", json::array()}, {"failure", json::array()}};
  for (const Compare& c : compares) req["compare"].push_back(CompareJson(c));
  for (const Op& op : success) req["success"].push_back(OpJson(op));
  for (const Op& op : failure) req["failure"].push_back(OpJson(op));
  FLAMEDB_ASSIGN_OR_RETURN(const std::string body, Call("/v3/kv/txn", req.dump()));
  FLAMEDB_ASSIGN_OR_RETURN(const json j, Parse(body));
  const auto succeeded = j.find("succeeded");
  return TxnResult{.succeeded = succeeded != j.end() && succeeded->is_boolean() && succeeded->get<bool>(),
                   .revision = Int(Obj(j, "header"), "revision")};
}

Result<int64_t> Client::GrantLease(base::Duration ttl) {
  const int64_t seconds =
      std::max<int64_t>(1, std::chrono::ceil<std::chrono::seconds>(ttl).count());
  const json req = {{"TTL", std::to_string(seconds)}};
  FLAMEDB_ASSIGN_OR_RETURN(const std::string body, Call("/v3/lease/grant", req.dump()));
  FLAMEDB_ASSIGN_OR_RETURN(const json j, Parse(body));
  if (const std::string error = Str(j, "error"); !error.empty()) {
    return UnavailableError("etcd refused a lease: " + error);
  }
  const int64_t id = Int(j, "ID");
  if (id == 0) return InternalError("etcd granted a lease without an ID");
  return id;
}

Result<bool> Client::KeepAlive(int64_t lease) {
  const json req = {{"ID", std::to_string(lease)}};
  FLAMEDB_ASSIGN_OR_RETURN(const std::string body, Call("/v3/lease/keepalive", req.dump()));
  FLAMEDB_ASSIGN_OR_RETURN(const json j, Parse(body));
  // A lease that is gone answers without a TTL.
  return Int(Obj(j, "result"), "TTL") > 0;
}

Status Client::Revoke(int64_t lease) {
  const json req = {{"ID", std::to_string(lease)}};
  Result<std::string> body = Call("/v3/lease/revoke", req.dump());
  if (!body.ok() && body.status().code() == StatusCode::kNotFound) return OkStatus();  // Gone.
  return body.status();
}

Status Client::Compact(int64_t revision) {
  const json req = {{"revision", std::to_string(revision)}, {"physical", true}};
  return Call("/v3/kv/compaction", req.dump()).status();
}

namespace {

// Reads the newline-separated JSON messages of a watch stream as they arrive.
class WatchStream {
 public:
  explicit WatchStream(const std::function<void(std::vector<WatchEvent>)>& fn) : fn_(fn) {}

  // False once the stream must stop: an error message, a cancelled watch, a malformed line.
  bool Feed(std::string_view data) {
    received_ = true;
    buffer_.append(data);
    size_t start = 0;
    for (size_t nl; (nl = buffer_.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (!Message(std::string_view(buffer_).substr(start, nl - start))) return false;
    }
    buffer_.erase(0, start);
    return true;
  }
  const Status& status() const { return status_; }
  bool received() const { return received_; }

 private:
  bool Message(std::string_view line) {
    if (line.find_first_not_of(" \r\t") == std::string_view::npos) return true;
    const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      status_ = InternalError("etcd's watch stream sent what is not JSON");
      return false;
    }
    if (j.contains("error")) {
      const json& e = j.at("error");
      status_ = e.is_object() ? EtcdError(500, e.dump()) : InternalError("etcd watch error");
      return false;
    }
    const json& result = Obj(j, "result");
    if (Int(result, "compact_revision") > 0) {
      status_ = OutOfRangeError("etcd compacted the history the watch starts from (revision " +
                                std::to_string(Int(result, "compact_revision")) + ")");
      return false;
    }
    if (result.value("canceled", false)) {
      status_ = UnavailableError("etcd cancelled the watch: " + Str(result, "cancel_reason"));
      return false;
    }
    const auto events = result.find("events");
    if (events == result.end() || !events->is_array() || events->empty()) return true;
    std::vector<WatchEvent> out;
    for (const json& e : *events) {
      Result<KeyValue> kv = ParseKv(Obj(e, "kv"));
      if (!kv.ok()) {
        status_ = kv.status();
        return false;
      }
      out.push_back({Str(e, "type") == "DELETE", std::move(*kv)});
    }
    fn_(std::move(out));
    return true;
  }

  const std::function<void(std::vector<WatchEvent>)>& fn_;
  std::string buffer_;
  Status status_;
  bool received_ = false;
};

}  // namespace

Status Client::Watch(std::string_view prefix, int64_t start_revision,
                     const std::function<void(std::vector<WatchEvent>)>& fn,
                     const std::function<bool()>& stop, base::Duration max_duration) {
  const json req = {{"create_request",
                     {{"key", B64(prefix)},
                      {"range_end", B64(PrefixEnd(prefix))},
                      {"start_revision", std::to_string(start_revision)}}}};
  const std::string body = req.dump();
  const size_t first = Current();
  Status last;
  const size_t n = options_.endpoints.size();
  for (size_t i = 0; i < n; ++i) {
    const std::string& endpoint = options_.endpoints[(first + i) % n];
    WatchStream stream(fn);
    objstore::HttpRequest request;
    request.method = "POST";
    request.url = endpoint + "/v3/watch";
    request.headers = {{"Content-Type", "application/json"}};
    request.body = body;
    request.abort = stop;
    request.on_body = [&stream](std::string_view data) { return stream.Feed(data); };
    request.timeout = max_duration;
    Result<objstore::HttpResponse> response = http_->Send(request);
    if (!stream.status().ok()) return stream.status();
    if (stop()) return CancelledError("etcd watch stopped");
    if (response.ok() || response.status().code() == StatusCode::kDeadlineExceeded) {
      if (response.ok() && response->status != 200) {
        return EtcdError(response->status, "");
      }
      return OkStatus();  // The stream ran its time: watch again.
    }
    last = response.status().WithContext("etcd " + endpoint);
    if (stream.received()) return UnavailableError("etcd watch stream broke: " + std::string(last.message()));
  }
  return UnavailableError("no etcd endpoint answers: " + std::string(last.message()));
}

}  // namespace flamedb::etcd
