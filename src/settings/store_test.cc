#include "settings/store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <ostream>
#include <thread>
#include <vector>

#include "objstore/forwarding_bucket.h"
#include "objstore/memory_bucket.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"

namespace flamedb::settings {

// Readable failure messages (found by gtest through argument-dependent lookup).
void PrintTo(const Setting& s, std::ostream* os) {
  *os << "{" << s.name << ", " << s.value << ", " << s.modified_at_ms << "}";
}

namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// FakeClock's start, 2026-01-02T03:04:05Z, in Unix milliseconds.
constexpr int64_t kNowMs = 1767323045000;

// A MemoryBucket whose puts fail on demand.
class FailingPutBucket final : public objstore::ForwardingBucket {
 public:
  FailingPutBucket() : ForwardingBucket(std::make_unique<objstore::MemoryBucket>()) {}
  Status Put(std::string_view key, std::string_view data) override {
    if (fail_puts_) {
      return UnavailableError("injected put failure");
    }
    return ForwardingBucket::Put(key, data);
  }
  Status PutFile(std::string_view key, const std::string& path) override {
    return Bucket::PutFile(key, path);  // Through Put, so that it fails alike.
  }
  std::string Describe() const override { return "failing memory"; }

  void set_fail_puts(bool fail) { fail_puts_ = fail; }

