#include "query/analyze.h"

#include "query/select.h"
#include "query/selector.h"

namespace flamedb::query {

Result<QueryAnalysis> AnalyzeQuery(const Sources& sources, size_t heads, const std::string& query,
                                   store::TimeRange range, QueryContext& ctx) {
  const size_t brace = query.find('{');
  const std::string type = query.substr(0, brace);
  const std::string selector = brace == std::string::npos ? "{}" : query.substr(brace);
  Selector sel;
  if (type.empty()) {
    FLAMEDB_ASSIGN_OR_RETURN(sel, ParseSelector(selector));
  } else {
    FLAMEDB_ASSIGN_OR_RETURN(sel, ProfileSelector(type, selector));
  }
  QueryAnalysis out;
  for (size_t i = 0; i < sources.size(); ++i) {
    const store::ProfileSource& s = *sources[i];
    if (!Overlaps(s, range)) continue;
    const std::vector<uint32_t> ids = SelectIds(s, sel);
    if (ids.empty()) continue;
    ScopeStats& stats = i < heads ? out.heads : out.blocks;
    ++stats.components;
    stats.series += ids.size();
    const store::StoredBytes bytes = s.Bytes();
    stats.index_bytes += bytes.index;
    stats.profile_bytes += bytes.profiles;
    stats.symbol_bytes += bytes.symbols;
    FLAMEDB_RETURN_IF_ERROR(s.ForEachRow(ids, range, [&](const store::RowView& row) {
      ++stats.profiles;
      stats.samples += row.stacks.size();
    }));
    FLAMEDB_RETURN_IF_ERROR(ctx.Check());
  }
  return out;
}

}  // namespace flamedb::query
