#include "wal/wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/crc32.h"
#include "base/mutex.h"
#include "base/remove_file.h"

namespace flamedb::wal {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMagic = "FLWALv1\n";
constexpr size_t kRecordHeader = 8;
// Suffix of a segment being deleted (Truncate): no longer part of the log.
constexpr std::string_view kDeleting = ".deleting";

Status IoError(std::string_view what, const std::string& path) {
  return InternalError("wal: " + std::string(what) + " " + path + ": " + std::strerror(errno));
}

bool AllZero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

uint32_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);  // Little-endian on disk and on our targets.
  return v;
}

std::string SegmentName(uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%016llx.wal", static_cast<unsigned long long>(n));
  return buf;
}

// The whole file in one buffer sized by fstat (a segment is bounded by segment_bytes plus one
// record), read with plain read(2): a stream copy costs several passes over 128 MB.
Result<std::string> ReadSegmentFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return IoError("cannot open", path);
  }
  struct stat st {};
  std::string data;
  if (fstat(fd, &st) == 0) {
    data.resize(static_cast<size_t>(st.st_size));
  }
  size_t got = 0;
  ssize_t n = 1;
  while (got < data.size() && n != 0) {
    n = read(fd, data.data() + got, data.size() - got);
    if (n < 0 && errno != EINTR) {
      const Status error = IoError("cannot read", path);
      close(fd);
      return error;
    }
    got += n > 0 ? static_cast<size_t>(n) : 0;
  }
  close(fd);
  data.resize(got);  // The file may have shrunk since fstat; a shorter read is what it holds.
  return data;
}

Status SyncDir(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return IoError("cannot open directory", dir);
  }
  const int rc = fsync(fd);
  close(fd);
  return rc == 0 ? OkStatus() : IoError("cannot sync directory", dir);
}

}  // namespace

class Wal::Impl {
 public:
  Impl(const WalOptions& options, base::Logger& logger, base::MetricsRegistry& metrics)
      : options_(options),
        logger_(logger),
        appended_(metrics.AddCounter("flamedb_wal_records_appended_total",
                                     "Records appended to the write-ahead log.")),
        appended_bytes_(metrics.AddCounter("flamedb_wal_bytes_appended_total",
                                           "Bytes appended to the write-ahead log.")),
        syncs_(metrics.AddCounter("flamedb_wal_fsyncs_total",
                                  "fdatasync calls of the write-ahead log (one per group commit).")),
        // What an acknowledgement waits on disk for: a slow tail here is the disk's (or another
        // writer's: block uploads share the filesystem), not the server's CPU.
        sync_seconds_(metrics
                          .AddHistogramFamily("flamedb_wal_fsync_duration_seconds",
                                              "Time of each group commit's fdatasync.", {},
                                              base::LatencyBuckets())
                          .WithLabels({})),
        corruptions_(metrics.AddCounter(
            "flamedb_wal_corruptions_total",
            "Corrupt write-ahead log data found at replay and moved to quarantine.")),
        torn_tails_(metrics.AddCounter("flamedb_wal_torn_tails_total",
                                       "Partial records cut from the end of the log at replay.")) {}

  ~Impl() {
    base::MutexLock lock(mu_);
    if (fd_ >= 0) {
      close(fd_);
    }
  }

  Status Open() {
    std::error_code ec;
    fs::create_directories(fs::path(options_.dir) / "quarantine", ec);
    if (ec) {
      return FailedPreconditionError("wal: cannot create " + options_.dir + ": " + ec.message());
    }
    // Segments a truncation renamed and did not finish deleting (a crash).
    for (const auto& entry : fs::directory_iterator(options_.dir, ec)) {
      if (entry.path().string().ends_with(kDeleting)) {
        FLAMEDB_RETURN_IF_ERROR(base::RemoveFileGradually(entry.path().string()));
      }
    }
    existing_ = Segments();
    base::MutexLock lock(mu_);
    next_segment_ = std::max(options_.min_segment, existing_.empty() ? 1 : existing_.back() + 1);
    return OkStatus();
  }

