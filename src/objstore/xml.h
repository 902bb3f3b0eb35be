// The XML of object stores' responses (S3 listings and errors, Azure's List Blobs), parsed by
// libxml2 into a small tree of our own so that libxml2's headers stay in xml.cc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace flamedb::objstore {

// An element: its local name (no namespace prefix), the text directly inside it (entities
// decoded), and its child elements in document order.
struct XmlElement {
  std::string name;
  std::string text;
  std::vector<XmlElement> children;

  // The first child named `name`, or null.
  const XmlElement* Child(std::string_view child) const;
  // The text of the first child named `name`, or "".
  std::string ChildText(std::string_view child) const;
};

// The document's root element. No network access, no external entities.
// Errors: kInvalidArgument (not well-formed XML).
Result<XmlElement> ParseXml(std::string_view xml);

// `text` with &, <, >, " and ' escaped, for request bodies.
std::string XmlEscape(std::string_view text);

}  // namespace flamedb::objstore
