// The greatest common divisor of a run of values, as the block format and the head's packed
// rows store values: CPU values are multiples of the sampling period, so dividing by it first
// makes most of them one-byte varints.
#pragma once

#include <bit>
#include <cstdint>
#include <numeric>

namespace flamedb::base {

// Division by a fixed divisor of values it divides exactly, without a division instruction
// (tens of cycles, once per sample on the ingest and cut paths): a shift by the divisor's
// power of two, then a multiplication by the inverse of its odd part modulo 2^64. The
// divisibility test is Granlund and Montgomery's: m * inverse <= (2^64 - 1) / odd.
class ExactDivider {
 public:
  // REQUIRES: d > 0.
  explicit ExactDivider(uint64_t d)
      : shift_(std::countr_zero(d)),
        low_mask_((uint64_t{1} << shift_) - 1),
        inverse_(Inverse(d >> shift_)),
        limit_(UINT64_MAX / (d >> shift_)) {}

  bool Divides(uint64_t m) const {
    return (m & low_mask_) == 0 && (m >> shift_) * inverse_ <= limit_;
  }
  // v / d. REQUIRES: d divides v.
  int64_t Divide(int64_t v) const {
    return static_cast<int64_t>(static_cast<uint64_t>(v >> shift_) * inverse_);
  }

 private:
  // Newton's iteration: x = odd is right to 3 bits, and each step doubles them (3 ... 96).
  static uint64_t Inverse(uint64_t odd) {
    uint64_t x = odd;
    for (int i = 0; i < 5; ++i) x *= 2 - odd * x;
    return x;
  }

  int shift_;
  uint64_t low_mask_;
  uint64_t inverse_;
  uint64_t limit_;
};

// Feed values with Add(); divisor() is their gcd, or 1 when they are all 0 (or only INT64_MIN).
class CommonDivisor {
 public:
  void Add(int64_t v) {
    const uint64_t magnitude = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    // Most values are multiples of the divisor found so far: one test, not a gcd loop.
    if (divisor_ == 1 || (divisor_ != 0 && test_.Divides(magnitude))) return;
    divisor_ = std::gcd(divisor_, magnitude);
    if (divisor_ != 0) test_ = ExactDivider(divisor_);
  }
  uint64_t divisor() const {
    return divisor_ == 0 || divisor_ > static_cast<uint64_t>(INT64_MAX) ? 1 : divisor_;
  }

 private:
  uint64_t divisor_ = 0;
  ExactDivider test_{1};
};

}  // namespace flamedb::base