  std::vector<uint64_t> Segments() const {
    std::vector<uint64_t> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(options_.dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.size() == 20 && name.substr(16) == ".wal") {
        out.push_back(std::stoull(name.substr(0, 16), nullptr, 16));
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  Status Replay(const std::function<Status(std::string_view, Position)>& fn) {
    for (size_t i = 0; i < existing_.size(); ++i) {
      FLAMEDB_RETURN_IF_ERROR(ReplaySegment(existing_[i], i + 1 == existing_.size(), fn));
    }
    return OkStatus();
  }

  Result<Position> Append(std::string_view record) EXCLUDES(mu_) {
    if (record.empty()) {
      return InvalidArgumentError("wal: empty records are not allowed");
    }
    if (record.size() > kMaxRecordBytes) {
      return InvalidArgumentError("wal: record of " + std::to_string(record.size()) +
                                  " bytes is over the limit of " +
                                  std::to_string(kMaxRecordBytes));
    }
    base::MutexLock lock(mu_);
    FLAMEDB_RETURN_IF_ERROR(failed_);
    FLAMEDB_RETURN_IF_ERROR(RotateIfNeeded(record.size()));
    char header[kRecordHeader];
    const auto length = static_cast<uint32_t>(record.size());
    const uint32_t crc = base::Crc32(record);
    std::memcpy(header, &length, 4);
    std::memcpy(header + 4, &crc, 4);
    iovec parts[2] = {{header, kRecordHeader},
                      {const_cast<char*>(record.data()), record.size()}};
    if (Status s = WriteV(parts); !s.ok()) {
      failed_ = s;
      return s;
    }
    const Position at{segment_, segment_size_};
    segment_size_ += kRecordHeader + record.size();
    const uint64_t seq = ++written_seq_;
    appended_.Inc();
    appended_bytes_.Inc(static_cast<double>(kRecordHeader + record.size()));
    if (options_.sync == SyncPolicy::kAlways) {
      FLAMEDB_RETURN_IF_ERROR(WaitSynced(seq));
    }
    return at;
  }

  Result<uint64_t> Rotate() EXCLUDES(mu_) {
    base::MutexLock lock(mu_);
    FLAMEDB_RETURN_IF_ERROR(failed_);
    if (fd_ >= 0) {
      FLAMEDB_RETURN_IF_ERROR(CloseSegment());
    }
    return next_segment_;
  }

  // Renames the segments out of the log first, so that a crash while one is being shrunk
  // (base::RemoveFileGradually: deleting a cut's segments at once stalled the appends' fsyncs)
  // leaves no short segment for replay to quarantine; Open() removes what is left.
  Status Truncate(uint64_t below) {
    std::vector<std::string> doomed;
    for (uint64_t n : Segments()) {
      if (n >= below) {
        break;
      }
      const std::string path = options_.dir + "/" + SegmentName(n);
      const std::string renamed = path + std::string(kDeleting);
      if (rename(path.c_str(), renamed.c_str()) != 0) {
        if (errno == ENOENT) continue;
        return IoError("cannot rename for deletion", path);
      }
      doomed.push_back(renamed);
    }
    FLAMEDB_RETURN_IF_ERROR(SyncDir(options_.dir));
    for (const std::string& path : doomed) {
      FLAMEDB_RETURN_IF_ERROR(base::RemoveFileGradually(path));
    }
    return doomed.empty() ? OkStatus() : SyncDir(options_.dir);
  }

 private:
  Status WriteV(iovec* parts) REQUIRES(mu_) {
    size_t total = parts[0].iov_len + parts[1].iov_len;
    int count = 2;
    iovec* p = parts;
    while (total > 0) {
      const ssize_t n = writev(fd_, p, count);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return IoError("cannot write", SegmentName(segment_));
      }
      total -= static_cast<size_t>(n);
      for (size_t done = static_cast<size_t>(n); done > 0 && count > 0;) {
        const size_t step = std::min(done, p->iov_len);
        p->iov_base = static_cast<char*>(p->iov_base) + step;
        p->iov_len -= step;
        done -= step;
        if (p->iov_len == 0) {
          ++p;
          --count;
        }
      }
    }
    return OkStatus();
  }

  // Group commit: the first waiter syncs for everyone written so far; the others wait for it.
  Status WaitSynced(uint64_t seq) REQUIRES(mu_) {
    while (synced_seq_ < seq) {
      FLAMEDB_RETURN_IF_ERROR(failed_);
      if (syncing_) {
        synced_.Wait(mu_, [&]() REQUIRES(mu_) { return !syncing_ || synced_seq_ >= seq; });
        continue;
      }
      syncing_ = true;
      const uint64_t target = written_seq_;
      const int fd = fd_;  // Rotation waits for !syncing_, so fd stays open meanwhile.
      mu_.Unlock();
      const auto started = std::chrono::steady_clock::now();
      const int rc = fdatasync(fd);
      sync_seconds_.Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      mu_.Lock();
      syncing_ = false;
      syncs_.Inc();
      if (rc != 0) {
        failed_ = IoError("cannot sync", SegmentName(segment_));
      } else {
        synced_seq_ = std::max(synced_seq_, target);
      }
      synced_.NotifyAll();
    }
    return OkStatus();
  }

  // Syncs and closes the current segment; the next append opens a new one.
  Status CloseSegment() REQUIRES(mu_) {
    synced_.Wait(mu_, [&]() REQUIRES(mu_) { return !syncing_; });
    if (fdatasync(fd_) != 0) {
      return failed_ = IoError("cannot sync", SegmentName(segment_));
    }
    synced_seq_ = written_seq_;
    close(fd_);
    fd_ = -1;
    return OkStatus();
  }

  Status RotateIfNeeded(size_t record_size) REQUIRES(mu_) {
    const bool full = fd_ >= 0 && segment_size_ > kMagic.size() &&
                      segment_size_ + kRecordHeader + record_size > options_.segment_bytes;
    if (fd_ >= 0 && !full) {
      return OkStatus();
    }
    if (fd_ >= 0) {
      FLAMEDB_RETURN_IF_ERROR(CloseSegment());
    }
    segment_ = next_segment_++;
    const std::string path = options_.dir + "/" + SegmentName(segment_);
    fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      return failed_ = IoError("cannot create", path);
    }
    if (write(fd_, kMagic.data(), kMagic.size()) != static_cast<ssize_t>(kMagic.size()) ||
        fdatasync(fd_) != 0) {
      return failed_ = IoError("cannot write header of", path);
    }
    segment_size_ = kMagic.size();
    return failed_ = SyncDir(options_.dir);
  }

