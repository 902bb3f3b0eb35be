#include "ring/placement.h"

#include <xxhash.h>

#include <algorithm>

namespace flamedb::ring {
namespace {

uint64_t Score(uint32_t shard, std::string_view member) {
  return XXH3_64bits_withSeed(member.data(), member.size(), shard);
}

}  // namespace

bool Member::Has(std::string_view target) const {
  return std::find(targets.begin(), targets.end(), target) != targets.end();
}

uint32_t ShardOf(std::string_view tenant, std::string_view service, uint32_t shards) {
  // The tenant's hash seeds the service's: ("ab", "c") and ("a", "bc") differ.
  const uint64_t t = XXH3_64bits(tenant.data(), tenant.size());
  return static_cast<uint32_t>(XXH3_64bits_withSeed(service.data(), service.size(), t) % shards);
}

std::vector<const Member*> Candidates(uint32_t shard, std::span<const Member> members) {
  std::vector<std::pair<uint64_t, const Member*>> scored;
  scored.reserve(members.size());
  for (const Member& m : members) scored.emplace_back(Score(shard, m.id), &m);
  // Ties (equal scores) are broken by id, so that every process orders alike.
  std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second->id < b.second->id;
  });
  std::vector<const Member*> out;
  out.reserve(scored.size());
  for (const auto& [score, m] : scored) out.push_back(m);
  return out;
}

std::vector<std::string> Owners(uint32_t shards, std::span<const Member> members) {
  std::vector<std::string> out(shards);
  for (uint32_t s = 0; s < shards && !members.empty(); ++s) {
    uint64_t best = 0;
    const Member* owner = nullptr;
    for (const Member& m : members) {
      const uint64_t score = Score(s, m.id);
      if (owner == nullptr || score > best || (score == best && m.id < owner->id)) {
        best = score;
        owner = &m;
      }
    }
    out[s] = owner->id;
  }
  return out;
}

}  // namespace flamedb::ring
