#include "base/chunk_arena.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "base/status.h"

namespace flamedb::base {
namespace {

size_t RoundToPages(size_t bytes) {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (bytes + page - 1) / page * page;
}

}  // namespace

ChunkArena::ChunkArena(size_t chunk_bytes) : chunk_bytes_(RoundToPages(chunk_bytes)) {}

ChunkArena::~ChunkArena() {
  for (const Mapping& m : mappings_) munmap(m.data, m.size);
}

char* ChunkArena::Map(size_t bytes) {
  const size_t size = RoundToPages(bytes);
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  FLAMEDB_CHECK(p != MAP_FAILED);  // Out of memory: what operator new would abort on too.
  mappings_.push_back({static_cast<char*>(p), size});
  mapped_ += size;
  return static_cast<char*>(p);
}

std::string_view ChunkArena::Copy(std::string_view bytes) {
  if (bytes.empty()) return {};
  char* out;
  if (bytes.size() > chunk_bytes_ / 4) {
    out = Map(bytes.size());  // Its own mapping: the current chunk keeps its room.
  } else {
    if (static_cast<size_t>(end_ - next_) < bytes.size()) {
      next_ = Map(chunk_bytes_);
      end_ = next_ + chunk_bytes_;
    }
    out = next_;
    next_ += bytes.size();
  }
  std::memcpy(out, bytes.data(), bytes.size());
  return {out, bytes.size()};
}

}  // namespace flamedb::base
