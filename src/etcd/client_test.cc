#include "etcd/client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "etcd/test_env.h"
#include "testing/test_servers.h"

namespace flamedb::etcd {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;

TEST(PrefixEndTest, IncrementsTheLastByteThatCan) {
  EXPECT_EQ(PrefixEnd("/a/"), "/a0");
  EXPECT_EQ(PrefixEnd(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixEnd(std::string("\xff\xff", 2)), std::string(1, '\0'));
}

TEST(ClientTest, PutGetAndDeleteBinaryKeysAndValues) {
  auto c = TestClient();
  const std::string key = TestPrefix() + std::string("k\0\xff", 3);
  const std::string value("v\0\x01\xfe", 4);
  ASSERT_TRUE(c->Put(key, value).ok());
  auto got = c->Get(key);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->value, value);
  EXPECT_EQ((*got)->version, 1);
  EXPECT_GT((*got)->mod_revision, 0);
  auto deleted = c->Delete(key);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 1);
  got = c->Get(key);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST(ClientTest, GetPrefixReadsOnlyThePrefixInKeyOrder) {
  auto c = TestClient();
  const std::string p = TestPrefix();
  for (const char* k : {"b", "a", "c"}) ASSERT_TRUE(c->Put(p + k, k).ok());
  ASSERT_TRUE(c->Put(p.substr(0, p.size() - 1) + "0", "outside").ok());  // Just past the prefix.
  auto range = c->GetPrefix(p);
  ASSERT_TRUE(range.ok()) << range.status().ToString();
  EXPECT_THAT(range->kvs, ElementsAre(Field(&KeyValue::value, "a"), Field(&KeyValue::value, "b"),
                                      Field(&KeyValue::value, "c")));
  EXPECT_GT(range->revision, 0);
  auto deleted = c->DeletePrefix(p);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 3);
}

TEST(ClientTest, TxnAppliesSuccessOnlyWhenEveryCompareHolds) {
  auto c = TestClient();
  const std::string p = TestPrefix();
  // Create-if-missing: the first wins, the second finds the key.
  auto first = c->Txn({Compare::Missing(p + "x")}, {Op::Put(p + "x", "1")});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->succeeded);
  auto second = c->Txn({Compare::Missing(p + "x")}, {Op::Put(p + "x", "2")},
                       {Op::Put(p + "lost", "yes")});
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->succeeded);
  EXPECT_EQ((*c->Get(p + "x"))->value, "1");
  EXPECT_EQ((*c->Get(p + "lost"))->value, "yes");  // The failure branch ran.

  // A swap fenced by the mod revision: a stale revision changes nothing.
  const int64_t rev = (*c->Get(p + "x"))->mod_revision;
  auto stale = c->Txn({Compare::ModRevision(p + "x", rev - 1)}, {Op::Delete(p + "x")});
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(stale->succeeded);
  auto swap = c->Txn({Compare::ModRevision(p + "x", rev), Compare::ValueIs(p + "x", "1"),
                      Compare::Exists(p + "lost")},
                     {Op::Delete(p + "x"), Op::Put(p + "y", "merged"), Op::DeletePrefix(p + "lo")});
  ASSERT_TRUE(swap.ok());
  EXPECT_TRUE(swap->succeeded);
  auto left = c->GetPrefix(p);
  ASSERT_TRUE(left.ok());
  EXPECT_THAT(left->kvs, ElementsAre(Field(&KeyValue::value, "merged")));
}

TEST(ClientTest, KeysUnderALeaseGoWithIt) {
  auto c = TestClient();
  const std::string key = TestPrefix() + "member";
  auto lease = c->GrantLease(std::chrono::seconds(5));
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  ASSERT_TRUE(c->Put(key, "me", *lease).ok());
  EXPECT_EQ((*c->Get(key))->lease, *lease);
  auto alive = c->KeepAlive(*lease);
  ASSERT_TRUE(alive.ok()) << alive.status().ToString();
  EXPECT_TRUE(*alive);
  ASSERT_TRUE(c->Revoke(*lease).ok());
  EXPECT_FALSE(c->Get(key)->has_value());
  alive = c->KeepAlive(*lease);
  ASSERT_TRUE(alive.ok());
  EXPECT_FALSE(*alive);  // Gone: the holder must register again.
  EXPECT_TRUE(c->Revoke(*lease).ok());  // Revoking what is gone is not an error.
}

// A watch from a revision sees every later put and delete under its prefix, in order, and
// nothing outside it; a revision compacted away is kOutOfRange.
TEST(ClientTest, WatchStreamsChangesFromARevision) {
  auto c = TestClient();
  const std::string p = TestPrefix();
  auto first = c->Put(p + "w/a", "1");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(c->Put(p + "w/b", "2").ok());
  ASSERT_TRUE(c->Put(p + "other", "x").ok());
  ASSERT_TRUE(c->Delete(p + "w/a").ok());
  auto last = c->Put(p + "w/c", "3");
  ASSERT_TRUE(last.ok());

  std::vector<std::string> seen;
  int64_t highest = 0;
  auto fn = [&](std::vector<WatchEvent> events) {
    for (const WatchEvent& e : events) {
      seen.push_back((e.deleted ? "-" : "+") + e.kv.key.substr(p.size()) + "=" + e.kv.value);
      highest = std::max(highest, e.kv.mod_revision);
    }
  };
  // Stops once it has seen the last change (the stream itself would run on).
  Status s = c->Watch(p + "w/", *first, fn, [&] { return highest >= *last; },
                      std::chrono::seconds(10));
  EXPECT_EQ(s.code(), StatusCode::kCancelled) << s.ToString();
  EXPECT_THAT(seen, ElementsAre("+w/a=1", "+w/b=2", "-w/a=", "+w/c=3"));

  ASSERT_TRUE(c->Compact(*last).ok());
  s = c->Watch(p + "w/", *first, fn, [] { return false; }, std::chrono::seconds(10));
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange) << s.ToString();
  // A stream with nothing to say ends after its time, OK.
  s = c->Watch(p + "w/", *last + 1, fn, [] { return false; }, std::chrono::milliseconds(300));
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(ClientTest, MovesOnToTheNextEndpointWhenOneIsDown) {
  const int dead = testing::FreePorts(1);
  auto c = Client::Connect({.endpoints = {"http://127.0.0.1:" + std::to_string(dead),
                                          EtcdServer().endpoint()},
                            .dial_timeout = std::chrono::seconds(1)});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE((*c)->Put(TestPrefix() + "k", "v").ok());
}

TEST(ClientTest, ConnectErrorsNameTheProblem) {
  auto none = Client::Connect({});
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
  auto bad = Client::Connect({.endpoints = {"127.0.0.1:2379"}});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), ::testing::HasSubstr("127.0.0.1:2379"));
  const int dead = testing::FreePorts(1);
  auto down = Client::Connect({.endpoints = {"http://127.0.0.1:" + std::to_string(dead)},
                               .dial_timeout = std::chrono::seconds(1)});
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace flamedb::etcd
