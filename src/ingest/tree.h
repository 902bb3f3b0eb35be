// The binary tree and trie formats of /ingest (spec §2.2.2), sent by older Pyroscope agents.
#pragma once

#include <string>

#include "base/status.h"
#include "ingest/stack_profile.h"
#include "model/profile.h"

namespace flamedb::ingest {

// Tree: depth-first pre-order nodes from an unnamed root; per node uvarint name length, the name
// (one frame), uvarint self value, uvarint child count. Each node with a self value is a stack.
// Errors: kInvalidArgument naming the byte offset of the damage.
Result<model::Profile> ParseTree(std::string body, const StackProfileType& type);

// Trie: the same layout, but a label is a byte fragment of a `a;b;c` key, and a node's key is the
// concatenation of the labels on its path. Errors: kInvalidArgument.
Result<model::Profile> ParseTrie(std::string body, const StackProfileType& type);

}  // namespace flamedb::ingest
