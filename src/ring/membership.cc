#include "ring/membership.h"

#include <nlohmann/json.hpp>

#include "base/periodic.h"

namespace flamedb::ring {

using nlohmann::json;

std::string MembersPrefix(std::string_view prefix) { return std::string(prefix) + "members/"; }

std::string EncodeMember(const Member& m) {
  return json{{"id", m.id}, {"addr", m.addr}, {"targets", m.targets},
              {"started_unix_ms", m.started_unix_ms}}
      .dump();
}

Result<Member> DecodeMember(std::string_view text) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  const auto bad = [&] { return DataLossError("a member record is malformed: " + std::string(text)); };
  if (!j.is_object()) return bad();
  const auto id = j.find("id"), addr = j.find("addr"), targets = j.find("targets"),
             started = j.find("started_unix_ms");
  if (id == j.end() || !id->is_string() || addr == j.end() || !addr->is_string() ||
      targets == j.end() || !targets->is_array() || started == j.end() ||
      !started->is_number_integer()) {
    return bad();
  }
  Member m{id->get<std::string>(), addr->get<std::string>(), {}, started->get<int64_t>()};
  for (const json& t : *targets) {
    if (!t.is_string()) return bad();
    m.targets.push_back(t.get<std::string>());
  }
  return m;
}

Membership::Membership(etcd::Client& client, Member self, MembershipOptions options,
                       base::Logger& logger)
    : client_(client), self_(std::move(self)), options_(std::move(options)), logger_(logger) {}

Result<std::unique_ptr<Membership>> Membership::Start(etcd::Client& client, Member self,
                                                      MembershipOptions options,
                                                      base::Logger& logger) {
  if (options.ttl < std::chrono::seconds(2) || options.refresh <= base::Duration(0) ||
      options.refresh * 3 > options.ttl) {
    return InvalidArgumentError(
        "cluster membership: the member TTL must be at least 2s and at least 3 times the "
        "refresh interval");
  }
  std::unique_ptr<Membership> m(new Membership(client, std::move(self), std::move(options), logger));
  // The id may still be held by this process's previous life (killed before it could leave):
  // that registration goes when its lease expires, so wait up to two TTLs for it.
  const auto give_up = std::chrono::steady_clock::now() + 2 * m->options_.ttl;
  for (;;) {
    base::MutexLock lock(m->renew_mu_);
    const Status registered = m->Register();
    if (registered.ok()) break;
    if (registered.code() != StatusCode::kAlreadyExists ||
        std::chrono::steady_clock::now() >= give_up) {
      return registered;
    }
    std::this_thread::sleep_for(m->options_.refresh / 4);
  }
  FLAMEDB_RETURN_IF_ERROR(m->Refresh());
  m->loop_ = std::jthread([raw = m.get()](std::stop_token stop) { raw->Loop(stop); });
  return m;
}

Membership::~Membership() {
  if (loop_.joinable()) {
    loop_.request_stop();
    loop_.join();
  }
  base::MutexLock lock(renew_mu_);
  if (lease_ != 0) {
    if (Status s = client_.Revoke(lease_); !s.ok()) {
      logger_.Warn("could not leave the cluster; the others see this member until its lease expires",
                   "err", s);
    }
  }
}

Status Membership::Register() {
  FLAMEDB_ASSIGN_OR_RETURN(const int64_t lease, client_.GrantLease(options_.ttl));
  const std::string key = MembersPrefix(options_.prefix) + self_.id;
  // Only if no live member has this id: two processes with one id would split its shards.
  FLAMEDB_ASSIGN_OR_RETURN(
      const etcd::TxnResult put,
      client_.Txn({etcd::Compare::Missing(key)}, {etcd::Op::Put(key, EncodeMember(self_), lease)}));
  if (!put.succeeded) {
    (void)client_.Revoke(lease);
    return Status(StatusCode::kAlreadyExists,
                  "another live member of the cluster has the id \"" + self_.id +
                      "\" (set a unique -cluster.instance-id)");
  }
  lease_ = lease;
  return OkStatus();
}

Result<bool> Membership::Renew() {
  base::MutexLock lock(renew_mu_);
  FLAMEDB_ASSIGN_OR_RETURN(const bool alive, client_.KeepAlive(lease_));
  if (alive) return false;
  logger_.Warn("cluster membership lease lost (etcd unreachable for longer than the TTL?); "
               "registering again", "member", self_.id);
  lease_ = 0;
  FLAMEDB_RETURN_IF_ERROR(Register());
  return true;
}

int64_t Membership::lease() const {
  base::MutexLock lock(renew_mu_);
  return lease_;
}

Status Membership::Refresh() {
  FLAMEDB_ASSIGN_OR_RETURN(const etcd::RangeResult range,
                           client_.GetPrefix(MembersPrefix(options_.prefix)));
  std::vector<Member> members;
  for (const etcd::KeyValue& kv : range.kvs) {
    Result<Member> m = DecodeMember(kv.value);
    if (!m.ok()) {
      logger_.Warn("skipping a malformed member record", "key", kv.key, "err", m.status());
      continue;
    }
    members.push_back(std::move(*m));
  }
  base::MutexLock lock(mu_);
  members_ = std::move(members);
  return OkStatus();
}

std::vector<Member> Membership::Members(std::string_view target) const {
  base::MutexLock lock(mu_);
  if (target.empty()) return members_;
  std::vector<Member> out;
  for (const Member& m : members_) {
    if (m.Has(target)) out.push_back(m);
  }
  return out;
}

void Membership::Loop(std::stop_token stop) {
  base::RunEvery(stop, options_.refresh, [this] {
    if (Result<bool> renewed = Renew(); !renewed.ok()) {
      logger_.Warn("cannot renew the cluster membership lease", "err", renewed.status());
    }
    if (Status s = Refresh(); !s.ok()) {
      logger_.Warn("cannot read the cluster members; using the last list", "err", s);
    }
  });
}

}  // namespace flamedb::ring
