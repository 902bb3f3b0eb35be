// Every row of a source as text, for comparing sources whatever their ids (a head and the
// block cut from it, blocks and the block compacted from them).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "store/source.h"
#include "testing/status_matchers.h"

namespace flamedb::testing {

// Every row as text: series labels, time, total and each stack (resolved to function names)
// with its value, so that a head and a block can be compared whatever their ids.
inline std::multiset<std::string> SourceRows(const store::ProfileSource& source) {
  std::multiset<std::string> out;
  EXPECT_THAT(source.ForEachRow({}, {INT64_MIN, INT64_MAX}, [&](const store::RowView& row) {
    std::map<std::string, int64_t> stacks;
    EXPECT_THAT(source.WithSymbols(row.partition, [&](const symdb::Partition& p) {
      for (size_t i = 0; i < row.stacks.size(); ++i) {
        std::vector<uint32_t> locations;
        p.ResolveStack(row.stacks[i], locations);
        std::string frames;
        for (uint32_t l : locations) {
          frames += std::string(p.String(p.function(p.Lines(p.location(l))[0].function).name)) + ";";
        }
        if (!row.spans.empty() && row.spans[i] != 0) frames += "@span" + std::to_string(row.spans[i]);
        if (!row.traces.empty() && !row.traces[i].empty()) {
          frames += "@trace" + model::FormatTraceId(row.traces[i]);
        }
        stacks[frames] += row.values[i];
      }
    }), ::flamedb::testing::IsOk());
    std::string text = source.SeriesLabels(row.series).ToString() + " @" +
                       std::to_string(row.time_nanos) + " total=" + std::to_string(row.total);
    for (const auto& [frames, value] : stacks) text += " " + frames + "=" + std::to_string(value);
    out.insert(text);
  }), ::flamedb::testing::IsOk());
  return out;
}

}  // namespace flamedb::testing
