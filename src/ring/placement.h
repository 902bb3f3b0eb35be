// Where a profile goes in cluster mode: the shard of its (tenant, service), and the
// segment-writers that may write a shard, in order of preference.
//
// Placement is rendezvous hashing (highest random weight): every (shard, member) pair gets a
// score and a shard's owner is the member with the highest. So a member that joins takes only
// the shards it now scores highest for (about 1/n of them) and one that leaves gives away only
// its own; nothing else moves. The next members in score order are the shard's fallbacks: a
// distributor that cannot reach the owner writes the shard through the next, and every
// distributor agrees on that order without talking to the others.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flamedb::ring {

// A process of the cluster, as registered in etcd (membership.h).
struct Member {
  std::string id;                    // Unique in the cluster (-cluster.instance-id).
  std::string addr;                  // Base URL of its API: "http://host:port".
  std::vector<std::string> targets;  // Its components, canonical names.
  int64_t started_unix_ms = 0;

  bool Has(std::string_view target) const;
  bool operator==(const Member&) const = default;
};

// The shard of `service` of `tenant`, in [0, shards). REQUIRES: shards > 0.
uint32_t ShardOf(std::string_view tenant, std::string_view service, uint32_t shards);

// `members` ordered by preference for `shard`: the owner first. Stable for a given set of ids
// whatever their order in `members`.
std::vector<const Member*> Candidates(uint32_t shard, std::span<const Member> members);

// The id of each shard's owner (index: shard); empty ids when there are no members.
std::vector<std::string> Owners(uint32_t shards, std::span<const Member> members);

}  // namespace flamedb::ring
