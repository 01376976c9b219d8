#include "datasets/image_io.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "tests/datasets/dataset_test_support.hpp"

namespace visage::data {
namespace {

using testing::pattern_image;
using testing::TempFolder;
using testing::write_bytes;

// Expects `fn` to throw a visage::Error whose message contains every one of `parts`.
template <typename Fn>
void expect_error(Fn&& fn, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    for (const std::string& part : parts) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "'" << e.what() << "' lacks '" << part << "'";
    }
  }
}

TEST(ImageIo, DecodesLfwJpegLikePil) {
  SKIP_WITHOUT_LFW();
  const auto path = testing::lfw_root() / "images/Aaron_Eckhart/Aaron_Eckhart_0001.jpg";
  const Image rgb = read_image(path, 3);
  ASSERT_EQ(rgb.height, 250);
  ASSERT_EQ(rgb.width, 250);
  ASSERT_EQ(rgb.channels, 3);
  // Reference values from PIL 13 (libjpeg-turbo inside): Image.open(...).getpixel((x, y)).
  struct Expected {
    int y, x, r, g, b;
  };
  for (const Expected& e : {Expected{0, 0, 0, 0, 0}, Expected{125, 125, 225, 165, 141},
                            Expected{200, 60, 137, 151, 178}, Expected{249, 249, 0, 0, 0},
                            Expected{80, 100, 180, 124, 91}}) {
    EXPECT_NEAR(rgb.at(e.y, e.x, 0), e.r, 2) << "at " << e.y << "," << e.x;
    EXPECT_NEAR(rgb.at(e.y, e.x, 1), e.g, 2) << "at " << e.y << "," << e.x;
    EXPECT_NEAR(rgb.at(e.y, e.x, 2), e.b, 2) << "at " << e.y << "," << e.x;
  }
  // Grey: PIL's convert('L') gives 180 at (125, 125) and 137 at (80, 100).
  const Image grey = read_image(path, 1);
  ASSERT_EQ(grey.channels, 1);
  EXPECT_NEAR(grey.at(125, 125, 0), 180, 2);
  EXPECT_NEAR(grey.at(80, 100, 0), 137, 2);
  EXPECT_EQ(read_image(path).channels, 3);  // as stored
}

TEST(ImageIo, PngRoundTripsExactly) {
  TempFolder dir;
  const Image rgb = pattern_image(5, 7, 3);
  write_image(rgb, dir / "rgb.png");
  EXPECT_EQ(read_image(dir / "rgb.png").pixels, rgb.pixels);
  const Image grey = to_channels(rgb, 1);
  write_image(grey, dir / "grey.png");
  const Image back = read_image(dir / "grey.png");
  EXPECT_EQ(back.channels, 1);
  EXPECT_EQ(back.pixels, grey.pixels);
  // Grey files become RGB on request by repeating the value.
  const Image as_rgb = read_image(dir / "grey.png", 3);
  EXPECT_EQ(as_rgb.at(2, 3, 0), grey.at(2, 3, 0));
  EXPECT_EQ(as_rgb.at(2, 3, 2), grey.at(2, 3, 0));
}

TEST(ImageIo, RgbToGreyUsesBt601Luma) {
  Image rgb(1, 1, 3);
  rgb.pixels = {200, 100, 50};
  // 0.299 * 200 + 0.587 * 100 + 0.114 * 50 = 124.2
  EXPECT_EQ(to_channels(rgb, 1).pixels[0], 124);
}

