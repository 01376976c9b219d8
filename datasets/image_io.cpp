#include "datasets/image_io.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/config.hpp"
#include "core/error.hpp"
#include "datasets/jpeg_codec.hpp"
#include "datasets/png_codec.hpp"
#include "datasets/pnm_codec.hpp"

namespace visage::data {
namespace {

constexpr int kDefaultJpegQuality = 95;

std::string lower_extension(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

Image decode_as_stored(std::span<const uint8_t> bytes, int channels, int64_t max_pixels) {
  switch (sniff_format(bytes)) {
    case ImageFormat::jpeg:
      return jpeg::decode(bytes, channels != 0 ? channels : jpeg::stored_channels(bytes),
                          max_pixels);
    case ImageFormat::png:
      return png::decode(bytes, max_pixels);
    case ImageFormat::pnm:
      return pnm::decode(bytes, max_pixels);
    case ImageFormat::unknown:
      break;
  }
  if (bytes.empty()) fail("file is empty");
  fail("not a JPEG, PNG, PGM or PPM file");
}

}  // namespace

ImageFormat sniff_format(std::span<const uint8_t> bytes) {
  static constexpr uint8_t kPng[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) {
    return ImageFormat::jpeg;
  }
  if (bytes.size() >= sizeof kPng && std::equal(std::begin(kPng), std::end(kPng), bytes.begin())) {
    return ImageFormat::png;
  }
  if (bytes.size() >= 2 && bytes[0] == 'P' && bytes[1] >= '1' && bytes[1] <= '7') {
    return ImageFormat::pnm;
  }
  return ImageFormat::unknown;
}

Image decode_image(std::span<const uint8_t> bytes, const std::string& name, int channels,
                   int64_t max_pixels) {
  return with_context(name, [&] {
    VISAGE_CHECK(channels == 0 || channels == 1 || channels == 3,
                 "images are decoded to 1 or 3 channels, not ", channels);
    Image image = decode_as_stored(bytes, channels, max_pixels);
    return channels == 0 ? image : to_channels(image, channels);
  });
}

std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path) {
  VISAGE_CHECK(!std::filesystem::is_directory(path), path.string(), ": is a folder, not an image");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path.string(), ": cannot open (", std::strerror(errno), ")");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  VISAGE_CHECK(size >= 0, path.string(), ": cannot read (not a regular file?)");
  in.seekg(0);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), size);
  VISAGE_CHECK(in.gcount() == size, path.string(), ": read error after ", in.gcount(), " bytes");
  return bytes;
}

Image read_image(const std::filesystem::path& path, int channels, int64_t max_pixels) {
  return decode_image(read_file_bytes(path), path.string(), channels, max_pixels);
}

std::vector<uint8_t> encode_jpeg(const Image& image, int quality) {
  return jpeg::encode(image, quality);
}
std::vector<uint8_t> encode_png(const Image& image) { return png::encode(image); }
std::vector<uint8_t> encode_pnm(const Image& image) { return pnm::encode(image); }

void write_image(const Image& image, const std::filesystem::path& path) {
  const std::string ext = lower_extension(path);
  const std::vector<uint8_t> bytes = with_context(path.string(), [&] {
    if (ext == ".jpg" || ext == ".jpeg") return encode_jpeg(image, kDefaultJpegQuality);
    if (ext == ".png") return encode_png(image);
    if (ext == ".pgm" || ext == ".ppm" || ext == ".pnm") return encode_pnm(image);
    fail("unknown image extension '", ext, "' (.jpg, .png, .pgm, .ppm)");
  });
  write_file(path.string(),
             std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace visage::data
