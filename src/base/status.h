// Status and Result<T>: how every fallible function in the project reports failure.
#pragma once

#include <cassert>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace flamedb {

// Same numbering and meaning as the gRPC / Connect canonical codes, so the API layer maps a
// Status to a wire error without special cases.
enum class StatusCode : uint8_t {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// Returns the Connect name of `code` ("invalid_argument", ...), as used on the wire.
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK.
  Status(StatusCode code, std::string message);

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return ok() ? StatusCode::kOk : rep_->code; }
  std::string_view message() const { return ok() ? std::string_view() : rep_->message; }
  // "invalid_argument: message", or "ok".
  std::string ToString() const;

  // Returns this status with "`context`: " put in front of the message. OK stays OK.
  Status WithContext(std::string_view context) const;

  // A machine-readable classification beside the message, such as the `reason` label under
  // which a rejected profile is counted ("malformed_profile"). Empty unless set; OK has none.
  std::string_view tag() const { return ok() ? std::string_view() : rep_->tag; }
  Status WithTag(std::string_view tag) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct Rep {
    StatusCode code;
    std::string message;
    std::string tag;
  };
  std::shared_ptr<const Rep> rep_;  // Null when OK; immutable, so copies share it.
};

inline Status OkStatus() { return Status(); }
inline Status CancelledError(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
inline Status InvalidArgumentError(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status DeadlineExceededError(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status ResourceExhaustedError(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status FailedPreconditionError(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status UnimplementedError(std::string m) {
  return {StatusCode::kUnimplemented, std::move(m)};
}
inline Status OutOfRangeError(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
inline Status PermissionDeniedError(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DataLossError(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status UnauthenticatedError(std::string m) {
  return {StatusCode::kUnauthenticated, std::move(m)};
}

// Either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  // REQUIRES: ok().
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

namespace internal {
inline Status AsStatus(Status s) { return s; }
template <typename T>
Status AsStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

}  // namespace flamedb

#define FLAMEDB_CONCAT_INNER(a, b) a##b
#define FLAMEDB_CONCAT(a, b) FLAMEDB_CONCAT_INNER(a, b)

// Returns the status of `expr` (a Status or Result<T>) from the calling function if it is not OK.
#define FLAMEDB_RETURN_IF_ERROR(expr)                                               \
  do {                                                                              \
    if (::flamedb::Status flamedb_status = ::flamedb::internal::AsStatus((expr));   \
        !flamedb_status.ok()) {                                                     \
      return flamedb_status;                                                        \
    }                                                                               \
  } while (false)

// Evaluates `rexpr` (a Result<T>); on error returns its status, otherwise moves the value
// into `lhs` (a declaration such as `auto x` or an existing variable).
#define FLAMEDB_ASSIGN_OR_RETURN(lhs, rexpr) \
  FLAMEDB_ASSIGN_OR_RETURN_IMPL(FLAMEDB_CONCAT(flamedb_result_, __LINE__), lhs, rexpr)
#define FLAMEDB_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                  \
  if (!tmp.ok()) {                                     \
    return std::move(tmp).status();                    \
  }                                                    \
  lhs = std::move(tmp).value()

// An invariant of our own code; always on. Never use it on external data.
#define FLAMEDB_CHECK(cond)                                               \
  do {                                                                    \
    if (!(cond)) {                                                        \
      ::flamedb::internal::CheckFailed(#cond, __FILE__, __LINE__);        \
    }                                                                     \
  } while (false)

namespace flamedb::internal {
[[noreturn]] void CheckFailed(const char* cond, const char* file, int line);
}  // namespace flamedb::internal
