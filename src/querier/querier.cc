#include "querier/querier.h"

#include <set>

#include "base/json.h"
#include "store/summary.h"

namespace flamedb::querier {

std::vector<const store::ProfileSource*> TenantSnapshot::Sources() const {
  std::vector<const store::ProfileSource*> out;
  for (const auto& h : heads) out.push_back(h.get());
  for (const auto& b : blocks) out.push_back(b->reader.get());
  return out;
}

TenantSnapshot Querier::Snapshot(std::string_view tenant) const {
  TenantSnapshot out;
  if (ingester_ == nullptr) {
    out.blocks = index_.Blocks(tenant);
    return out;
  }
  // The index is read while no cut can move a head into it.
  ingester_->ReadHeads(tenant, [&](ingester::Ingester::Heads heads) {
    out.heads = std::move(heads);
    out.blocks = index_.Blocks(tenant);
  });
  return out;
}

std::vector<std::string> Querier::Tenants() const {
  std::set<std::string> all;
  for (std::string& t : index_.Tenants()) all.insert(std::move(t));
  if (ingester_ != nullptr) {
    for (std::string& t : ingester_->Tenants()) all.insert(std::move(t));
  }
  return {all.begin(), all.end()};
}

Result<std::string> Querier::DebugJson(std::string_view tenant) const {
  const TenantSnapshot snapshot = Snapshot(tenant);
  FLAMEDB_ASSIGN_OR_RETURN(std::vector<store::SeriesSummary> summaries,
                           store::Summarize(snapshot.Sources()));
  std::string out = "{\"series\":[";
  for (size_t i = 0; i < summaries.size(); ++i) {
    const store::SeriesSummary& s = summaries[i];
    out += i == 0 ? "{\"labels\":{" : ",{\"labels\":{";
    for (size_t l = 0; l < s.labels.pairs().size(); ++l) {
      out += l == 0 ? "" : ",";
      base::AppendJsonString(out, s.labels.pairs()[l].name);
      out += ':';
      base::AppendJsonString(out, s.labels.pairs()[l].value);
    }
    out += "},\"profiles\":" + std::to_string(s.profiles) + ",\"totals\":{";
    bool first = true;
    for (const auto& [type, total] : s.totals) {
      out += first ? "" : ",";
      first = false;
      base::AppendJsonString(out, type);
      out += ':' + std::to_string(total);
    }
    out += "}}";
  }
  return out + "],\"heads\":" + std::to_string(snapshot.heads.size()) +
         ",\"blocks\":" + std::to_string(snapshot.blocks.size()) + ",\"untracked_profiles\":0}";
}

}  // namespace flamedb::querier
