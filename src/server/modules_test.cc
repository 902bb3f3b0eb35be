#include "server/modules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb::server {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

TEST(ModuleManagerTest, ReadyOnlyWhenEveryModuleRuns) {
  ModuleManager modules;
  modules.Add("server");
  modules.Add("ingester");

  EXPECT_THAT(modules.Ready(), StatusIs(StatusCode::kUnavailable,
                                        "Some services are not Running:\nStarting: [server "
                                        "ingester]\n"));
  modules.Set("server", ModuleState::kRunning);
  EXPECT_THAT(modules.Ready(),
              StatusIs(StatusCode::kUnavailable, "Starting: [ingester]\n"));
  modules.Set("ingester", ModuleState::kRunning);
  EXPECT_THAT(modules.Ready(), IsOk());
  modules.Set("server", ModuleState::kStopping);
  EXPECT_THAT(modules.Ready(), StatusIs(StatusCode::kUnavailable, "Stopping: [server]\n"));
}

TEST(ModuleManagerTest, NoModulesIsReady) {
  ModuleManager modules;
  EXPECT_THAT(modules.Ready(), IsOk());
}

}  // namespace
}  // namespace flamedb::server
