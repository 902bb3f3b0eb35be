#include "ingest/jfr.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/gzip.h"

#include "ingest/jfr_symbols.h"
#include "ingest/jfr_test_writer.h"
#include "testing/status_matchers.h"

namespace flamedb::ingest {
namespace {

using jfr::testing::Writer;
using ::flamedb::testing::StatusIs;
using ::testing::HasSubstr;

constexpr JfrOptions kOptions{.period_nanos = 10000000, .time_nanos = 1000, .duration_nanos = 10};

// Folded stacks (root first) -> values of sample type `column`, and their labels.
std::map<std::string, int64_t> Folded(const model::Profile& p, size_t column = 0,
                                      std::string_view label = "") {
  std::map<std::string, int64_t> out;
  for (const model::Sample& s : p.samples) {
    std::string stack;
    for (auto it = p.LocationIds(s).rbegin(); it != p.LocationIds(s).rend(); ++it) {
      const model::Line& line = p.lines[p.locations[*it - 1].lines.begin];
      stack += (stack.empty() ? "" : ";") + std::string(p.String(p.functions[line.function_id - 1].name));
    }
    for (const model::Label& l : p.Labels(s)) {
      if (p.String(l.key) == label) stack += " " + std::string(p.String(l.str));
    }
    out[stack] += p.Values(s)[column];
  }
  return out;
}

const JfrProfile* Find(const JfrResult& r, std::string_view metric, std::string_view type) {
  for (const JfrProfile& p : r.profiles) {
    if (p.metric == metric && p.profile.String(p.profile.sample_types[0].type) == type) return &p;
  }
  return nullptr;
}

// Two methods in two classes; stack 1 is main -> work, stack 2 main -> sleep.
Writer Basic(bool compressed = true) {
  Writer w(compressed);
  w.Symbol(1, "com/example/App");
  w.Symbol(2, "main");
  w.Symbol(3, "work");
  w.Symbol(4, "sleep");
  w.Class(1, 1);
  w.Method(1, 1, 2);
  w.Method(2, 1, 3);
  w.Method(3, 1, 4);
  w.Stack(1, {2, 1});
  w.Stack(2, {3, 1});
  w.State(1, "STATE_RUNNABLE");
  w.State(2, "STATE_SLEEPING");
  return w;
}

TEST(JfrTest, ExecutionSamplesAreCpuTimeExceptSleepingThreads) {
  for (bool compressed : {true, false}) {
    Writer w = Basic(compressed);
    w.ExecutionSample(1, 1);
    w.ExecutionSample(1, 1);
    w.ExecutionSample(2, 2);  // Sleeping: not CPU time.
    w.ExecutionSample(0, 1);  // No stack trace: skipped.
    Result<JfrResult> r = ParseJfr(w.Chunk(), nullptr, kOptions);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->profiles.size(), 1u);
    const model::Profile& p = r->profiles[0].profile;
    EXPECT_EQ(r->profiles[0].metric, "process_cpu");
    EXPECT_EQ(p.String(p.period_type.type), "cpu");
    EXPECT_EQ(p.period, kOptions.period_nanos);
    EXPECT_EQ(p.time_nanos, 1000);
    EXPECT_EQ(Folded(p), (std::map<std::string, int64_t>{
                             {"com/example/App.main;com/example/App.work", 20000000}}));
    EXPECT_EQ(r->event, "");
  }
}

TEST(JfrTest, TheWallEventSettingMakesEveryExecutionSampleWallTime) {
  Writer w = Basic();
  w.ExecutionSample(1, 1);
  w.ExecutionSample(2, 2);
  w.Setting("event", "wall");  // After the samples: settings are read first anyway.
  Result<JfrResult> r = ParseJfr(w.Chunk(), nullptr, kOptions);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->event, "wall");
  const JfrProfile* wall = Find(*r, "wall", "wall");
  ASSERT_NE(wall, nullptr);
  EXPECT_EQ(Folded(wall->profile).size(), 2u);
  ASSERT_NE(Find(*r, "process_cpu", "cpu"), nullptr);
}

