// URL query strings (application/x-www-form-urlencoded).
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace flamedb::base {

using QueryParams = std::map<std::string, std::string, std::less<>>;

// Decodes `query` ("a=1&b=x%20y"): '+' is a space, %XX a byte; a malformed escape is kept as is.
// When a key repeats, the first value wins (as Go's url.Values.Get).
QueryParams ParseQuery(std::string_view query);

// Percent-decodes one component.
std::string UrlDecode(std::string_view s);

}  // namespace flamedb::base
