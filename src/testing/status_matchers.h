// gMock matchers for Status and Result<T>: EXPECT_THAT(x, IsOk()), StatusIs(code).
#pragma once

#include <gmock/gmock.h>

#include "base/status.h"

namespace flamedb::testing {

namespace internal {
inline const Status& GetStatus(const Status& s) { return s; }
template <typename T>
const Status& GetStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

MATCHER(IsOk, "is OK") {
  const Status& s = internal::GetStatus(arg);
  if (!s.ok()) {
    *result_listener << "status is " << s.ToString();
  }
  return s.ok();
}

MATCHER_P(StatusIs, code, "has status code " + std::string(StatusCodeName(code))) {
  const Status& s = internal::GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code;
}

// Matches a non-OK status with `code` whose message contains `substring`.
MATCHER_P2(StatusIs, code, substring,
           "has status code " + std::string(StatusCodeName(code)) + " and a message containing \"" +
               std::string(substring) + "\"") {
  const Status& s = internal::GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code && s.message().find(substring) != std::string_view::npos;
}

// Matches an OK Result<T> whose value matches `inner` (a value or a matcher).
MATCHER_P(IsOkAndHolds, inner, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status().ToString();
    return false;
  }
  return ::testing::ExplainMatchResult(inner, *arg, result_listener);
}

}  // namespace flamedb::testing