TEST(JfrTest, LockDelaysAreNanosecondsAndCountsNeverCarryOver) {
  Writer w = Basic();
  w.WallClock(1, 5, 0, 0, 0);  // 5 samples: Pyroscope's parser then counted 5 per lock event.
  w.MonitorEnter(1, 2000);
  w.MonitorEnter(1, 3000);
  Result<JfrResult> r = ParseJfr(w.Chunk(/*ticks_per_second=*/1000000), nullptr, kOptions);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const JfrProfile* lock = Find(*r, "mutex", "contentions");
  ASSERT_NE(lock, nullptr);
  EXPECT_EQ(Folded(lock->profile, 0).begin()->second, 2);
  EXPECT_EQ(Folded(lock->profile, 1).begin()->second, 5000000);  // 5000 us in ns.
  const JfrProfile* wall = Find(*r, "wall", "wall");
  ASSERT_NE(wall, nullptr);
  EXPECT_EQ(Folded(wall->profile).begin()->second, 5 * kOptions.period_nanos);
}

TEST(JfrTest, LiveObjectsNativeAllocationsAndParkedThreads) {
  Writer w = Basic();
  w.LiveObject(1);
  w.LiveObject(1);
  w.Malloc(2, 4096);
  w.Malloc(2, 100);
  w.ThreadPark(1, 7);
  Result<JfrResult> r = ParseJfr(w.Chunk(/*ticks_per_second=*/1000), nullptr, kOptions);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const JfrProfile* live = Find(*r, "memory", "live");
  ASSERT_NE(live, nullptr);
  EXPECT_EQ(live->profile.String(live->profile.period_type.type), "objects");
  EXPECT_EQ(Folded(live->profile).begin()->second, 2);
  const JfrProfile* malloc = Find(*r, "memory", "malloc_objects");
  ASSERT_NE(malloc, nullptr);
  EXPECT_EQ(Folded(malloc->profile, 0).begin()->second, 2);
  EXPECT_EQ(Folded(malloc->profile, 1).begin()->second, 4196);
  EXPECT_TRUE(malloc->profile.String(malloc->profile.period_type.type).empty());
  const JfrProfile* park = Find(*r, "block", "contentions");
  ASSERT_NE(park, nullptr);
  EXPECT_EQ(Folded(park->profile, 1).begin()->second, 7000000);  // 7 ms at 1000 ticks/s.
}

TEST(JfrTest, ContextsOfTheLabelsPartBecomeSampleLabels) {
  Writer w = Basic();
  w.WallClock(1, 1, 7, 0xabc, 3);
  w.WallClock(1, 2, 8, 0, 0);
  JfrLabels labels;
  labels.strings = {{1, "endpoint"}, {2, "/checkout"}, {3, "POST /checkout"}, {4, "/cart"}};
  labels.contexts[7] = {{1, 2}};
  labels.contexts[8] = {{1, 4}};
  Result<JfrResult> r = ParseJfr(w.Chunk(), &labels, kOptions);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const model::Profile& p = Find(*r, "wall", "wall")->profile;
  const std::string stack = "com/example/App.main;com/example/App.work";
  EXPECT_EQ(Folded(p, 0, "endpoint"),
            (std::map<std::string, int64_t>{{stack + " /checkout", 10000000},
                                            {stack + " /cart", 20000000}}));
  EXPECT_EQ(Folded(p, 0, "profile_id").count(stack + " 0000000000000abc"), 1u);
  EXPECT_EQ(Folded(p, 0, "span_name").count(stack + " POST /checkout"), 1u);
}

TEST(JfrTest, SeveralChunksAddUp) {
  Writer w = Basic();
  w.ExecutionSample(1, 1);
  const std::string chunk = w.Chunk();
  Result<JfrResult> r = ParseJfr(chunk + chunk + chunk, nullptr, kOptions);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  int64_t total = 0;
  for (const auto& [stack, v] : Folded(r->profiles[0].profile)) total += v;
  EXPECT_EQ(total, 3 * kOptions.period_nanos);
}

TEST(JfrTest, GeneratedClassNamesMerge) {
  EXPECT_EQ(jfr::MergeGeneratedClassName("Foo$$Lambda$14/0x0000000800c03000"), "Foo$$Lambda_");
  EXPECT_EQ(jfr::MergeGeneratedClassName("Fib$$Lambda.0x00007ffa600c4da0"), "Fib$$Lambda_");
  EXPECT_EQ(jfr::MergeGeneratedClassName("a/B$$Lambda669"), "a/B$$Lambda_");
  EXPECT_EQ(jfr::MergeGeneratedClassName("a/B$$Lambda$669"), "a/B$$Lambda$669");  // As Pyroscope.
  EXPECT_EQ(jfr::MergeGeneratedClassName("jdk/internal/reflect/GeneratedMethodAccessor31"),
            "jdk/internal/reflect/GeneratedMethodAccessor_");
  EXPECT_EQ(jfr::MergeGeneratedClassName("a/B$$LambdaForm"), "a/B$$LambdaForm");
  EXPECT_EQ(jfr::MergeGeneratedClassName("java/lang/Thread"), "java/lang/Thread");
}

