// One leader among the processes that campaign for a role (the metastore leader that runs
// compaction planning and retention): the first to create the role's key under its own lease
// leads until its lease goes (it stops, dies, or cannot reach etcd for the TTL); then the next
// campaign of another process takes over. Built on one etcd transaction per step, as etcd's
// own election recipe.
#pragma once

#include <optional>
#include <string>

#include "base/duration.h"
#include "base/logging.h"
#include "base/mutex.h"
#include "etcd/client.h"

namespace flamedb::ring {

// Thread-safe.
class LeaderElection {
 public:
  LeaderElection(etcd::Client& client, std::string key, std::string id, base::Duration ttl,
                 base::Logger& logger);
  // Resigns: another process may lead at once.
  ~LeaderElection();

  // Renews this process's lease and tries to take or keep the role. Call it more often than
  // the TTL (a third of it). Returns whether this process leads now.
  Result<bool> Step() EXCLUDES(mu_);
  bool leading() const EXCLUDES(mu_);
  // The leader's id as of the last step; empty when none.
  std::string leader() const EXCLUDES(mu_);

 private:
  etcd::Client& client_;
  const std::string key_;
  const std::string id_;
  const base::Duration ttl_;
  base::Logger& logger_;
  mutable base::Mutex mu_;
  int64_t lease_ GUARDED_BY(mu_) = 0;
  bool leading_ GUARDED_BY(mu_) = false;
  std::string leader_ GUARDED_BY(mu_);
};

}  // namespace flamedb::ring