TEST(ImageIo, ReadsBinaryAndTextNetpbm) {
  TempFolder dir;
  const Image rgb = pattern_image(3, 4, 9);
  write_image(rgb, dir / "rgb.ppm");
  EXPECT_EQ(read_image(dir / "rgb.ppm").pixels, rgb.pixels);
  write_image(to_channels(rgb, 1), dir / "grey.pgm");
  EXPECT_EQ(read_image(dir / "grey.pgm").channels, 1);

  testing::write_text(dir / "text.pgm", "P2\n# a comment\n3 1\n# another\n10\n0 5 10\n");
  const Image text = read_image(dir / "text.pgm");
  ASSERT_EQ(text.width, 3);
  EXPECT_EQ(text.pixels, (std::vector<uint8_t>{0, 128, 255}));  // maxval 10 scaled to 255
  testing::write_text(dir / "text.ppm", "P3 1 1 255 1 2 3\n");
  EXPECT_EQ(read_image(dir / "text.ppm").pixels, (std::vector<uint8_t>{1, 2, 3}));
  // 16-bit binary samples are big-endian.
  std::vector<uint8_t> wide = {'P', '5', ' ', '2',  ' ',  '1',  ' ',  '6', '5',
                               '5', '3', '5', '\n', 0xFF, 0xFF, 0x00, 0x00};
  write_bytes(dir / "wide.pgm", wide);
  EXPECT_EQ(read_image(dir / "wide.pgm").pixels, (std::vector<uint8_t>{255, 0}));
}

TEST(ImageIo, JpegEncodesAndDecodes) {
  Image image(16, 16, 3, 0);
  for (uint8_t& v : image.pixels) v = 120;
  const std::vector<uint8_t> bytes = encode_jpeg(image, 90);
  EXPECT_EQ(sniff_format(bytes), ImageFormat::jpeg);
  const Image back = decode_image(bytes, "flat.jpg");
  for (uint8_t v : back.pixels) EXPECT_NEAR(v, 120, 1);
  EXPECT_THROW(encode_jpeg(image, 0), Error);
  EXPECT_THROW(encode_jpeg(image, 101), Error);
}

TEST(ImageIo, MissingEmptyAndUnknownFilesNameTheFile) {
  TempFolder dir;
  expect_error([&] { read_image(dir / "nope.jpg"); }, {"nope.jpg", "cannot open"});
  write_bytes(dir / "empty.png", {});
  expect_error([&] { read_image(dir / "empty.png"); }, {"empty.png", "empty"});
  write_bytes(dir / "text.jpg", {'h', 'e', 'l', 'l', 'o'});
  expect_error([&] { read_image(dir / "text.jpg"); }, {"text.jpg", "not a JPEG, PNG"});
  expect_error([&] { read_image(dir.path()); }, {"folder"});
}

TEST(ImageIo, TruncatedJpegIsAnError) {
  TempFolder dir;
  std::vector<uint8_t> bytes = encode_jpeg(pattern_image(64, 64, 1), 90);
  bytes.resize(bytes.size() / 2);
  write_bytes(dir / "half.jpg", bytes);
  expect_error([&] { read_image(dir / "half.jpg"); }, {"half.jpg", "JPEG"});
  bytes.resize(20);  // inside the header
  write_bytes(dir / "header.jpg", bytes);
  expect_error([&] { read_image(dir / "header.jpg"); }, {"header.jpg", "JPEG"});
}

TEST(ImageIo, CorruptPngIsAnError) {
  TempFolder dir;
  std::vector<uint8_t> bytes = encode_png(pattern_image(8, 8, 5));
  // The IHDR chunk starts at byte 8 (length, "IHDR", 13 data bytes, CRC): flip one byte of its
  // data so its CRC no longer matches.
  std::vector<uint8_t> bad_crc = bytes;
  bad_crc[8 + 8 + 10] ^= 0x01;
  write_bytes(dir / "crc.png", bad_crc);
  expect_error([&] { read_image(dir / "crc.png"); }, {"crc.png", "CRC"});
  std::vector<uint8_t> truncated(bytes.begin(),
                                 bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() - 20));
  write_bytes(dir / "short.png", truncated);
  expect_error([&] { read_image(dir / "short.png"); }, {"short.png"});
}

TEST(ImageIo, TruncatedNetpbmIsAnError) {
  TempFolder dir;
  testing::write_text(dir / "short.ppm", "P6\n4 4\n255\nabc");
  expect_error([&] { read_image(dir / "short.ppm"); }, {"short.ppm", "truncated"});
  testing::write_text(dir / "big.pgm", "P2 1 1 10 11");
  expect_error([&] { read_image(dir / "big.pgm"); }, {"big.pgm", "exceeds maxval"});
}

