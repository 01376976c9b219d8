// An RGB raster with just what the report plots need: lines, rectangles and text in a built-in
// 5x7 bitmap font (digits, A-Z, common punctuation; lower case is drawn as upper case, anything
// else as '?').
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace visage::eval {

struct Rgb {
  uint8_t r = 0;
  uint8_t g = 0;
  uint8_t b = 0;
  bool operator==(const Rgb&) const = default;
};

class Canvas {
 public:
  Canvas(int width, int height, Rgb background);

  int width() const { return width_; }
  int height() const { return height_; }
  // Row-major, 3 bytes per pixel, no padding.
  std::span<const uint8_t> pixels() const { return pixels_; }
  Rgb at(int x, int y) const;

  // Pixels outside the canvas are ignored by every drawing call.
  void set(int x, int y, Rgb colour);
  void fill_rect(int x0, int y0, int x1, int y1, Rgb colour);  // inclusive corners
  // Bresenham, with a square pen `thickness` pixels wide; `dash` > 0 draws dash-long on/off runs.
  void line(int x0, int y0, int x1, int y1, Rgb colour, int thickness = 1, int dash = 0);
  // (x, y) is the top-left corner; each font pixel becomes a scale x scale block.
  void text(int x, int y, std::string_view text, Rgb colour, int scale = 1);

  static constexpr int kGlyphWidth = 5;
  static constexpr int kGlyphHeight = 7;
  static int text_width(std::string_view text, int scale = 1);

 private:
  int width_;
  int height_;
  std::vector<uint8_t> pixels_;
};

}  // namespace visage::eval
