// The query-backend's side of the query-frontend protocol (docs/deployment.md, "Queries"):
// one request names a method, its query and the metas of the blocks to read; the backend opens
// them from the bucket (no index of its own: it is stateless) and answers its partial result,
// which the frontend merges with the other backends'. Served at kBackendPath.
#pragma once

#include <cstddef>
#include <list>
#include <map>
#include <string>
#include <string_view>

#include "api/router.h"
#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"
#include "block/symbol_cache.h"
#include "metastore/block_index.h"
#include "objstore/bucket.h"
#include "query/context.h"

namespace flamedb::frontend {

inline constexpr std::string_view kBackendPath = "/internal/query-backend/query";
// The StatusCode of a failed request, as a number, so the frontend returns the same error.
inline constexpr std::string_view kCodeHeader = "X-Flamedb-Code";

// Blocks kept open between requests, least recently used first out: opening one reads its
// table of contents from the bucket. Thread-safe.
class OpenBlocks {
 public:
  OpenBlocks(objstore::Bucket& bucket, block::SymbolCache* cache, size_t capacity)
      : bucket_(bucket), cache_(cache), capacity_(capacity) {}

  // Errors: those of metastore::OpenBlock.
  Result<metastore::BlockRef> Get(const block::BlockMeta& meta) EXCLUDES(mu_);

 private:
  objstore::Bucket& bucket_;
  block::SymbolCache* const cache_;
  const size_t capacity_;
  base::Mutex mu_;
  std::list<std::string> order_ GUARDED_BY(mu_);  // Ulids, most recently used first.
  struct Entry {
    metastore::BlockRef block;
    std::list<std::string>::iterator at;
  };
  std::map<std::string, Entry, std::less<>> open_ GUARDED_BY(mu_);
};

// Thread-safe.
class Backend {
 public:
  // `bucket` and `cache` (may be null) must outlive the backend.
  Backend(objstore::Bucket& bucket, block::SymbolCache* cache, size_t open_blocks = 1024)
      : blocks_(bucket, cache, open_blocks) {}

  // `request` is a BackendRequest; the result a BackendResponse, both serialized.
  // Errors: kInvalidArgument (the request does not parse, a block meta is not valid, or the
  // query's own errors), kDataLoss (damaged blocks), the bucket's, those of `ctx`.
  Result<std::string> Handle(std::string_view request, query::QueryContext& ctx);

 private:
  OpenBlocks blocks_;
};

struct BackendRouteOptions {
  const base::Clock* clock = nullptr;  // Must outlive the route.
  int64_t memory_budget_bytes = 0;     // Per request (-querier.max-query-memory); 0: none.
  int threads = 1;                     // Blocks read at once (-querier.query-threads).
  uint64_t max_body_bytes = 256 << 20;
};

// Serves `backend` at POST kBackendPath: 200 with a BackendResponse, or the error's HTTP
// status with its StatusCode in kCodeHeader and its message as the body. A request stops when
// its client (the frontend) goes away. `backend` must outlive the router.
void AddBackendRoute(api::Router& router, Backend& backend, const BackendRouteOptions& options);

}  // namespace flamedb::frontend
