#include "datasets/png_codec.hpp"

#include <png.h>

#include <csetjmp>
#include <cstring>
#include <string>

#include "core/error.hpp"

namespace visage::data::png {
namespace {

// What libpng's callbacks see: the input, and where the error message goes. Plain data, so that
// a longjmp over frames holding it destroys nothing.
struct Io {
  const uint8_t* data = nullptr;
  size_t size = 0;
  size_t offset = 0;
  std::vector<uint8_t>* output = nullptr;
  char message[256] = {};
};

Io& io_of(png_structp png) { return *static_cast<Io*>(png_get_error_ptr(png)); }

void on_error(png_structp png, png_const_charp message) {
  Io& io = io_of(png);
  std::snprintf(io.message, sizeof io.message, "%s", message);
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}

void read_bytes(png_structp png, png_bytep out, png_size_t count) {
  Io& io = *static_cast<Io*>(png_get_io_ptr(png));
  if (count > io.size - io.offset) png_error(png, "file is truncated");
  std::memcpy(out, io.data + io.offset, count);
  io.offset += count;
}

void write_bytes(png_structp png, png_bytep in, png_size_t count) {
  Io& io = *static_cast<Io*>(png_get_io_ptr(png));
  // insert() may throw bad_alloc through libpng's C frames; on Linux these have unwind tables,
  // and running out of memory here is no worse than anywhere else.
  io.output->insert(io.output->end(), in, in + count);
}

void flush_nothing(png_structp) {}

// The decoded header, and the rows to fill once the caller has allocated them.
struct ReadJob {
  Io io;
  png_uint_32 width = 0;
  png_uint_32 height = 0;
  int channels = 0;
  Image* image = nullptr;
};

// Everything that can longjmp happens inside this function; it returns false with
// job.io.message set when libpng gave up. Its frame holds only trivially destructible values, and
// `row_pointers` lives in the caller, so no C++ object is skipped by the jump.
bool read_png(png_structp png, png_infop info, ReadJob& job, std::vector<png_bytep>& row_pointers) {
  if (setjmp(png_jmpbuf(png)) != 0) return false;
  png_set_read_fn(png, &job.io, read_bytes);
  png_read_info(png, info);
  png_set_strip_16(png);
  png_set_packing(png);
  png_set_palette_to_rgb(png);
  png_set_expand_gray_1_2_4_to_8(png);
  png_set_strip_alpha(png);
  png_read_update_info(png, info);
  job.width = png_get_image_width(png, info);
  job.height = png_get_image_height(png, info);
  job.channels = png_get_channels(png, info);
  const uint64_t bytes = uint64_t{job.width} * job.height * static_cast<uint64_t>(job.channels);
  if (bytes > kMaxDecodedImageBytes || (job.channels != 1 && job.channels != 3)) {
    std::snprintf(job.io.message, sizeof job.io.message, "unsupported PNG: %ux%u with %d channels",
                  job.width, job.height, job.channels);
    return false;
  }
  *job.image = Image(static_cast<int>(job.height), static_cast<int>(job.width), job.channels);
  row_pointers.resize(job.height);
  for (png_uint_32 y = 0; y < job.height; ++y) {
    row_pointers[y] = job.image->pixels.data() + size_t{y} * job.width * job.channels;
  }
  png_read_image(png, row_pointers.data());
  png_read_end(png, nullptr);
  return true;
}

bool write_png(png_structp png, png_infop info, Io& io, const Image& image,
               std::vector<png_bytep>& row_pointers) {
  if (setjmp(png_jmpbuf(png)) != 0) return false;
  png_set_write_fn(png, &io, write_bytes, flush_nothing);
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.width),
               static_cast<png_uint_32>(image.height), 8,
               image.channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, row_pointers.data());
  png_write_end(png, nullptr);
  return true;
}

// Owns libpng's read or write structures.
class Structs {
 public:
  Structs(bool write, Io& io) : write_(write) {
    png_ = write ? png_create_write_struct(PNG_LIBPNG_VER_STRING, &io, on_error, on_warning)
                 : png_create_read_struct(PNG_LIBPNG_VER_STRING, &io, on_error, on_warning);
    if (png_ != nullptr) info_ = png_create_info_struct(png_);
    if (png_ == nullptr || info_ == nullptr) {
      release();
      fail("cannot start libpng (out of memory?)");
    }
  }
  ~Structs() { release(); }
  Structs(const Structs&) = delete;
  Structs& operator=(const Structs&) = delete;

  png_structp png() const { return png_; }
  png_infop info() const { return info_; }

 private:
  void release() {
    if (png_ == nullptr) return;
    if (write_) {
      png_destroy_write_struct(&png_, info_ != nullptr ? &info_ : nullptr);
    } else {
      png_destroy_read_struct(&png_, info_ != nullptr ? &info_ : nullptr, nullptr);
    }
    png_ = nullptr;
    info_ = nullptr;
  }

  bool write_;
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
};

}  // namespace

Image decode(std::span<const uint8_t> bytes) {
  Image image;
  ReadJob job;
  job.io.data = bytes.data();
  job.io.size = bytes.size();
  job.image = &image;
  std::vector<png_bytep> row_pointers;
  Structs structs(false, job.io);
  if (!read_png(structs.png(), structs.info(), job, row_pointers)) fail(job.io.message);
  return image;
}

std::vector<uint8_t> encode(const Image& image) {
  VISAGE_CHECK(image.channels == 1 || image.channels == 3, "PNG output holds 1 or 3 channels, not ",
               image.channels);
  VISAGE_CHECK(!image.empty(), "cannot encode an empty image as PNG");
  std::vector<uint8_t> out;
  Io io;
  io.output = &out;
  std::vector<png_bytep> row_pointers(static_cast<size_t>(image.height));
  for (int y = 0; y < image.height; ++y) {
    // libpng's row type is not const, but writing only reads the rows.
    row_pointers[static_cast<size_t>(y)] = const_cast<uint8_t*>(
        image.pixels.data() + static_cast<size_t>(y) * image.width * image.channels);
  }
  Structs structs(true, io);
  if (!write_png(structs.png(), structs.info(), io, image, row_pointers)) {
    fail("cannot encode PNG: ", io.message);
  }
  return out;
}

}  // namespace visage::data::png
