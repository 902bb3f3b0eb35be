// The real etcd that the etcd and ring tests run against (tests/servers/etcd), started once on
// first use and stopped at exit, and a key prefix of its own for each test.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "etcd/client.h"
#include "testing/test_servers.h"

namespace flamedb::etcd {

inline const testing::TestServer& EtcdServer() {
  static const std::unique_ptr<testing::TestServer> server = [] {
    auto s = testing::TestServer::Start("etcd", 2);
    if (!s.ok()) {
      ADD_FAILURE() << s.status().ToString();
      std::abort();
    }
    return std::move(*s);
  }();
  return *server;
}

inline std::unique_ptr<Client> TestClient() {
  auto c = Client::Connect({.endpoints = {EtcdServer().endpoint()},
                            .request_timeout = std::chrono::seconds(10)});
  if (!c.ok()) {
    ADD_FAILURE() << c.status().ToString();
    std::abort();
  }
  return std::move(*c);
}

// "/test-<n>/": keys of one test never meet another's.
inline std::string TestPrefix() {
  static std::atomic<int> next{0};
  return "/test-" + std::to_string(next++) + "/";
}

}  // namespace flamedb::etcd
