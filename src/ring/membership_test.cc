#include "ring/membership.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "etcd/test_env.h"

namespace flamedb::ring {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;

class MembershipTest : public ::testing::Test {
 protected:
  Member Self(std::string id, std::vector<std::string> targets = {"segment-writer"}) {
    return {std::move(id), "http://127.0.0.1:1", std::move(targets), 1765000000000};
  }
  MembershipOptions Options() { return {.prefix = prefix_, .ttl = std::chrono::seconds(3), .refresh = std::chrono::seconds(1)}; }

  // Reads the members until `done` holds or 15 s pass (etcd expires leases in its own time).
  bool WaitFor(Membership& m, const std::function<bool(const std::vector<Member>&)>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      if (!m.Refresh().ok()) return false;
      if (done(m.Members())) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  base::RealClock clock_;
  base::Logger logger_{clock_, stderr, base::LogLevel::kError};
  std::unique_ptr<etcd::Client> client_ = etcd::TestClient();
  const std::string prefix_ = etcd::TestPrefix();
};

TEST_F(MembershipTest, MembersSeeEachOtherAndLeaveAtOnce) {
  auto a = Membership::Start(*client_, Self("a", {"distributor"}), Options(), logger_);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto b = Membership::Start(*client_, Self("b"), Options(), logger_);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_TRUE((*a)->Refresh().ok());
  EXPECT_THAT((*a)->Members(), ElementsAre(Field(&Member::id, "a"), Field(&Member::id, "b")));
  EXPECT_THAT((*a)->Members("segment-writer"), ElementsAre((*b)->self()));
  b->reset();  // A clean stop revokes the lease: gone without waiting for the TTL.
  ASSERT_TRUE((*a)->Refresh().ok());
  EXPECT_THAT((*a)->Members("segment-writer"), IsEmpty());
}

TEST_F(MembershipTest, ADuplicateIdIsRefusedWhileItLives) {
  auto a = Membership::Start(*client_, Self("same"), Options(), logger_);
  ASSERT_TRUE(a.ok());
  auto b = Membership::Start(*client_, Self("same"), Options(), logger_);  // Waits 2 TTLs.
  EXPECT_EQ(b.status().code(), StatusCode::kAlreadyExists);
}

TEST_F(MembershipTest, ARestartAfterACrashTakesItsIdOnceTheOldLeaseExpires) {
  // The previous life of "w": registered, then killed (its lease is never renewed).
  auto lease = client_->GrantLease(std::chrono::seconds(2));
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE(client_->Put(MembersPrefix(prefix_) + "w", EncodeMember(Self("w")), *lease).ok());
  auto restarted = Membership::Start(*client_, Self("w"), Options(), logger_);
  ASSERT_TRUE(restarted.ok()) << restarted.status().ToString();
  EXPECT_NE((*client_->Get(MembersPrefix(prefix_) + "w"))->lease, *lease);
}

TEST_F(MembershipTest, AMemberThatStopsRenewingExpires) {
  auto watcher = Membership::Start(*client_, Self("watcher"), Options(), logger_);
  ASSERT_TRUE(watcher.ok());
  // A process killed with -9: registered under a lease that nobody renews.
  auto lease = client_->GrantLease(std::chrono::seconds(2));
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE(client_->Put(MembersPrefix(prefix_) + "killed", EncodeMember(Self("killed")), *lease).ok());
  ASSERT_TRUE((*watcher)->Refresh().ok());
  EXPECT_EQ((*watcher)->Members().size(), 2u);
  EXPECT_TRUE(WaitFor(**watcher, [](const std::vector<Member>& m) { return m.size() == 1; }));
  EXPECT_THAT((*watcher)->Members(), ElementsAre(Field(&Member::id, "watcher")));
}

TEST_F(MembershipTest, ALostLeaseRegistersAgain) {
  auto a = Membership::Start(*client_, Self("a"), Options(), logger_);
  ASSERT_TRUE(a.ok());
  auto renewed = (*a)->Renew();
  ASSERT_TRUE(renewed.ok());
  EXPECT_FALSE(*renewed);
  // etcd lost the lease (unreachable longer than the TTL, say): the key is gone.
  auto kv = client_->Get(MembersPrefix(prefix_) + "a");
  ASSERT_TRUE(kv.ok() && kv->has_value());
  ASSERT_TRUE(client_->Revoke((*kv)->lease).ok());
  ASSERT_TRUE((*a)->Refresh().ok());
  EXPECT_THAT((*a)->Members(), IsEmpty());
  renewed = (*a)->Renew();
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  EXPECT_TRUE(*renewed);
  ASSERT_TRUE((*a)->Refresh().ok());
  EXPECT_THAT((*a)->Members(), ElementsAre((*a)->self()));
}

TEST_F(MembershipTest, MalformedRecordsAreSkipped) {
  ASSERT_TRUE(client_->Put(MembersPrefix(prefix_) + "junk", "{not json").ok());
  auto a = Membership::Start(*client_, Self("a"), Options(), logger_);
  ASSERT_TRUE(a.ok());
  EXPECT_THAT((*a)->Members(), ElementsAre(Field(&Member::id, "a")));
  EXPECT_EQ(DecodeMember("{\"id\":1}").status().code(), StatusCode::kDataLoss);
  auto round = DecodeMember(EncodeMember(Self("x", {"a", "b"})));
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(*round, Self("x", {"a", "b"}));
}

TEST_F(MembershipTest, OptionsOutOfRangeAreRefused) {
  auto bad = Membership::Start(*client_, Self("a"), {.prefix = prefix_, .ttl = std::chrono::seconds(3),
                                                      .refresh = std::chrono::seconds(2)},
                               logger_);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flamedb::ring
