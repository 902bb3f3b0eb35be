#include "objstore/bucket.h"

#include <fstream>
#include <sstream>

namespace flamedb::objstore {

Status ValidateKey(std::string_view key) {
  if (key.empty() || key.size() > 1024) {
    return InvalidArgumentError("object key must be 1 to 1024 bytes, got " +
                                std::to_string(key.size()));
  }
  if (key.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("object key contains a NUL byte");
  }
  size_t start = 0;
  while (true) {
    const size_t slash = key.find('/', start);
    const std::string_view segment = key.substr(start, slash - start);
    if (segment.empty() || segment == "." || segment == "..") {
      return InvalidArgumentError("object key \"" + std::string(key) +
                                  "\" has an empty, '.' or '..' segment");
    }
    if (segment.substr(0, 13) == ".flamedb-tmp-") {
      return InvalidArgumentError("object key \"" + std::string(key) +
                                  "\" uses the reserved prefix .flamedb-tmp-");
    }
    if (slash == std::string_view::npos) {
      return OkStatus();
    }
    start = slash + 1;
  }
}

Status Bucket::PutFile(std::string_view key, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return NotFoundError("cannot read " + path);
  }
  std::ostringstream data;
  data << in.rdbuf();
  return Put(key, data.str());
}

Status Bucket::DeleteMany(const std::vector<std::string>& keys) {
  for (const std::string& key : keys) {
    FLAMEDB_RETURN_IF_ERROR(Delete(key));
  }
  return OkStatus();
}

}  // namespace flamedb::objstore