TEST(JfrTest, ExtractedNativeLibraryNamesMerge) {
  EXPECT_EQ(jfr::MergeGeneratedClassName("libzstd-jni-1.5.1-16931311898282279136.so"),
            "libzstd-jni-_.so");
  EXPECT_EQ(jfr::MergeGeneratedClassName("/tmp/libzstd-jni-1.5.5-4.so (deleted)"),
            "libzstd-jni-_.so");
  EXPECT_EQ(jfr::MergeGeneratedClassName("./tmp/libamazonCorrettoCryptoProvider109b39cf33c563eb.so"),
            "libamazonCorrettoCryptoProvider_.so");
  EXPECT_EQ(jfr::MergeGeneratedClassName(
                "./tmp/amazonCorrettoCryptoProviderNativeLibraries.7382c2f79097f415/libcrypto.so (deleted)"),
            "libamazonCorrettoCryptoProvider_.so");
  EXPECT_EQ(jfr::MergeGeneratedClassName(
                "/tmp/libasyncProfiler-linux-x64-17b9a1d8156277a98ccc871afa9a8f69215f92.so"),
            "libasyncProfiler-_.so");
  EXPECT_EQ(jfr::MergeGeneratedClassName("libasyncProfiler-macos-0123abcd.so"), "libasyncProfiler-_.so");
  // Not extracted copies: kept.
  EXPECT_EQ(jfr::MergeGeneratedClassName("libc.so.6"), "libc.so.6");
  EXPECT_EQ(jfr::MergeGeneratedClassName("libasyncProfiler.so"), "libasyncProfiler.so");
  EXPECT_EQ(jfr::MergeGeneratedClassName("libzstd-jni-1.5.1-x.so"), "libzstd-jni-1.5.1-x.so");
  EXPECT_EQ(jfr::MergeGeneratedClassName("libasyncProfiler-linux-x64-xyz.so"),
            "libasyncProfiler-linux-x64-xyz.so");
  EXPECT_EQ(jfr::MergeGeneratedClassName("libamazonCorrettoCryptoProvider12.so"),
            "libamazonCorrettoCryptoProvider12.so");
}

void ExpectMalformed(std::string_view recording, std::string_view message) {
  Result<JfrResult> r = ParseJfr(recording, nullptr, kOptions);
  EXPECT_THAT(r.status(), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr(message));
}

TEST(JfrTest, BrokenRecordingsAreNamedErrors) {
  Writer w = Basic();
  w.ExecutionSample(1, 1);
  const std::string good = w.Chunk();
  ExpectMalformed("", "empty");
  std::string bad = good;
  bad[0] = 'X';
  ExpectMalformed(bad, "wrong magic");
  ExpectMalformed(good.substr(0, good.size() / 2), "does not fit");
  ExpectMalformed(good.substr(0, 40), "68 bytes");
  bad = good;
  bad[23] = 0x7f;  // Constant pool offset, low byte of 8: far past the end.
  bad[20] = 0x7f;
  ExpectMalformed(bad, "outside the chunk");
  bad = good;
  bad[6] = 0;  // Version 9.1.
  bad[5] = 9;
  ExpectMalformed(bad, "unsupported version");
}

TEST(JfrTest, AReferenceToNoStackTraceIsAnError) {
  Writer w = Basic();
  w.ExecutionSample(99, 1);
  ExpectMalformed(w.Chunk(), "stack trace 99");
}

TEST(JfrTest, AnUnknownStringEncodingIsAnError) {
  Writer w = Basic();
  std::string body;
  w.Long(body, 1);
  w.Long(body, 1);
  body += '\x09';  // Encoding 9 does not exist.
  w.RawEvent(jfr::testing::kActiveSetting, body);
  ExpectMalformed(w.Chunk(), "unknown string encoding 9");
}

TEST(JfrTest, HugeCountsFailWithoutAllocating) {
  Writer w = Basic();
  std::string body;
  w.Long(body, 1);
  w.Long(body, 1);
  body += '\x03';
  w.Int(body, 0x7fffffff);  // A 2 GiB string in a few bytes.
  w.RawEvent(jfr::testing::kActiveSetting, body);
  ExpectMalformed(w.Chunk(), "jdk.ActiveSetting event is truncated");
}

