#include "base/tenant_id.h"

#include <string>

namespace flamedb::base {
namespace {

bool IsAllowed(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  switch (c) {
    case '!':
    case '-':
    case '_':
    case '.':
    case '*':
    case '\'':
    case '(':
    case ')':
      return true;
    default:
      return false;
  }
}

std::string Printable(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) {
    return std::string("'") + c + "'";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 15];
}

}  // namespace

Status ValidateTenantId(std::string_view id) {
  if (id.empty()) {
    return InvalidArgumentError("tenant ID is empty");
  }
  if (id.size() > kMaxTenantIdLength) {
    return InvalidArgumentError("tenant ID is too long: " + std::to_string(id.size()) +
                                " bytes, max " + std::to_string(kMaxTenantIdLength));
  }
  if (id == "." || id == "..") {
    return InvalidArgumentError("tenant ID '" + std::string(id) + "' is not allowed");
  }
  for (char c : id) {
    if (!IsAllowed(c)) {
      return InvalidArgumentError("tenant ID contains unsupported character " + Printable(c) +
                                  ": allowed are letters, digits and ! - _ . * ' ( )");
    }
  }
  return OkStatus();
}

}  // namespace flamedb::base