  Status ReplaySegment(uint64_t n, bool last,
                       const std::function<Status(std::string_view, Position)>& fn) {
    const std::string path = options_.dir + "/" + SegmentName(n);
    FLAMEDB_ASSIGN_OR_RETURN(const std::string data, ReadSegmentFile(path));
    if (data.substr(0, kMagic.size()) != kMagic) {
      if (last && kMagic.starts_with(data)) {
        return CutTornTail(path, 0, n);  // A crash while the segment was being created.
      }
      return Quarantine(n, 0, data, "the segment header is not a flamedb WAL header");
    }
    size_t off = kMagic.size();
    while (off < data.size()) {
      const size_t left = data.size() - off;
      const uint32_t length = left >= kRecordHeader ? Load32(data.data() + off) : 0;
      if (last && AllZero(std::string_view(data).substr(off))) {
        // File systems may leave a zero-filled tail after a crash: space allocated, data not.
        return CutTornTail(path, off, n);
      }
      if (left >= kRecordHeader && length == 0) {
        return Quarantine(n, off, data, "a record has length 0 (zero-filled data)");
      }
      if (left < kRecordHeader || (length <= kMaxRecordBytes && left - kRecordHeader < length)) {
        if (!last) {
          return Quarantine(n, off, data, "a record is cut short inside an older segment");
        }
        return CutTornTail(path, off, n);  // A crash mid-write: never acknowledged.
      }
      if (length > kMaxRecordBytes) {
        return Quarantine(n, off, data, "a record length is over the limit");
      }
      const std::string_view payload(data.data() + off + kRecordHeader, length);
      if (base::Crc32(payload) != Load32(data.data() + off + 4)) {
        return Quarantine(n, off, data, "a record's checksum does not match");
      }
      FLAMEDB_RETURN_IF_ERROR(fn(payload, Position{n, off}));
      off += kRecordHeader + length;
    }
    return OkStatus();
  }

