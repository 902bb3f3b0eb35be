#include "ring/leader.h"

namespace flamedb::ring {

LeaderElection::LeaderElection(etcd::Client& client, std::string key, std::string id,
                               base::Duration ttl, base::Logger& logger)
    : client_(client), key_(std::move(key)), id_(std::move(id)), ttl_(ttl), logger_(logger) {}

LeaderElection::~LeaderElection() {
  base::MutexLock lock(mu_);
  if (lease_ == 0) return;
  if (Status s = client_.Revoke(lease_); !s.ok()) {
    logger_.Warn("could not resign; another process leads once the lease expires", "role", key_,
                 "err", s);
  }
}

Result<bool> LeaderElection::Step() {
  base::MutexLock lock(mu_);
  if (lease_ != 0) {
    FLAMEDB_ASSIGN_OR_RETURN(const bool alive, client_.KeepAlive(lease_));
    if (!alive) {
      if (leading_) logger_.Warn("leadership lost (lease expired)", "role", key_);
      lease_ = 0;
      leading_ = false;
    }
  }
  if (lease_ == 0) {
    FLAMEDB_ASSIGN_OR_RETURN(lease_, client_.GrantLease(ttl_));
  }
  FLAMEDB_ASSIGN_OR_RETURN(
      const etcd::TxnResult txn,
      client_.Txn({etcd::Compare::Missing(key_)}, {etcd::Op::Put(key_, id_, lease_)}));
  FLAMEDB_ASSIGN_OR_RETURN(const std::optional<etcd::KeyValue> kv, client_.Get(key_));
  const bool was = leading_;
  leading_ = kv.has_value() && kv->value == id_ && kv->lease == lease_;
  leader_ = kv.has_value() ? kv->value : std::string();
  if (leading_ && !was) logger_.Info("leadership taken", "role", key_, "id", id_);
  (void)txn;
  return leading_;
}

bool LeaderElection::leading() const {
  base::MutexLock lock(mu_);
  return leading_;
}

std::string LeaderElection::leader() const {
  base::MutexLock lock(mu_);
  return leader_;
}

}  // namespace flamedb::ring
