// The write-ahead log: durable, CRC-checked records in numbered segment files, with group commit
// and crash recovery. Format and recovery rules: docs/wal-format.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/logging.h"
#include "base/metrics.h"
#include "base/status.h"

namespace flamedb::wal {

enum class SyncPolicy : uint8_t { kAlways, kNone };

struct WalOptions {
  std::string dir;
  uint64_t segment_bytes = 128 << 20;
  SyncPolicy sync = SyncPolicy::kAlways;
  // New segments are numbered at least this: blocks record the segment their data ends
  // before, so numbers must never go back even when every segment was deleted.
  uint64_t min_segment = 1;
};

inline constexpr uint64_t kMaxRecordBytes = 256 << 20;

// Where a record lives: appends return it, and Truncate takes a segment number from it.
struct Position {
  uint64_t segment = 0;
  uint64_t offset = 0;
};

// A log of opaque records. Thread-safe: Append may be called concurrently (group commit).
// Shutdown: stop appending, then destroy (closes the current segment; data already synced).
class Wal {
 public:
  // Opens (creating) the directory and starts a new segment after the existing ones; call
  // Replay first to read what they hold. Errors: kFailedPrecondition (directory unusable).
  static Result<std::unique_ptr<Wal>> Open(const WalOptions& options, base::Logger& logger,
                                           base::MetricsRegistry& metrics);
  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Calls `fn` for every intact record of the existing segments, in order, repairing torn tails
  // and quarantining corruption as the format says. Errors: what `fn` returns, or kInternal for
  // I/O errors. REQUIRES: called before the first Append.
  Status Replay(const std::function<Status(std::string_view record, Position at)>& fn);

  // Appends `record`; with SyncPolicy::kAlways returns once it is on disk. Errors:
  // kInvalidArgument (over kMaxRecordBytes), kInternal (I/O; every later append fails too).
  Result<Position> Append(std::string_view record);

  // Closes the current segment (synced). Every record appended before the call is in a
  // segment numbered below the returned number, every later one at or above it.
  Result<uint64_t> Rotate();

  // Deletes every segment numbered below `segment` (their data is durable elsewhere).
  Status Truncate(uint64_t segment);

  // The segment numbers on disk, ascending.
  std::vector<uint64_t> Segments() const;

 private:
  class Impl;
  explicit Wal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace flamedb::wal
