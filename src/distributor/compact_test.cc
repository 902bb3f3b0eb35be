#include "distributor/compact.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/profile_builder.h"

namespace flamedb::distributor {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Stacks(const model::Profile& p) {
  std::vector<std::string> out;
  for (const model::Sample& s : p.samples) {
    std::string line;
    for (uint64_t id : p.LocationIds(s)) {
      const model::Location& loc = p.locations[id - 1];
      EXPECT_EQ(loc.id, id);
      const model::Function& f = p.functions[p.Lines(loc)[0].function_id - 1];
      line += (line.empty() ? "" : "<") + std::string(p.String(f.name)) + "@" +
              std::string(p.String(p.mappings[loc.mapping_id - 1].filename));
    }
    out.push_back(line);
  }
  return out;
}

TEST(CompactProfileTest, KeepsOnlyReferencedSymbolsWithDenseIds) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds");
  b.Sample({"unused"}, {1}).Sample({"leaf", "main"}, {2}).Sample({"main"}, {3});
  b.Str("a string nobody uses");
  model::Profile p = b.Build();
  p.samples.erase(p.samples.begin());  // "unused" is now referenced by no sample.
  for (model::Location& l : p.locations) l.id += 100;  // Sparse, shifted ids.
  for (uint64_t& id : p.location_ids) id += 100;

  CompactProfile(p);

  EXPECT_THAT(Stacks(p), ElementsAre("leaf@app<main@app", "main@app"));
  EXPECT_EQ(p.locations.size(), 2u);
  EXPECT_EQ(p.functions.size(), 2u);
  EXPECT_EQ(p.functions[0].id, 1u);
  EXPECT_EQ(p.string_table[0], "");
  EXPECT_THAT(p.string_table, ::testing::Not(::testing::Contains("unused")));
  EXPECT_THAT(p.string_table, ::testing::Not(::testing::Contains("a string nobody uses")));
  EXPECT_EQ(p.String(p.sample_types[0].type), "cpu");
}

TEST(CompactProfileTest, LocationsWithoutAMappingShareAStub) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Sample({"a", "b"}, {1});
  model::Profile p = b.Build();
  p.locations[0].mapping_id = 0;
  p.locations[1].mapping_id = 0;

  CompactProfile(p);

  ASSERT_EQ(p.mappings.size(), 1u);
  EXPECT_EQ(p.locations[0].mapping_id, 1u);
  EXPECT_EQ(p.locations[1].mapping_id, 1u);
  EXPECT_EQ(p.String(p.mappings[0].filename), "");
}

TEST(CompactProfileTest, DuplicateStringsBecomeOne) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Sample({"f"}, {1});
  model::Profile p = b.Build();
  p.string_table.push_back("cpu");  // A duplicate, used by the unit.
  p.sample_types[0].unit = static_cast<int64_t>(p.string_table.size() - 1);

  CompactProfile(p);

  EXPECT_EQ(p.sample_types[0].type, p.sample_types[0].unit);
}

}  // namespace
}  // namespace flamedb::distributor
