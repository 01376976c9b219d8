#include "datasets/pnm_codec.hpp"

#include <cctype>
#include <string>

#include "core/error.hpp"

namespace visage::data::pnm {
namespace {

// Reads the whitespace-separated header fields and the text samples of P2/P3.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  // A decimal number after whitespace and comments.
  uint32_t number(const char* what) {
    skip_space_and_comments();
    VISAGE_CHECK(pos_ < bytes_.size(), "file is truncated (expected the ", what, ")");
    VISAGE_CHECK(std::isdigit(bytes_[pos_]), "expected the ", what, " at byte ", pos_, ", found '",
                 static_cast<char>(bytes_[pos_]), "'");
    uint64_t value = 0;
    while (pos_ < bytes_.size() && std::isdigit(bytes_[pos_])) {
      value = value * 10 + (bytes_[pos_++] - '0');
      VISAGE_CHECK(value <= 0xFFFFFFFFu, "the ", what, " is too large");
    }
    return static_cast<uint32_t>(value);
  }

  // The single whitespace byte that ends a binary header.
  void end_of_header() {
    VISAGE_CHECK(pos_ < bytes_.size() && std::isspace(bytes_[pos_]),
                 "file is truncated (no pixel data)");
    ++pos_;
  }

  std::span<const uint8_t> rest() const { return bytes_.subspan(pos_); }
  size_t position() const { return pos_; }

 private:
  void skip_space_and_comments() {
    while (pos_ < bytes_.size()) {
      if (std::isspace(bytes_[pos_])) {
        ++pos_;
      } else if (bytes_[pos_] == '#') {
        while (pos_ < bytes_.size() && bytes_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
};

uint8_t to_8bit(uint32_t sample, uint32_t maxval) {
  VISAGE_CHECK(sample <= maxval, "sample ", sample, " exceeds maxval ", maxval);
  return static_cast<uint8_t>((uint64_t{sample} * 255 + maxval / 2) / maxval);
}

}  // namespace

Image decode(std::span<const uint8_t> bytes, int64_t max_pixels) {
  VISAGE_CHECK(bytes.size() >= 2 && bytes[0] == 'P', "not a PGM/PPM file");
  const char kind = static_cast<char>(bytes[1]);
  VISAGE_CHECK(kind == '2' || kind == '3' || kind == '5' || kind == '6',
               "unsupported Netpbm kind P", kind, " (P2, P3, P5 and P6 are read)");
  const bool text = kind == '2' || kind == '3';
  const int channels = kind == '2' || kind == '5' ? 1 : 3;
  Reader reader(bytes.subspan(2));
  const uint32_t width = reader.number("width");
  const uint32_t height = reader.number("height");
  const uint32_t maxval = reader.number("maxval");
  VISAGE_CHECK(maxval >= 1 && maxval <= 65535, "maxval ", maxval, " is outside 1..65535");
  const std::string too_big = image_size_problem(width, height, max_pixels);
  VISAGE_CHECK(too_big.empty(), "header claims ", too_big);
  const size_t samples = size_t{width} * height * static_cast<size_t>(channels);

  // The file must be able to hold every sample before the image is allocated: otherwise a header
  // of a few bytes allocates up to the pixel limit.
  if (text) {
    // A text sample takes at least one digit, and all but the last a separator too.
    const uint64_t available = reader.rest().size();
    VISAGE_CHECK(available >= 2 * samples - 1, "file is truncated (", available,
                 " bytes of text cannot hold ", samples, " pixel values)");
    Image image(static_cast<int>(height), static_cast<int>(width), channels);
    for (uint8_t& p : image.pixels) p = to_8bit(reader.number("pixel value"), maxval);
    return image;
  }
  reader.end_of_header();
  const int sample_bytes = maxval > 255 ? 2 : 1;
  const std::span<const uint8_t> data = reader.rest();
  // Before allocating: a short file claiming a large image costs nothing.
  VISAGE_CHECK(data.size() >= samples * sample_bytes, "file is truncated (", data.size(),
               " bytes of pixel data, ", samples * sample_bytes, " expected)");
  Image image(static_cast<int>(height), static_cast<int>(width), channels);
  for (size_t i = 0; i < samples; ++i) {
    const uint32_t sample =
        sample_bytes == 1 ? data[i] : (uint32_t{data[2 * i]} << 8) | data[2 * i + 1];
    image.pixels[i] = to_8bit(sample, maxval);
  }
  return image;
}

std::vector<uint8_t> encode(const Image& image) {
  VISAGE_CHECK(image.channels == 1 || image.channels == 3, "PGM/PPM holds 1 or 3 channels, not ",
               image.channels);
  const std::string header = (image.channels == 1 ? "P5\n" : "P6\n") + std::to_string(image.width) +
                             " " + std::to_string(image.height) + "\n255\n";
  std::vector<uint8_t> out(header.begin(), header.end());
  out.insert(out.end(), image.pixels.begin(), image.pixels.end());
  return out;
}

}  // namespace visage::data::pnm