  Status CutTornTail(const std::string& path, size_t off, uint64_t n) {
    if (truncate(path.c_str(), static_cast<off_t>(off)) != 0) {
      return IoError("cannot truncate", path);
    }
    torn_tails_.Inc();
    logger_.Warn("wal: cut a partial record from the end of the log (a crash during a write; "
                 "it was never acknowledged)",
                 "segment", SegmentName(n), "offset", static_cast<uint64_t>(off));
    return OkStatus();
  }

  // Moves data[off, end) of segment `n` to quarantine and cuts it from the segment.
  Status Quarantine(uint64_t n, size_t off, const std::string& data, std::string_view why) {
    const std::string target =
        options_.dir + "/quarantine/" + SegmentName(n) + "." + std::to_string(off);
    {
      std::ofstream out(target, std::ios::binary | std::ios::trunc);
      out.write(data.data() + off, static_cast<std::streamsize>(data.size() - off));
      if (!out.good()) {
        return IoError("cannot write quarantine file", target);
      }
    }
    const std::string path = options_.dir + "/" + SegmentName(n);
    if (truncate(path.c_str(), static_cast<off_t>(off)) != 0) {
      return IoError("cannot truncate", path);
    }
    corruptions_.Inc();
    logger_.Error("wal: corrupt data; the rest of the segment was moved to quarantine and not "
                  "replayed",
                  "segment", SegmentName(n), "offset", static_cast<uint64_t>(off), "reason", why,
                  "bytes", static_cast<uint64_t>(data.size() - off), "quarantine", target);
    return SyncDir(options_.dir + "/quarantine");
  }

  const WalOptions options_;
  base::Logger& logger_;
  base::Counter& appended_;
  base::Counter& appended_bytes_;
  base::Counter& syncs_;
  base::Histogram& sync_seconds_;
  base::Counter& corruptions_;
  base::Counter& torn_tails_;
  std::vector<uint64_t> existing_;  // Segments found at Open; replayed, never appended to.

  base::Mutex mu_;
  base::CondVar synced_;
  int fd_ GUARDED_BY(mu_) = -1;
  uint64_t segment_ GUARDED_BY(mu_) = 0;
  uint64_t next_segment_ GUARDED_BY(mu_) = 1;
  uint64_t segment_size_ GUARDED_BY(mu_) = 0;
  uint64_t written_seq_ GUARDED_BY(mu_) = 0;
  uint64_t synced_seq_ GUARDED_BY(mu_) = 0;
  bool syncing_ GUARDED_BY(mu_) = false;
  Status failed_ GUARDED_BY(mu_);
};

Wal::Wal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Wal::~Wal() = default;

Result<std::unique_ptr<Wal>> Wal::Open(const WalOptions& options, base::Logger& logger,
                                       base::MetricsRegistry& metrics) {
  auto impl = std::make_unique<Impl>(options, logger, metrics);
  FLAMEDB_RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<Wal>(new Wal(std::move(impl)));
}

Status Wal::Replay(const std::function<Status(std::string_view, Position)>& fn) {
  return impl_->Replay(fn);
}
Result<Position> Wal::Append(std::string_view record) { return impl_->Append(record); }
Result<uint64_t> Wal::Rotate() { return impl_->Rotate(); }
Status Wal::Truncate(uint64_t segment) { return impl_->Truncate(segment); }
std::vector<uint64_t> Wal::Segments() const { return impl_->Segments(); }

}  // namespace flamedb::wal
