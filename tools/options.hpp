// A small, strict command-line parser: declared flags only, `--name value` or `--name=value`,
// `--help` for every command, and errors that name the bad flag and show the usage.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tools/command.hpp"

namespace visage::tools {

class Options {
 public:
  Options(std::string command, std::string summary);

  // Declares a flag taking a value; an empty default means "not set".
  Options& value(const std::string& name, const std::string& meta, const std::string& help,
                 const std::string& default_value = "");
  Options& flag(const std::string& name, const std::string& help);
  // Declares a positional argument (required, in order).
  Options& positional(const std::string& meta, const std::string& help);
  // Declares the last positional argument as one or more values (`visage plot A.jsonl B.jsonl`).
  Options& positionals(const std::string& meta, const std::string& help);

  // Returns false when --help was given (usage printed to stdout); throws on a bad command line.
  bool parse(Args args);

  std::string usage() const;
  bool has(const std::string& name) const;
  std::string get(const std::string& name) const;
  int get_int(const std::string& name) const;
  double get_double(const std::string& name) const;
  bool get_flag(const std::string& name) const;
  const std::string& positional_value(size_t i) const { return positional_values_.at(i); }
  const std::vector<std::string>& positional_values() const { return positional_values_; }

 private:
  struct Spec {
    std::string meta;
    std::string help;
    std::string default_value;
    bool is_flag = false;
  };
  std::string command_;
  std::string summary_;
  std::vector<std::string> order_;
  std::map<std::string, Spec> specs_;
  std::vector<std::pair<std::string, std::string>> positionals_;
  bool last_positional_repeats_ = false;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_values_;
};

}  // namespace visage::tools
