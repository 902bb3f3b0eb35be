// A client of etcd v3 (3.4 and later) through its JSON gateway (`POST /v3/kv/range` and
// friends over HTTP/1.1, keys and values base64, int64 as strings), on libcurl through
// objstore::HttpClient. Cluster mode keeps membership, shard placement, the block index and job
// leases here; nothing in flamedb implements consensus itself.
//
// Every call goes to one endpoint; when it cannot be reached (connection refused, timed out,
// broken), the call moves on to the next, so a cluster with one member down keeps answering.
// etcd's own errors (a failed compare is not one) come back as statuses. JSON and libcurl stay
// in client.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/duration.h"
#include "base/mutex.h"
#include "base/status.h"

namespace flamedb::objstore {
class HttpClient;
}

namespace flamedb::etcd {

struct ClientOptions {
  std::vector<std::string> endpoints;  // "http://host:port", tried in turn.
  base::Duration dial_timeout = std::chrono::seconds(5);
  base::Duration request_timeout = std::chrono::seconds(5);
};

struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;  // 0: the key does not exist (in compares).
  int64_t lease = 0;
};

// A condition of a transaction on one key.
struct Compare {
  enum class Target : uint8_t { kVersion, kCreateRevision, kModRevision, kValue };
  enum class Result : uint8_t { kEqual, kGreater, kLess, kNotEqual };
  std::string key;
  Target target = Target::kVersion;
  Result result = Result::kEqual;
  int64_t number = 0;  // For version and revisions.
  std::string value;   // For kValue.

  static Compare Missing(std::string key) { return {std::move(key), Target::kVersion, Result::kEqual, 0, {}}; }
  static Compare Exists(std::string key) { return {std::move(key), Target::kVersion, Result::kGreater, 0, {}}; }
  static Compare ModRevision(std::string key, int64_t revision) {
    return {std::move(key), Target::kModRevision, Result::kEqual, revision, {}};
  }
  static Compare ValueIs(std::string key, std::string value) {
    return {std::move(key), Target::kValue, Result::kEqual, 0, std::move(value)};
  }
};

// A write of a transaction.
struct Op {
  enum class Kind : uint8_t { kPut, kDelete, kDeletePrefix };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;  // kPut.
  int64_t lease = 0;  // kPut: 0 for none.

  static Op Put(std::string key, std::string value, int64_t lease = 0) {
    return {Kind::kPut, std::move(key), std::move(value), lease};
  }
  static Op Delete(std::string key) { return {Kind::kDelete, std::move(key), {}, 0}; }
  static Op DeletePrefix(std::string prefix) { return {Kind::kDeletePrefix, std::move(prefix), {}, 0}; }
};

struct RangeResult {
  std::vector<KeyValue> kvs;  // In key order.
  int64_t revision = 0;       // The store's revision the range was read at.
};

// One change of a watched key.
struct WatchEvent {
  bool deleted = false;
  KeyValue kv;  // A delete has the key and, as mod_revision, the revision of the deletion.
};

struct TxnResult {
  bool succeeded = false;  // The compares held and the success ops were applied.
  int64_t revision = 0;
};

// Thread-safe.
class Client {
 public:
  // Checks that an endpoint answers. Errors: kInvalidArgument (no endpoints, a malformed one),
  // kUnavailable (none answers).
  static Result<std::unique_ptr<Client>> Connect(ClientOptions options);
  ~Client();

  const ClientOptions& options() const { return options_; }

  Result<int64_t> Put(std::string_view key, std::string_view value, int64_t lease = 0);
  Result<std::optional<KeyValue>> Get(std::string_view key);
  // Every key that starts with `prefix`, in key order, read at one revision.
  Result<RangeResult> GetPrefix(std::string_view prefix);
  // Returns the number of keys deleted.
  Result<int64_t> Delete(std::string_view key);
  Result<int64_t> DeletePrefix(std::string_view prefix);
  // Applies `success` if every compare holds, else `failure`, atomically.
  Result<TxnResult> Txn(const std::vector<Compare>& compares, const std::vector<Op>& success,
                        const std::vector<Op>& failure = {});

  // A lease of `ttl` (etcd rounds it up to its minimum, about 2 s); returns its id.
  Result<int64_t> GrantLease(base::Duration ttl);
  // Renews the lease. Returns false when it is gone (expired or revoked): its keys are gone.
  Result<bool> KeepAlive(int64_t lease);
  Status Revoke(int64_t lease);
  // Discards the history before `revision` (watches cannot start before it any more).
  Status Compact(int64_t revision);

  // Streams the changes of every key that starts with `prefix`, from `start_revision` on, to
  // `fn`: one call per batch etcd sends, in revision order. Returns OK when the stream ends
  // after `max_duration` (watch again from the last revision seen, plus one).
  // Errors: kOutOfRange (`start_revision` was compacted away: read the keys again, then watch
  // from that read's revision), kCancelled (`stop` said so), kUnavailable (no endpoint answers,
  // or the stream broke), kInternal (etcd sent what does not parse).
  Status Watch(std::string_view prefix, int64_t start_revision,
               const std::function<void(std::vector<WatchEvent>)>& fn,
               const std::function<bool()>& stop, base::Duration max_duration);

 private:
  explicit Client(ClientOptions options);
  // POSTs `body` (JSON) to `path` on an endpoint that answers; returns the response body.
  // Errors: kUnavailable (no endpoint answers), kDeadlineExceeded, etcd's own (by its code).
  Result<std::string> Call(std::string_view path, const std::string& body) EXCLUDES(mu_);

  const ClientOptions options_;
  std::unique_ptr<objstore::HttpClient> http_;
  mutable base::Mutex mu_;
  size_t current_ GUARDED_BY(mu_) = 0;  // The endpoint that answered last.
  size_t Current() const EXCLUDES(mu_);  // Where to start: current_.
};

// The end of the range of keys starting with `prefix` (etcd's range_end): the prefix with its
// last byte below 0xff incremented; "\0" (every key) when there is none.
std::string PrefixEnd(std::string_view prefix);

}  // namespace flamedb::etcd