// An 8x8 image encoded for real, then its header edited to claim `width` x `height`: what an
// image bomb looks like to a decoder (a few hundred bytes claiming gigapixels).
std::vector<uint8_t> bomb(ImageFormat format, uint32_t width, uint32_t height) {
  const Image small = pattern_image(8, 8, 1);
  const auto put16 = [](std::vector<uint8_t>& b, size_t at, uint32_t v) {
    b[at] = static_cast<uint8_t>(v >> 8);
    b[at + 1] = static_cast<uint8_t>(v);
  };
  if (format == ImageFormat::jpeg) {
    std::vector<uint8_t> bytes = encode_jpeg(small, 90);
    for (size_t i = 0; i + 8 < bytes.size(); ++i) {
      if (bytes[i] == 0xFF && bytes[i + 1] == 0xC0) {  // SOF0: length, precision, height, width
        put16(bytes, i + 5, height);
        put16(bytes, i + 7, width);
        return bytes;
      }
    }
    ADD_FAILURE() << "no SOF0 marker";
  }
  std::vector<uint8_t> bytes = encode_png(small);
  // IHDR's data starts at byte 16 (signature, length, type), and its CRC covers type and data.
  for (int k = 0; k < 4; ++k) {
    bytes[16 + k] = static_cast<uint8_t>(width >> (24 - 8 * k));
    bytes[20 + k] = static_cast<uint8_t>(height >> (24 - 8 * k));
  }
  const uint32_t crc = static_cast<uint32_t>(crc32(0, bytes.data() + 12, 17));
  for (int k = 0; k < 4; ++k) bytes[29 + k] = static_cast<uint8_t>(crc >> (24 - 8 * k));
  return bytes;
}

TEST(ImageIo, ImageBombsAreRefusedFromTheirHeaderBeforeDecoding) {
  const std::string over = "65500x65500 pixels (4290.2 megapixels) is over the limit of 50.0";
  expect_error([] { decode_image(bomb(ImageFormat::jpeg, 65500, 65500), "bomb.jpg"); },
               {"bomb.jpg: JPEG header claims " + over});
  expect_error([] { decode_image(bomb(ImageFormat::png, 65500, 65500), "bomb.png"); },
               {"bomb.png: PNG header claims " + over});
  const std::string pgm = "P5\n65500 65500\n255\n\x01\x02";
  const std::vector<uint8_t> pgm_bytes(pgm.begin(), pgm.end());
  expect_error([&] { decode_image(pgm_bytes, "bomb.pgm"); }, {"bomb.pgm: header claims " + over});
  // The limit is the caller's: an 8x8 image passes at 64 pixels and is refused at 63.
  const std::vector<uint8_t> png = encode_png(pattern_image(8, 8, 1));
  EXPECT_EQ(decode_image(png, "small.png", 0, 64).width, 8);
  expect_error([&] { decode_image(png, "small.png", 0, 63); },
               {"small.png: PNG header claims 8x8 pixels (0.0 megapixels) is over the limit"});
}

// A binary Netpbm header claiming a large image over a few bytes is refused as truncated without
// allocating the image.
TEST(ImageIo, ShortNetpbmClaimingALargeImageIsTruncatedNotAllocated) {
  const std::string pgm = "P5\n7000 7000\n255\nab";
  const std::vector<uint8_t> bytes(pgm.begin(), pgm.end());
  expect_error([&] { decode_image(bytes, "short.pgm"); },
               {"short.pgm: file is truncated (2 bytes of pixel data, 49000000 expected)"});
}

// Found by fuzz/image_decoder_fuzzer.cpp (fuzz/regressions/image_decoder/): the decoders
// allocated the image a header claims before reading a pixel, so a file of a few bytes took up to
// 2 GiB (PNG, PNM) or 12 GiB (JPEG, which had no limit); a text PGM's header is now checked
// against the bytes that follow it.
TEST(ImageIo, TextNetpbmHeaderIsCheckedAgainstTheFileBeforeAllocating) {
  const std::string text = "P2554222 22 542";
  const std::vector<uint8_t> bytes(text.begin(), text.end());
  expect_error([&] { decode_image(bytes, "tiny.pgm"); },
               {"tiny.pgm", "truncated", "cannot hold 12192884 pixel values"});
}

}  // namespace
}  // namespace visage::data