 private:
  bool fail_puts_ = false;
};

// The settings of `tenant`; none, with a test failure, when Get fails.
std::vector<Setting> SettingsOf(Store& store, std::string_view tenant) {
  Result<std::vector<Setting>> got = store.Get(tenant);
  EXPECT_THAT(got, IsOk());
  return got.ok() ? *got : std::vector<Setting>();
}

class StoreTest : public ::testing::Test {
 protected:
  objstore::MemoryBucket bucket_;
  testing::FakeClock clock_;
  Store store_{bucket_, clock_};
};

TEST_F(StoreTest, GetReturnsWhatWasSetSortedByName) {
  ASSERT_THAT(store_.Set("t", {"zeta", "1", 100}), IsOk());
  ASSERT_THAT(store_.Set("t", {"alpha", "2", 200}), IsOk());

  Result<std::vector<Setting>> got = store_.Get("t");

  ASSERT_THAT(got, IsOk());
  EXPECT_THAT(*got, ElementsAre(Setting{"alpha", "2", 200}, Setting{"zeta", "1", 100}));
}

TEST_F(StoreTest, TenantWithoutSettingsHasNone) {
  Result<std::vector<Setting>> got = store_.Get("t");

  ASSERT_THAT(got, IsOk());
  EXPECT_THAT(*got, IsEmpty());
}

TEST_F(StoreTest, SetReplacesTheSettingOfTheSameName) {
  ASSERT_THAT(store_.Set("t", {"pluginSettings", "old", 100}), IsOk());

  Result<Setting> set = store_.Set("t", {"pluginSettings", "new", 200});

  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(*set, (Setting{"pluginSettings", "new", 200}));
  EXPECT_THAT(SettingsOf(store_, "t"), ElementsAre(Setting{"pluginSettings", "new", 200}));
}

TEST_F(StoreTest, ModifiedAtZeroOrNegativeUsesTheClock) {
  clock_.Advance(std::chrono::milliseconds(7));
  for (const int64_t modified_at : {int64_t{0}, int64_t{-5}}) {
    Result<Setting> set = store_.Set("t", {"s", "v", modified_at});

    ASSERT_THAT(set, IsOk());
    EXPECT_EQ(set->modified_at_ms, kNowMs + 7) << "modifiedAt " << modified_at;
    EXPECT_THAT(SettingsOf(store_, "t"), ElementsAre(Setting{"s", "v", kNowMs + 7}));
  }
}

TEST_F(StoreTest, SettingsSurviveANewStoreOnTheSameBucket) {
  const std::string value = "{\"a\":[1,2],\"quote\":\"\\\"\",\"nl\":\"\n\",\"u\":\"\xC3\xA9\"}";
  ASSERT_THAT(store_.Set("t", {"pluginSettings", value, 100}), IsOk());
  ASSERT_THAT(store_.Set("t", {"gone", "x", 100}), IsOk());
  ASSERT_THAT(store_.Delete("t", "gone"), IsOk());

  Store reopened(bucket_, clock_);
  Result<std::vector<Setting>> got = reopened.Get("t");

  ASSERT_THAT(got, IsOk());
  EXPECT_THAT(*got, ElementsAre(Setting{"pluginSettings", value, 100}));
  EXPECT_EQ(SettingsKey("t"), "t/settings/settings.json");
  EXPECT_TRUE(*bucket_.Exists(SettingsKey("t")));
}

TEST_F(StoreTest, TenantsAreIsolated) {
  ASSERT_THAT(store_.Set("a", {"s", "for a", 100}), IsOk());

  EXPECT_THAT(SettingsOf(store_, "b"), IsEmpty());
  ASSERT_THAT(store_.Delete("b", "s"), IsOk());
  EXPECT_THAT(SettingsOf(store_, "a"), ElementsAre(Setting{"s", "for a", 100}));
}

TEST_F(StoreTest, OlderWriteIsAlreadyExistsNamingTheSetting) {
  ASSERT_THAT(store_.Set("t", {"pluginSettings", "newer", 200}), IsOk());

  Result<Setting> stale = store_.Set("t", {"pluginSettings", "older", 199});

  EXPECT_THAT(stale, StatusIs(StatusCode::kAlreadyExists,
                              "failed to update pluginSettings: newer update already written"));
  EXPECT_THAT(SettingsOf(store_, "t"), ElementsAre(Setting{"pluginSettings", "newer", 200}));
}

TEST_F(StoreTest, WriteWithTheSameModifiedAtIsAccepted) {
  ASSERT_THAT(store_.Set("t", {"s", "first", 200}), IsOk());

  EXPECT_THAT(store_.Set("t", {"s", "again", 200}), IsOk());
  EXPECT_THAT(SettingsOf(store_, "t"), ElementsAre(Setting{"s", "again", 200}));
}

TEST_F(StoreTest, EmptyNameIsInvalidArgument) {
  EXPECT_THAT(store_.Set("t", {"", "v", 100}), StatusIs(StatusCode::kInvalidArgument, "name"));
  EXPECT_THAT(store_.Delete("t", ""), StatusIs(StatusCode::kInvalidArgument, "name"));
  EXPECT_FALSE(*bucket_.Exists(SettingsKey("t")));
}

TEST_F(StoreTest, InvalidUtf8IsInvalidArgument) {
  EXPECT_THAT(store_.Set("t", {"s", "bad \xFF byte", 100}),
              StatusIs(StatusCode::kInvalidArgument, "UTF-8"));
  EXPECT_THAT(store_.Set("t", {"bad \xC0", "v", 100}),
              StatusIs(StatusCode::kInvalidArgument, "UTF-8"));
}

TEST_F(StoreTest, TenantThatCannotBeAKeyIsInvalidArgument) {
  EXPECT_THAT(store_.Get(""), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(store_.Set(".flamedb-tmp-x", {"s", "v", 1}), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(StoreTest, DeleteRemovesTheSettingAndAMissingOneIsOk) {
  ASSERT_THAT(store_.Set("t", {"a", "1", 100}), IsOk());
  ASSERT_THAT(store_.Set("t", {"b", "2", 100}), IsOk());

  ASSERT_THAT(store_.Delete("t", "a"), IsOk());
  ASSERT_THAT(store_.Delete("t", "never-set"), IsOk());

  EXPECT_THAT(SettingsOf(store_, "t"), ElementsAre(Setting{"b", "2", 100}));
  Store reopened(bucket_, clock_);
  EXPECT_THAT(SettingsOf(reopened, "t"), ElementsAre(Setting{"b", "2", 100}));
}

TEST_F(StoreTest, DamagedObjectIsDataLoss) {
  const char* const kDamaged[] = {
      "",
      "{\"version\":1,\"settings\":[",
      "[]",
      "{\"settings\":[]}",
      "{\"version\":1}",
      "{\"version\":1,\"settings\":[1]}",
      "{\"version\":1,\"settings\":[{\"value\":\"v\",\"modifiedAt\":1}]}",
      "{\"version\":1,\"settings\":[{\"name\":\"s\",\"modifiedAt\":1}]}",
      "{\"version\":1,\"settings\":[{\"name\":\"s\",\"value\":\"v\",\"modifiedAt\":\"1\"}]}",
      "{\"version\":1,\"settings\":[{\"name\":\"s\",\"value\":\"v\",\"modifiedAt\":1.5}]}",
      "{\"version\":1,\"settings\":[{\"name\":\"s\",\"value\":\"v\","
      "\"modifiedAt\":18446744073709551615}]}",
      "{\"version\":1,\"settings\":[{\"name\":\"s\",\"value\":\"v\",\"modifiedAt\":1},"
      "{\"name\":\"s\",\"value\":\"w\",\"modifiedAt\":2}]}",
      "{\"version\":1,\"settings\":[{\"name\":\"s\",\"value\":\"\xFF\",\"modifiedAt\":1}]}",
  };
  for (const char* damaged : kDamaged) {
    objstore::MemoryBucket bucket;
    ASSERT_THAT(bucket.Put(SettingsKey("t"), damaged), IsOk());
    Store store(bucket, clock_);

    EXPECT_THAT(store.Get("t"), StatusIs(StatusCode::kDataLoss, "settings object t/settings"))
        << damaged;
    // A write must not replace settings it could not read.
    EXPECT_THAT(store.Set("t", {"s", "v", 1}), StatusIs(StatusCode::kDataLoss)) << damaged;
    EXPECT_THAT(store.Delete("t", "s"), StatusIs(StatusCode::kDataLoss)) << damaged;
    EXPECT_EQ(*bucket.Get(SettingsKey("t")), damaged);
  }
}

TEST_F(StoreTest, NewerFormatVersionIsFailedPrecondition) {
  ASSERT_THAT(bucket_.Put(SettingsKey("t"), "{\"version\":2,\"settings\":[]}"), IsOk());

  EXPECT_THAT(store_.Get("t"), StatusIs(StatusCode::kFailedPrecondition, "format version 2"));
}

TEST(StoreFaultTest, FailedWriteKeepsThePreviousSettings) {
  FailingPutBucket bucket;
  testing::FakeClock clock;
  Store store(bucket, clock);
  ASSERT_THAT(store.Set("t", {"s", "kept", 100}), IsOk());
  bucket.set_fail_puts(true);

  EXPECT_THAT(store.Set("t", {"s", "lost", 200}), StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(store.Delete("t", "s"), StatusIs(StatusCode::kUnavailable));

  EXPECT_THAT(SettingsOf(store, "t"), ElementsAre(Setting{"s", "kept", 100}));
}

TEST_F(StoreTest, ConcurrentSetsOfOneTenantAreAllKept) {
  constexpr int kThreads = 4;
  constexpr int kSetsPerThread = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kSetsPerThread; ++i) {
        const std::string name = "s" + std::to_string(t) + "_" + std::to_string(i);
        EXPECT_THAT(store_.Set("t", {name, "v", 0}), IsOk());
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  Store reopened(bucket_, clock_);

  EXPECT_THAT(SettingsOf(reopened, "t"), SizeIs(kThreads * kSetsPerThread));
}

}  // namespace
}  // namespace flamedb::settings
