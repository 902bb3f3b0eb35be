#include "ingest/folded.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb::ingest {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::ElementsAre;

// "root;...;leaf=value" per sample, resolved through the profile's symbols.
std::vector<std::string> Stacks(const model::Profile& p) {
  std::vector<std::string> out;
  for (const model::Sample& s : p.samples) {
    std::string stack;
    const auto ids = p.LocationIds(s);
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
      const model::Location& loc = p.locations[*it - 1];
      const model::Function& f = p.functions[p.Lines(loc)[0].function_id - 1];
      stack += std::string(stack.empty() ? "" : ";") + std::string(p.String(f.name));
    }
    out.push_back(stack + "=" + std::to_string(p.Values(s)[0]));
  }
  return out;
}

TEST(ParseFoldedTest, ParsesStacksAndCounts) {
  Result<model::Profile> p =
      ParseFolded("main;work;leaf 3\r\nmain;other 5\n\nmain;work;leaf 2\nmain;zero 0\n", {});

  ASSERT_THAT(p, IsOk());
  // Identical stacks merge: one sample per distinct stack.
  EXPECT_THAT(Stacks(*p), ElementsAre("main;work;leaf=5", "main;other=5"));
  EXPECT_EQ(p->String(p->sample_types[0].type), "samples");
  EXPECT_EQ(p->functions.size(), 4u);  // main, work, leaf, other: each once.
}

TEST(ParseFoldedTest, FramesMayContainSpacesTheCountIsAfterTheLastOne) {
  Result<model::Profile> p = ParseFolded("main;func (closure) 7", {});

  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(Stacks(*p), ElementsAre("main;func (closure)=7"));
}

TEST(ParseFoldedTest, CpuCountsAreMultipliedByThePeriod) {
  StackProfileType cpu{.sample_type = "cpu", .sample_unit = "nanoseconds", .period_type = "cpu",
                       .period_unit = "nanoseconds", .period = 10000000,
                       .value_multiplier = 10000000};

  Result<model::Profile> p = ParseFolded("a;b 3\n", cpu);

  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(Stacks(*p), ElementsAre("a;b=30000000"));
  EXPECT_EQ(p->period, 10000000);
  EXPECT_EQ(p->String(p->period_type.unit), "nanoseconds");
}

TEST(ParseFoldedTest, LongLinesAreAccepted) {
  std::string deep;
  for (int i = 0; i < 20000; ++i) {
    deep += "frame" + std::to_string(i % 100) + ";";
  }
  deep += "leaf 1\n";

  Result<model::Profile> p = ParseFolded(deep, {});

  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->samples[0].locations.size, 20001u);
}

TEST(ParseFoldedTest, BadCountsNameTheLine) {
  EXPECT_THAT(ParseFolded("a;b 1\nno_count_here\n", {}),
              StatusIs(StatusCode::kInvalidArgument, "folded line 2: missing count"));
  EXPECT_THAT(ParseFolded("a;b 1\n\na;b x1\n", {}),
              StatusIs(StatusCode::kInvalidArgument,
                       "folded line 3: count \"x1\" is not a non-negative integer"));
  EXPECT_THAT(ParseFolded("a;b -4\n", {}),
              StatusIs(StatusCode::kInvalidArgument, "folded line 1: count \"-4\""));
  EXPECT_THAT(ParseFolded("a;b 1.5\n", {}), StatusIs(StatusCode::kInvalidArgument, "line 1"));
  EXPECT_THAT(ParseFolded("a;b 99999999999999999999\n", {}),
              StatusIs(StatusCode::kInvalidArgument, "line 1"));
  EXPECT_THAT(ParseFolded("a;b 9223372036854775807\n", {.value_multiplier = 10}),
              StatusIs(StatusCode::kInvalidArgument, "too large"));
}

TEST(ParseFoldedTest, ByteOrderMarkAndEmptyFramesAreIgnored) {
  Result<model::Profile> p = ParseFolded("\xEF\xBB\xBFmain;;work; 2\n", {});

  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(Stacks(*p), ElementsAre("main;work=2"));
}

TEST(ParseLinesTest, EachLineCountsOnce) {
  Result<model::Profile> p = ParseLines("main;a\nmain;a\n\nmain;b\r\n", {});

  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(Stacks(*p), ElementsAre("main;a=2", "main;b=1"));
}

}  // namespace
}  // namespace flamedb::ingest
