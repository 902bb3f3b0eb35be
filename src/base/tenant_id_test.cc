#include "base/tenant_id.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb::base {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

TEST(TenantIdTest, AcceptsTheAllowedCharacters) {
  for (std::string_view id : {"anonymous", "tenant-1", "a.b_c", "A!*'()", "x", "..a", "..."}) {
    EXPECT_THAT(ValidateTenantId(id), IsOk()) << id;
  }
  EXPECT_THAT(ValidateTenantId(std::string(150, 'a')), IsOk());
}

struct BadCase {
  std::string id;
  std::string_view message;
};

TEST(TenantIdTest, RejectsWhatCouldEscapeAPathOrConfuseParsers) {
  const BadCase cases[] = {
      {"", "empty"},
      {".", "not allowed"},
      {"..", "not allowed"},
      {"a/b", "'/'"},
      {"a\\b", "'\\'"},
      {"a b", "byte 0x20"},
      {"a|b", "'|'"},
      {"a:b", "':'"},
      {"t\xC3\xA9", "byte 0xc3"},
      {std::string("a\0b", 3), "byte 0x00"},
      {std::string(151, 'a'), "too long"},
  };
  for (const BadCase& c : cases) {
    EXPECT_THAT(ValidateTenantId(c.id), StatusIs(StatusCode::kInvalidArgument, c.message)) << c.id;
  }
}

}  // namespace
}  // namespace flamedb::base
