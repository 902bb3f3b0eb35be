#include "distributor/normalize.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model/stack_key.h"
#include "testing/profile_builder.h"

namespace flamedb::distributor {
namespace {

using ::flamedb::testing::ProfileBuilder;
using ::testing::ElementsAre;

// Stacks of a profile as "leaf<root:values" strings, for compact expectations.
std::vector<std::string> Stacks(const model::Profile& p) {
  std::vector<std::string> out;
  for (const model::Sample& s : p.samples) {
    std::string line;
    for (uint64_t id : p.LocationIds(s)) {
      line += std::string(line.empty() ? "" : "<") + std::string(p.String(p.functions[id - 1].name));
    }
    for (int64_t v : p.Values(s)) {
      line += ":" + std::to_string(v);
    }
    for (const model::Label& l : p.Labels(s)) {
      line += " " + std::string(p.String(l.key)) + "=" + std::string(p.String(l.str));
    }
    out.push_back(line);
  }
  return out;
}

TEST(NormalizeProfileTest, DropsNegativeAndAllZeroSamples) {
  ProfileBuilder b;
  b.SampleType("a", "count").SampleType("b", "count");
  b.Sample({"keep"}, {0, 1}).Sample({"neg"}, {5, -1}).Sample({"zero"}, {0, 0});
  model::Profile p = b.Build();

  const NormalizeStats stats = NormalizeProfile(p);

  EXPECT_THAT(Stacks(p), ElementsAre("keep:0:1"));
  EXPECT_EQ(stats.dropped_samples, 2u);
}

TEST(NormalizeProfileTest, MergesSamplesWithTheSameStackAndLabels) {
  ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds");
  b.Sample({"f", "main"}, {10}, {{"b", "2"}, {"a", "1"}});
  b.Sample({"f", "main"}, {5}, {{"a", "1"}, {"b", "2"}});  // Same labels, other order.
  b.Sample({"f", "main"}, {7}, {{"a", "other"}});
  b.Sample({"f", "main"}, {1});
  b.Sample({"f", "main"}, {2});
  model::Profile p = b.Build();

  const NormalizeStats stats = NormalizeProfile(p);

  EXPECT_THAT(Stacks(p), ElementsAre("f<main:15 a=1 b=2", "f<main:7 a=other", "f<main:3"));
  EXPECT_EQ(stats.merged_samples, 2u);
}

TEST(NormalizeProfileTest, KeysEveryKeptSampleAsTheNormalizedProfileWouldBeKeyed) {
  ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds");
  b.Sample({"f", "main"}, {10}).Sample({"dropped"}, {0}).Sample({"g", "main"}, {5});
  b.Sample({"f", "main"}, {1}).Sample({"unmapped", "main"}, {2});
  model::Profile p = b.Build();
  // Locations are f, main, dropped, g, unmapped: the last loses its mapping, and normalization
  // gives it the stub mapping.
  p.locations[4].mapping_id = 0;
  ProfileBuilder other;  // The same stacks, other ids and order.
  other.SampleType("cpu", "nanoseconds").Sample({"g", "main"}, {5}).Sample({"f", "main"}, {3});
  model::Profile q = other.Build();

  NormalizeProfile(p);
  NormalizeProfile(q);

  ASSERT_THAT(Stacks(p), ElementsAre("f<main:11", "g<main:5", "unmapped<main:2"));
  ASSERT_EQ(p.stack_keys.size(), 3u);
  // What the head computes for a profile without keys is what normalization computed.
  EXPECT_EQ(p.stack_keys, model::KeyStacks(p));
  EXPECT_NE(p.stack_keys[0], p.stack_keys[1]);
  EXPECT_NE(p.stack_keys[2], p.stack_keys[0]);
  ASSERT_EQ(q.stack_keys.size(), 2u);
  EXPECT_EQ(q.stack_keys[0], p.stack_keys[1]);
  EXPECT_EQ(q.stack_keys[1], p.stack_keys[0]);
}

TEST(NormalizeProfileTest, MergedSumsSaturateInsteadOfWrapping) {
  ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds");
  b.Sample({"f"}, {INT64_MAX - 1}).Sample({"f"}, {5});
  model::Profile p = b.Build();

  NormalizeProfile(p);

  EXPECT_THAT(Stacks(p), ElementsAre("f:" + std::to_string(INT64_MAX)));
}

TEST(NormalizeProfileTest, NumericSampleLabelsAreRemoved) {
  ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds");
  b.Sample({"f"}, {1}, {{"k", "v"}}).NumericLabel("bytes", 512);
  b.Sample({"f"}, {1}, {{"k", "v"}});
  model::Profile p = b.Build();

  NormalizeProfile(p);

  EXPECT_THAT(Stacks(p), ElementsAre("f:2 k=v"));  // Without the number they are one sample.
}

TEST(NormalizeProfileTest, SamplesOnBrokenLocationsAreRemoved) {
  ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds");
  b.Sample({"ok"}, {1}).Sample({"bad_function", "ok"}, {2}).Sample({"bad_mapping"}, {3});
  model::Profile p = b.Build();
  p.lines[1].function_id = 99;      // bad_function's line names no function.
  p.locations[2].mapping_id = 42;   // bad_mapping's mapping does not exist.

  const NormalizeStats stats = NormalizeProfile(p);

  EXPECT_THAT(Stacks(p), ElementsAre("ok:1"));
  EXPECT_EQ(stats.dropped_samples, 2u);
  EXPECT_EQ(stats.broken_samples, 2u);
  EXPECT_EQ(p.locations.size(), 1u);
}

TEST(NormalizeProfileTest, SymbolizedMappingsLoseTheirAddresses) {
  ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Sample({"f"}, {1});
  model::Profile p = b.Build();
  p.mappings[0].memory_start = 0x400000;

  NormalizeProfile(p);

  EXPECT_EQ(p.mappings[0].memory_start, 0u);
  EXPECT_EQ(p.locations[0].address, 0u);
}

}  // namespace
}  // namespace flamedb::distributor
