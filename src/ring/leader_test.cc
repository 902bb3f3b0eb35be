#include "ring/leader.h"

#include <gtest/gtest.h>

#include "etcd/test_env.h"
#include "testing/fake_clock.h"

namespace flamedb::ring {
namespace {

class LeaderTest : public ::testing::Test {
 protected:
  std::unique_ptr<LeaderElection> Candidate(std::string id) {
    return std::make_unique<LeaderElection>(*client_, key_, std::move(id), std::chrono::seconds(2),
                                            logger_);
  }
  testing::FakeClock clock_;
  base::Logger logger_{clock_, stderr, base::LogLevel::kError};
  std::unique_ptr<etcd::Client> client_ = etcd::TestClient();
  const std::string key_ = etcd::TestPrefix() + "leader/compactor";
};

TEST_F(LeaderTest, OneLeadsAndTheOtherTakesOverWhenItResigns) {
  auto a = Candidate("a");
  auto b = Candidate("b");
  EXPECT_TRUE(*a->Step());
  EXPECT_FALSE(*b->Step());
  EXPECT_EQ(b->leader(), "a");
  EXPECT_TRUE(*a->Step());  // Keeps it.
  a.reset();                // Resigns.
  EXPECT_TRUE(*b->Step());
  EXPECT_EQ(b->leader(), "b");
}

TEST_F(LeaderTest, ALeaderThatStopsRenewingLosesTheRoleWhenItsLeaseExpires) {
  auto a = Candidate("a");
  auto b = Candidate("b");
  ASSERT_TRUE(*a->Step());
  // `a` hangs (no more steps): within its 2 s TTL plus etcd's own tick, `b` takes over.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  bool took = false;
  while (!took && std::chrono::steady_clock::now() < deadline) {
    auto step = b->Step();
    ASSERT_TRUE(step.ok()) << step.status().ToString();
    took = *step;
    if (!took) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(took);
  auto again = a->Step();  // `a` wakes up: its lease is gone, and so is its role.
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_EQ(a->leader(), "b");
}

}  // namespace
}  // namespace flamedb::ring
