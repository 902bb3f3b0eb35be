// Bytes owned by one long-lived object as a whole, in chunks mapped from the kernel and unmapped
// when the arena goes.
//
// Why not malloc: a head keeps hundreds of MB of packed rows, each a few KB, allocated by every
// handler thread over minutes and all freed at once when the head is cut. In malloc's arenas
// that leaves holes among the allocations that outlive the head, below the trim threshold's
// reach: RSS kept the cut head's size (1.1-1.2 GB at 1,000 uploads/s after a max-rate run).
// malloc_trim would return them, but it holds each arena's lock while it gives back its pages,
// and every request allocating from that arena waited (acks at 31 ms for that second). Here
// the memory goes back when the owner does, and no other thread waits on it.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace flamedb::base {

// Not thread-safe: the owner serializes calls (the head copies under its lock).
class ChunkArena {
 public:
  // Chunks of `chunk_bytes` (rounded up to pages); pieces over a quarter of that get a mapping
  // of their own, so at most a quarter of a chunk is left unused at its end.
  explicit ChunkArena(size_t chunk_bytes = size_t{1} << 20);
  ~ChunkArena();
  ChunkArena(const ChunkArena&) = delete;
  ChunkArena& operator=(const ChunkArena&) = delete;

  // A copy of `bytes` that stays where it is until the arena is destroyed. Aborts, as a failed
  // malloc would, when the kernel maps no more memory.
  std::string_view Copy(std::string_view bytes);

  // Bytes mapped, less the current chunk's room not handed out yet (the kernel backs untouched
  // pages with nothing): about what the arena adds to the process's RSS.
  size_t held_bytes() const { return mapped_ - static_cast<size_t>(end_ - next_); }

 private:
  struct Mapping {
    char* data;
    size_t size;
  };
  char* Map(size_t bytes);

  size_t chunk_bytes_;
  std::vector<Mapping> mappings_;
  char* next_ = nullptr;  // Free room of the current chunk: [next_, end_).
  char* end_ = nullptr;
  size_t mapped_ = 0;
};

}  // namespace flamedb::base
