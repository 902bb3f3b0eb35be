// FlagSet's YAML side: applying a config file and rendering the effective config.
#include <yaml-cpp/yaml.h>

#include <map>

#include "base/flags.h"

namespace flamedb::base {
namespace {

std::string Where(std::string_view source, const YAML::Mark& mark) {
  std::string out(source);
  if (mark.line >= 0) {
    out += ":" + std::to_string(mark.line + 1);
  }
  return out;
}

// True if some flag's YAML path starts with `prefix` + ".".
bool IsSection(const std::vector<std::unique_ptr<Flag>>& flags, const std::string& prefix) {
  const std::string dotted = prefix + ".";
  return std::any_of(flags.begin(), flags.end(),
                     [&](const auto& f) { return f->yaml.rfind(dotted, 0) == 0; });
}

// Walks a mapping node, setting flags whose YAML path matches; collects the first error.
class YamlApplier {
 public:
  YamlApplier(const std::vector<std::unique_ptr<Flag>>& flags, std::string_view source)
      : flags_(flags), source_(source) {}

  Status Apply(const YAML::Node& node, const std::string& prefix) {
    if (node.IsNull()) {
      return OkStatus();
    }
    if (!node.IsMap()) {
      return InvalidArgumentError(Where(source_, node.Mark()) + ": " +
                                  (prefix.empty() ? "the document" : "key " + prefix) +
                                  " must be a mapping of keys to values");
    }
    for (const auto& item : node) {
      const std::string key = item.first.as<std::string>();
      const std::string path = prefix.empty() ? key : prefix + "." + key;
      FLAMEDB_RETURN_IF_ERROR(ApplyKey(path, item.first.Mark(), item.second));
    }
    return OkStatus();
  }

 private:
  Status ApplyKey(const std::string& path, const YAML::Mark& mark, const YAML::Node& value) {
    for (const auto& f : flags_) {
      if (f->yaml != path) {
        continue;
      }
      if (value.IsNull()) {
        return OkStatus();  // `key:` with no value keeps the default, as Go's yaml does.
      }
      if (f->type == FlagType::kYaml) {
        YAML::Emitter out;
        out << YAML::Flow << value;
        return f->set(out.c_str());
      }
      if (!value.IsScalar()) {
        return InvalidArgumentError(Where(source_, mark) + ": key " + path +
                                    " must be a single value");
      }
      if (Status s = f->set(value.Scalar()); !s.ok()) {
        return InvalidArgumentError(Where(source_, mark) + ": invalid value \"" +
                                    value.Scalar() + "\" for key " + path + ": " +
                                    std::string(s.message()));
      }
      return OkStatus();
    }
    if (IsSection(flags_, path)) {
      return Apply(value, path);
    }
    return InvalidArgumentError(Where(source_, mark) + ": unknown config key " + path);
  }

  const std::vector<std::unique_ptr<Flag>>& flags_;
  std::string_view source_;
};

// A YAML mapping that keeps keys in first-insertion order.
struct YamlTree {
  std::vector<std::string> order;
  std::map<std::string, YamlTree> children;
  const Flag* leaf = nullptr;
  std::string value;

  YamlTree& Child(const std::string& key) {
    if (!children.count(key)) {
      order.push_back(key);
    }
    return children[key];
  }
};

void EmitValue(YAML::Emitter& out, const Flag& flag, const std::string& value) {
  if (flag.secret && !value.empty()) {
    out << "********";
    return;
  }
  if (flag.type == FlagType::kYaml) {
    out << YAML::Load(value);  // Checked when set, so it parses.
    return;
  }
  if (flag.type == FlagType::kString) {
    out << YAML::DoubleQuoted << value;  // Quoted so "" and "true" stay strings.
  } else {
    out << value;
  }
}

void Emit(YAML::Emitter& out, const YamlTree& tree) {
  out << YAML::BeginMap;
  for (const std::string& key : tree.order) {
    const YamlTree& child = tree.children.at(key);
    out << YAML::Key << key << YAML::Value;
    if (child.leaf != nullptr) {
      EmitValue(out, *child.leaf, child.value);
    } else {
      Emit(out, child);
    }
  }
  out << YAML::EndMap;
}

}  // namespace

Status CheckYaml(std::string_view text) {
  try {
    YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("not valid YAML: " + std::string(e.what()));
  }
  return OkStatus();
}

Status FlagSet::ApplyYaml(std::string_view yaml, std::string_view source) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("cannot parse config file " + Where(source, e.mark) + ": " +
                                e.msg);
  }
  try {
    return YamlApplier(flags_, source).Apply(root, "");
  } catch (const YAML::Exception& e) {
    // Only conversions (a non-scalar key, say) throw here.
    return InvalidArgumentError("invalid config file " + Where(source, e.mark) + ": " + e.msg);
  }
}

std::string FlagSet::RenderYaml(YamlView view) const {
  YamlTree root;
  for (const auto& f : flags_) {
    if (f->yaml.empty()) {
      continue;
    }
    const std::string value = view == YamlView::kDefaults ? f->default_text : f->current();
    if (view == YamlView::kDiff && value == f->default_text) {
      continue;
    }
    YamlTree* node = &root;
    size_t start = 0;
    for (size_t dot; (dot = f->yaml.find('.', start)) != std::string::npos; start = dot + 1) {
      node = &node->Child(f->yaml.substr(start, dot - start));
    }
    YamlTree& leaf = node->Child(f->yaml.substr(start));
    leaf.leaf = f.get();
    leaf.value = value;
  }
  if (root.order.empty()) {
    return "{}\n";
  }
  YAML::Emitter out;
  Emit(out, root);
  return std::string(out.c_str()) + "\n";
}

}  // namespace flamedb::base
