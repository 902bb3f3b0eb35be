// This process's membership of the cluster, kept in etcd: it registers itself under a lease
// that a background thread keeps alive, and reads who else is there. A process that dies stops
// renewing and its key goes when the lease expires (-cluster.member-ttl); one that stops
// cleanly revokes the lease and is gone at once. If the lease is lost while the process runs
// (etcd was unreachable longer than the TTL), the next renewal registers it again.
//
// Keys: <prefix>members/<id> = JSON {"id", "addr", "targets", "started_unix_ms"}.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/duration.h"
#include "base/logging.h"
#include "base/mutex.h"
#include "base/status.h"
#include "etcd/client.h"
#include "ring/placement.h"

namespace flamedb::ring {

struct MembershipOptions {
  std::string prefix = "/flamedb/";  // Every key of the cluster starts with it.
  base::Duration ttl = std::chrono::seconds(10);
  // How often the lease is renewed and the members read; at most ttl / 3.
  base::Duration refresh = std::chrono::seconds(1);
};

std::string MembersPrefix(std::string_view prefix);
std::string EncodeMember(const Member& m);
// Errors: kDataLoss when `json` is not a member.
Result<Member> DecodeMember(std::string_view json);

// Thread-safe.
class Membership {
 public:
  // Registers `self` and reads the members once. A live member with the same id may be this
  // process before a crash: its registration expires within the TTL, so Start waits up to two
  // TTLs for it. Errors: the client's; kInvalidArgument for options out of range;
  // kAlreadyExists when a live member keeps the same id that long.
  static Result<std::unique_ptr<Membership>> Start(etcd::Client& client, Member self,
                                                   MembershipOptions options,
                                                   base::Logger& logger);
  // Leaves: revokes the lease, so the others see this process gone at their next read.
  ~Membership();

  const Member& self() const { return self_; }
  // The lease the registration lives under (it changes when a lost lease is registered
  // again); keys put under it go with this process.
  int64_t lease() const EXCLUDES(renew_mu_);
  // The live members (this one included) as of the last read, in id order; with a target,
  // only those that run it.
  std::vector<Member> Members(std::string_view target = {}) const EXCLUDES(mu_);
  // Reads the members now (the loop does it every `refresh`).
  Status Refresh() EXCLUDES(mu_);
  // Renews the lease now, registering again if it was lost. Returns whether it was lost.
  Result<bool> Renew() EXCLUDES(renew_mu_);

 private:
  Membership(etcd::Client& client, Member self, MembershipOptions options, base::Logger& logger);
  Status Register() REQUIRES(renew_mu_);
  void Loop(std::stop_token stop);

  etcd::Client& client_;
  const Member self_;
  const MembershipOptions options_;
  base::Logger& logger_;
  mutable base::Mutex renew_mu_;  // One registration or renewal at a time.
  int64_t lease_ GUARDED_BY(renew_mu_) = 0;
  mutable base::Mutex mu_;
  std::vector<Member> members_ GUARDED_BY(mu_);
  std::jthread loop_;
};

}  // namespace flamedb::ring
