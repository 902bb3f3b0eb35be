// The greatest common divisor of a run of values, as the block format and the head's packed
// rows store values: CPU values are multiples of the sampling period, so dividing by it first
// makes most of them one-byte varints.
#pragma once

#include <cstdint>
#include <numeric>

namespace flamedb::base {

// Feed values with Add(); divisor() is their gcd, or 1 when they are all 0 (or only INT64_MIN).
class CommonDivisor {
 public:
  void Add(int64_t v) {
    const uint64_t magnitude = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    // Most values are multiples of the divisor found so far: one modulo, not a gcd loop.
    if (divisor_ == 1 || (divisor_ != 0 && magnitude % divisor_ == 0)) return;
    divisor_ = std::gcd(divisor_, magnitude);
  }
  uint64_t divisor() const {
    return divisor_ == 0 || divisor_ > static_cast<uint64_t>(INT64_MAX) ? 1 : divisor_;
  }

 private:
  uint64_t divisor_ = 0;
};

}  // namespace flamedb::base
