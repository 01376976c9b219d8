#include "datasets/bad_images.hpp"

#include <iostream>

namespace visage::data {

WarningSink stderr_warnings() {
  return [](const std::string& text) { std::cerr << "warning: " << text << '\n'; };
}

void BadImageLog::report(const std::string& image, const std::string& reason) {
  const std::lock_guard lock(mutex_);
  if (!images_.insert(image).second) return;
  if (warn_) warn_("skipping unreadable image: " + reason);
}

bool BadImageLog::contains(const std::string& image) const {
  const std::lock_guard lock(mutex_);
  return images_.count(image) != 0;
}

std::size_t BadImageLog::count() const {
  const std::lock_guard lock(mutex_);
  return images_.size();
}

}  // namespace visage::data
