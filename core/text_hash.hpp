// FNV-1a over bytes: a stable 64-bit name for a config's canonical text (snapshots record their
// net's, experiments name a run folder by its solver's). Stable across machines and versions;
// not a defence against anyone choosing collisions.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace visage {

inline uint64_t fnv1a_64(std::string_view bytes) {
  uint64_t h = 1469598103934665603ull;
  for (const unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// 16 lower-case hex digits.
inline std::string hex64(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

}  // namespace visage
