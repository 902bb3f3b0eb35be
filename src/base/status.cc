#include "base/status.h"

#include <array>
#include <cstdio>
#include <cstdlib>

namespace flamedb {

std::string_view StatusCodeName(StatusCode code) {
  static constexpr std::array<std::string_view, 17> kNames = {
      "ok",        "canceled",           "unknown",             "invalid_argument",
      "deadline_exceeded", "not_found",  "already_exists",      "permission_denied",
      "resource_exhausted", "failed_precondition", "aborted",   "out_of_range",
      "unimplemented", "internal",       "unavailable",         "data_loss",
      "unauthenticated"};
  const auto index = static_cast<size_t>(code);
  return index < kNames.size() ? kNames[index] : "unknown";
}

Status::Status(StatusCode code, std::string message) {
  if (code != StatusCode::kOk) {
    rep_ = std::make_shared<const Rep>(Rep{code, std::move(message), {}});
  }
}

std::string Status::ToString() const {
  if (ok()) {
    return "ok";
  }
  std::string out(StatusCodeName(code()));
  out += ": ";
  out += message();
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) {
    return *this;
  }
  std::string message(context);
  message += ": ";
  message += rep_->message;
  Status out;
  out.rep_ = std::make_shared<const Rep>(Rep{rep_->code, std::move(message), rep_->tag});
  return out;
}

Status Status::WithTag(std::string_view tag) const {
  if (ok()) {
    return *this;
  }
  Status out;
  out.rep_ = std::make_shared<const Rep>(Rep{rep_->code, rep_->message, std::string(tag)});
  return out;
}

namespace internal {
void CheckFailed(const char* cond, const char* file, int line) {
  std::fprintf(stderr, "FLAMEDB_CHECK failed: %s at %s:%d\n", cond, file, line);
  std::abort();
}
}  // namespace internal

}  // namespace flamedb
