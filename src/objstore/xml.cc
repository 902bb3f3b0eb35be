#include "objstore/xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <limits>

namespace flamedb::objstore {
namespace {

XmlElement Convert(const xmlNode* node) {
  XmlElement out;
  out.name = reinterpret_cast<const char*>(node->name);
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) {
      out.children.push_back(Convert(c));
    } else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
               c->content != nullptr) {
      out.text += reinterpret_cast<const char*>(c->content);
    }
  }
  return out;
}

}  // namespace

const XmlElement* XmlElement::Child(std::string_view child) const {
  for (const XmlElement& c : children) {
    if (c.name == child) return &c;
  }
  return nullptr;
}

std::string XmlElement::ChildText(std::string_view child) const {
  const XmlElement* c = Child(child);
  return c != nullptr ? c->text : std::string();
}

Result<XmlElement> ParseXml(std::string_view xml) {
  // libxml2 parses on many threads at once only once initialized on one.
  static const bool initialized = [] {
    xmlInitParser();
    return true;
  }();
  (void)initialized;
  if (xml.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return InvalidArgumentError("XML document too large");
  }
  xmlDoc* doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), nullptr, nullptr,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == nullptr) return InvalidArgumentError("response is not well-formed XML");
  const xmlNode* root = xmlDocGetRootElement(doc);
  if (root == nullptr) {
    xmlFreeDoc(doc);
    return InvalidArgumentError("XML response has no root element");
  }
  XmlElement out = Convert(root);
  xmlFreeDoc(doc);
  return out;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace flamedb::objstore
