#include "base/remove_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace flamedb::base {
namespace {

Status Failed(std::string_view what, const std::string& path) {
  return InternalError(std::string(what) + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Status RemoveFileGradually(const std::string& path, uint64_t step) {
  const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return errno == ENOENT ? OkStatus() : Failed("cannot open", path);
  }
  struct stat st {};
  Status status = fstat(fd, &st) == 0 ? OkStatus() : Failed("cannot stat", path);
  for (auto size = static_cast<uint64_t>(st.st_size); status.ok() && size > step;) {
    size -= step;
    if (ftruncate(fd, static_cast<off_t>(size)) != 0 || fdatasync(fd) != 0) {
      status = Failed("cannot shrink", path);
    }
  }
  close(fd);
  FLAMEDB_RETURN_IF_ERROR(status);
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Failed("cannot delete", path);
  }
  return OkStatus();
}

}  // namespace flamedb::base