TEST(JfrTest, DeeplyNestedMetadataIsAnError) {
  Writer w;
  std::string tree;
  for (int i = 0; i < 1000; ++i) {
    w.Int(tree, 0);  // Name "root", no attributes, one child.
    w.Int(tree, 0);
    w.Int(tree, 1);
  }
  std::string body;
  w.Long(body, 0);
  w.Long(body, 0);
  w.Long(body, 0);
  w.Long(body, 0);
  w.Int(body, 1);
  w.Utf8(body, "root");
  std::string meta;
  w.Int(meta, static_cast<int64_t>(2 + body.size() + tree.size() + 2));
  // Rebuild a chunk whose metadata offset points at this event.
  std::string chunk = Basic().Chunk();
  const size_t at = chunk.size();
  std::string event;
  std::string payload = body + tree;
  for (size_t width = 1;; ++width) {
    std::string size;
    w.Int(size, static_cast<int64_t>(width + payload.size()));
    if (size.size() == width) {
      event = size + payload;
      break;
    }
  }
  chunk += event;
  auto put = [&](size_t offset, uint64_t v) {
    for (int i = 7; i >= 0; --i) chunk[offset + 7 - i] = static_cast<char>(v >> (8 * i));
  };
  put(8, chunk.size());
  put(24, at);
  ExpectMalformed(chunk, "nested deeper");
}

// Recordings written by the JDK (src/ingest/testdata/jfr/regenerate.sh), with the totals the
// JDK's own `jfr print --json` gives for them.
std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(FLAMEDB_SOURCE_DIR) + "/src/ingest/testdata/jfr/" + name,
                   std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

void ExpectTotalsOf(const std::string& recording, const JfrLabels* labels,
                    const std::string& expected_file) {
  const nlohmann::json expected = nlohmann::json::parse(ReadFixture(expected_file));
  const int64_t period = expected["periodNanos"].get<int64_t>();
  Result<JfrResult> r = ParseJfr(recording, labels, {.period_nanos = period});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::map<std::string, int64_t> totals;
  for (const JfrProfile& jp : r->profiles) {
    const model::Profile& p = jp.profile;
    for (size_t c = 0; c < p.sample_types.size(); ++c) {
      const std::string id = jp.metric + ":" + std::string(p.String(p.sample_types[c].type)) + ":" +
                             std::string(p.String(p.sample_types[c].unit)) + ":" +
                             std::string(p.String(p.period_type.type)) + ":" +
                             std::string(p.String(p.period_type.unit));
      for (const model::Sample& s : p.samples) totals[id] += p.Values(s)[c];
    }
  }
  std::map<std::string, int64_t> want;
  for (const auto& [id, total] : expected["totals"].items()) want[id] = total.get<int64_t>();
  EXPECT_EQ(totals, want) << expected_file;
}

TEST(JfrFixtureTest, JdkRecordingTotalsEqualWhatTheJdkCounts) {
  ExpectTotalsOf(ReadFixture("jdk-events.jfr"), nullptr, "jdk-events.expected.json");
}

TEST(JfrFixtureTest, TwoChunksOfTwoJvmsEachReadOnTheirOwn) {
  Result<std::string> plain = base::GunzipCapped(ReadFixture("multichunk.jfr.gz"), 1 << 24);
  ASSERT_TRUE(plain.ok());
  ExpectTotalsOf(*plain, nullptr, "multichunk.expected.json");
}

TEST(JfrFixtureTest, CustomEventsWithTheirLabelsSnapshot) {
  const std::string snapshot = ReadFixture("wallclock.labels.pb");
  Result<JfrLabels> labels = ParseJfrLabels(snapshot);
  ASSERT_TRUE(labels.ok()) << labels.status().ToString();
  ExpectTotalsOf(ReadFixture("wallclock.jfr"), &*labels, "wallclock.expected.json");
}

TEST(JfrLabelsTest, DecodesAndRejects) {
  // contexts {7: {labels {1: 2}}}, strings {1: "k", 2: "v"}
  const std::string good("\x0a\x0a\x08\x07\x12\x06\x0a\x04\x08\x01\x10\x02"
                         "\x12\x05\x08\x01\x12\x01k\x12\x05\x08\x02\x12\x01v", 26);
  Result<JfrLabels> r = ParseJfrLabels(good);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->contexts.at(7).size(), 1u);
  EXPECT_EQ(r->contexts.at(7)[0], (std::pair<int64_t, int64_t>{1, 2}));
  EXPECT_EQ(r->strings.at(1), "k");
  EXPECT_EQ(r->strings.at(2), "v");
  EXPECT_THAT(ParseJfrLabels("\xff\xff").status(), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace flamedb::ingest
