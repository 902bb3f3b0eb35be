#include "ingest/tree.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb::ingest {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::UnorderedElementsAre;

std::string Node(std::string_view label, uint8_t value, uint8_t children) {
  std::string out;
  out += static_cast<char>(label.size());
  out += label;
  out += static_cast<char>(value);
  out += static_cast<char>(children);
  return out;
}

std::vector<std::string> Stacks(const model::Profile& p) {
  std::vector<std::string> out;
  for (const model::Sample& s : p.samples) {
    std::string stack;
    const auto ids = p.LocationIds(s);
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
      const auto& f = p.functions[p.Lines(p.locations[*it - 1])[0].function_id - 1];
      stack += std::string(stack.empty() ? "" : ";") + std::string(p.String(f.name));
    }
    out.push_back(stack + "=" + std::to_string(p.Values(s)[0]));
  }
  return out;
}

// The spec's example: main;foo;bar 30, main;foo 10, main;baz 60.
const std::string kTree = Node("", 0, 1) + Node("main", 0, 2) + Node("foo", 10, 1) +
                          Node("bar", 30, 0) + Node("baz", 60, 0);

TEST(ParseTreeTest, EachNodeWithSelfIsAStack) {
  Result<model::Profile> p = ParseTree(kTree, {});

  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(Stacks(*p), UnorderedElementsAre("main;foo=10", "main;foo;bar=30", "main;baz=60"));
}

TEST(ParseTreeTest, CpuValuesAreMultipliedByThePeriodOnce) {
  Result<model::Profile> p = ParseTree(kTree, {.value_multiplier = 10000000});

  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(Stacks(*p), UnorderedElementsAre("main;foo=100000000", "main;foo;bar=300000000",
                                               "main;baz=600000000"));
}

TEST(ParseTreeTest, ValuesThatOverflowWithThePeriodAreRejected) {
  const std::string big = Node("", 0, 1) + std::string("\x01" "a" "\xff\xff\xff\xff\xff\xff\xff\xff\x7f\x00", 12);

  EXPECT_THAT(ParseTree(big, {.value_multiplier = 10000000}),
              StatusIs(StatusCode::kInvalidArgument, "too large"));
}

TEST(ParseTreeTest, DamagedBodiesAreRejected) {
  EXPECT_THAT(ParseTree(kTree.substr(0, kTree.size() - 2), {}),
              StatusIs(StatusCode::kInvalidArgument, "invalid tree body"));
  EXPECT_THAT(ParseTree(Node("", 0, 3) + Node("a", 1, 0), {}),  // Claims 3 children, has 1.
              StatusIs(StatusCode::kInvalidArgument, "truncated"));
  EXPECT_THAT(ParseTree(std::string("\xff\xff\xff\xff\x0f", 5), {}),  // A 4 GiB name length.
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseTree("", {}), StatusIs(StatusCode::kInvalidArgument));
}

TEST(ParseTrieTest, KeysAreConcatenatedFragments) {
  // Keys "main;foo" = 10 and "main;fob;x" = 5 share the prefix "main;fo".
  const std::string trie = Node("", 0, 1) + Node("main;fo", 0, 2) + Node("o", 10, 0) +
                           Node("b;x", 5, 0);

  Result<model::Profile> p = ParseTrie(trie, {});

  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(Stacks(*p), UnorderedElementsAre("main;foo=10", "main;fob;x=5"));
}

}  // namespace
}  // namespace flamedb::ingest
