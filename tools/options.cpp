#include "tools/options.hpp"

#include <cmath>
#include <iostream>

#include "core/error.hpp"

namespace visage::tools {

Options::Options(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {
  flag("help", "show this help and exit");
}

Options& Options::value(const std::string& name, const std::string& meta, const std::string& help,
                        const std::string& default_value) {
  order_.push_back(name);
  specs_[name] = Spec{meta, help, default_value, false};
  return *this;
}

Options& Options::flag(const std::string& name, const std::string& help) {
  order_.push_back(name);
  specs_[name] = Spec{"", help, "", true};
  return *this;
}

Options& Options::positional(const std::string& meta, const std::string& help) {
  positionals_.emplace_back(meta, help);
  return *this;
}

Options& Options::positionals(const std::string& meta, const std::string& help) {
  positionals_.emplace_back(meta + "...", help);
  last_positional_repeats_ = true;
  return *this;
}

std::string Options::usage() const {
  std::string out = "usage: visage " + command_;
  for (const auto& [meta, help] : positionals_) out += " " + meta;
  out += " [options]\n\n" + summary_ + "\n";
  if (!positionals_.empty()) {
    out += "\narguments:\n";
    for (const auto& [meta, help] : positionals_) {
      std::string left = "  " + meta;
      left.resize(std::max<size_t>(left.size() + 2, 28), ' ');
      out += left + help + "\n";
    }
  }
  out += "\noptions:\n";
  for (const auto& name : order_) {
    const Spec& s = specs_.at(name);
    std::string left = "  --" + name + (s.is_flag ? "" : " " + s.meta);
    left.resize(std::max<size_t>(left.size() + 2, 28), ' ');
    out += left + s.help;
    if (!s.default_value.empty()) out += " (default: " + s.default_value + ")";
    out += "\n";
  }
  return out;
}

bool Options::parse(Args args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      VISAGE_CHECK(positional_values_.size() < positionals_.size() || last_positional_repeats_,
                   "unexpected argument '", arg, "'\n\n", usage());
      positional_values_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const auto it = specs_.find(name);
    VISAGE_CHECK(it != specs_.end(), "unknown option --", name, "\n\n", usage());
    if (name == "help") {
      std::cout << usage();
      return false;
    }
    if (it->second.is_flag) {
      VISAGE_CHECK(!inline_value, "--", name, " takes no value");
      values_[name] = "1";
    } else if (inline_value) {
      values_[name] = *inline_value;
    } else {
      VISAGE_CHECK(i + 1 < args.size(), "--", name, " needs a value (", it->second.meta, ")");
      values_[name] = args[++i];
    }
  }
  VISAGE_CHECK(positional_values_.size() >= positionals_.size(), "missing argument ",
               positionals_.size() > positional_values_.size()
                   ? positionals_[positional_values_.size()].first
                   : std::string(),
               "\n\n", usage());
  return true;
}

bool Options::has(const std::string& name) const {
  return values_.count(name) != 0 || !specs_.at(name).default_value.empty();
}

std::string Options::get(const std::string& name) const {
  const auto it = values_.find(name);
  return it != values_.end() ? it->second : specs_.at(name).default_value;
}

int Options::get_int(const std::string& name) const {
  const std::string v = get(name);
  try {
    size_t used = 0;
    const int n = std::stoi(v, &used);
    if (used == v.size()) return n;
  } catch (const std::exception&) {
  }
  fail("--", name, " expects an integer, got '", v, "'");
}

double Options::get_double(const std::string& name) const {
  const std::string v = get(name);
  try {
    size_t used = 0;
    const double x = std::stod(v, &used);
    if (used == v.size() && std::isfinite(x)) return x;
  } catch (const std::exception&) {
  }
  fail("--", name, " expects a finite number, got '", v, "'");
}

bool Options::get_flag(const std::string& name) const { return values_.count(name) != 0; }

}  // namespace visage::tools
