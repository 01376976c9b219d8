#include "datasets/jpeg_codec.hpp"

#include <turbojpeg.h>

#include <memory>
#include <string>

#include "core/error.hpp"

namespace visage::data::jpeg {
namespace {

struct HandleCloser {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using Handle = std::unique_ptr<void, HandleCloser>;

Handle make_handle(bool compress) {
  Handle handle(compress ? tjInitCompress() : tjInitDecompress());
  // TurboJPEG's reason for a failed init sits in a global buffer that other threads may be
  // writing; the only realistic cause is memory, so say that instead of reading it.
  if (!handle) fail("cannot start libjpeg-turbo (out of memory?)");
  return handle;
}

[[noreturn]] void fail_with(const Handle& handle, const char* doing) {
  fail(doing, ": ", tjGetErrorStr2(handle.get()));
}

struct Header {
  int width = 0;
  int height = 0;
  int subsampling = 0;
  int colorspace = 0;
};

Header read_header(const Handle& handle, std::span<const uint8_t> bytes) {
  Header h;
  if (tjDecompressHeader3(handle.get(), bytes.data(), static_cast<unsigned long>(bytes.size()),
                          &h.width, &h.height, &h.subsampling, &h.colorspace) != 0) {
    fail_with(handle, "not a readable JPEG header");
  }
  VISAGE_CHECK(h.width > 0 && h.height > 0, "JPEG header gives an empty image (", h.width, "x",
               h.height, ")");
  return h;
}

}  // namespace

int stored_channels(std::span<const uint8_t> bytes) {
  const Handle handle = make_handle(false);
  return read_header(handle, bytes).colorspace == TJCS_GRAY ? 1 : 3;
}

Image decode(std::span<const uint8_t> bytes, int channels) {
  VISAGE_CHECK(channels == 1 || channels == 3, "JPEG decodes to 1 or 3 channels, not ", channels);
  const Handle handle = make_handle(false);
  const Header header = read_header(handle, bytes);
  VISAGE_CHECK(uint64_t(header.width) * uint64_t(header.height) * uint64_t(channels) <=
                   kMaxDecodedImageBytes,
               "image too large (", header.width, "x", header.height, ")");
  Image image(header.height, header.width, channels);
  const int format = channels == 1 ? TJPF_GRAY : TJPF_RGB;
  // TJFLAG_STOPONWARNING: a corrupt stream stops at the first problem instead of producing a
  // partly grey image that we would reject anyway.
  if (tjDecompress2(handle.get(), bytes.data(), static_cast<unsigned long>(bytes.size()),
                    image.pixels.data(), header.width, 0, header.height, format,
                    TJFLAG_STOPONWARNING) != 0) {
    fail_with(handle, tjGetErrorCode(handle.get()) == TJERR_WARNING ? "corrupt JPEG data"
                                                                    : "cannot decode JPEG");
  }
  return image;
}

std::vector<uint8_t> encode(const Image& image, int quality) {
  VISAGE_CHECK(quality >= 1 && quality <= 100, "JPEG quality must be in 1..100, not ", quality);
  VISAGE_CHECK(image.channels == 1 || image.channels == 3, "JPEG holds 1 or 3 channels, not ",
               image.channels);
  VISAGE_CHECK(!image.empty(), "cannot encode an empty image as JPEG");
  const Handle handle = make_handle(true);
  const int subsampling = image.channels == 1 ? TJSAMP_GRAY : TJSAMP_420;
  // A buffer of the worst-case size, so TurboJPEG never reallocates memory we own.
  std::vector<uint8_t> out(tjBufSize(image.width, image.height, subsampling));
  unsigned char* buffer = out.data();
  unsigned long size = static_cast<unsigned long>(out.size());
  if (tjCompress2(handle.get(), image.pixels.data(), image.width, 0, image.height,
                  image.channels == 1 ? TJPF_GRAY : TJPF_RGB, &buffer, &size, subsampling, quality,
                  TJFLAG_NOREALLOC) != 0) {
    fail_with(handle, "cannot encode JPEG");
  }
  out.resize(size);
  return out;
}

}  // namespace visage::data::jpeg
