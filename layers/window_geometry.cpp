#include "layers/window_geometry.hpp"

#include "core/error.hpp"

namespace visage {
namespace {

// One setting of the window: none given (keep the default), one or two values, or the _h/_w
// pair; both forms at once is an error.
void read_setting(const char* name, const char* h_name, const char* w_name,
                  const std::vector<int64_t>& values, const std::optional<int64_t>& h,
                  const std::optional<int64_t>& w, int64_t& out_h, int64_t& out_w) {
  VISAGE_CHECK(values.size() <= 2, name, " takes one value, or two (h then w), got ",
               values.size());
  if (h || w) {
    VISAGE_CHECK(values.empty(), "give either ", name, " or ", h_name, " and ", w_name);
    if (h) out_h = *h;
    if (w) out_w = *w;
    return;
  }
  if (values.empty()) return;
  out_h = values[0];
  out_w = values.size() > 1 ? values[1] : values[0];
}

// Bounds every value so that all of the window's arithmetic (extent, padded size, output size)
// stays far inside int64_t; no image is a million pixels wide.
void check_bounded(const char* name, int64_t h, int64_t w) {
  VISAGE_CHECK(h <= kMaxWindowValue && w <= kMaxWindowValue, name, " ", h, "x", w,
               " is larger than ", kMaxWindowValue, ", the largest value Visage accepts");
}

std::vector<int64_t> values(const google::protobuf::RepeatedField<uint32_t>& field) {
  return {field.begin(), field.end()};
}

std::optional<int64_t> value_if(bool given, uint32_t value) {
  return given ? std::optional<int64_t>(value) : std::nullopt;
}

std::vector<int64_t> value_if_given(bool given, uint32_t value) {
  return given ? std::vector<int64_t>{value} : std::vector<int64_t>{};
}

// Pooling's and LocallyConnected's fields: one optional value each for both axes, no dilation.
template <typename Parameter>
WindowFields scalar_window_fields(const Parameter& p) {
  return {value_if_given(p.has_kernel_size(), p.kernel_size()),
          value_if_given(p.has_stride(), p.stride()),
          value_if_given(p.has_pad(), p.pad()),
          {},
          value_if(p.has_kernel_h(), p.kernel_h()),
          value_if(p.has_kernel_w(), p.kernel_w()),
          value_if(p.has_stride_h(), p.stride_h()),
          value_if(p.has_stride_w(), p.stride_w()),
          value_if(p.has_pad_h(), p.pad_h()),
          value_if(p.has_pad_w(), p.pad_w())};
}

}  // namespace

WindowFields window_fields(const proto::ConvolutionParameter& p) {
  return {values(p.kernel_size()),
          values(p.stride()),
          values(p.pad()),
          values(p.dilation()),
          value_if(p.has_kernel_h(), p.kernel_h()),
          value_if(p.has_kernel_w(), p.kernel_w()),
          value_if(p.has_stride_h(), p.stride_h()),
          value_if(p.has_stride_w(), p.stride_w()),
          value_if(p.has_pad_h(), p.pad_h()),
          value_if(p.has_pad_w(), p.pad_w())};
}

WindowFields window_fields(const proto::PoolingParameter& p) { return scalar_window_fields(p); }

WindowFields window_fields(const proto::LocallyConnectedParameter& p) {
  return scalar_window_fields(p);
}

std::string WindowGeometry::describe() const {
  return concat("kernel ", kernel_h, "x", kernel_w, ", stride ", stride_h, "x", stride_w, ", pad ",
                pad_h, "x", pad_w, ", dilation ", dilation_h, "x", dilation_w);
}

void read_window(const WindowFields& fields, WindowGeometry& g, bool kernel_optional) {
  const bool has_kernel = !fields.kernel.empty() || fields.kernel_h || fields.kernel_w;
  VISAGE_CHECK(has_kernel || kernel_optional, "needs kernel_size (or kernel_h and kernel_w)");
  VISAGE_CHECK(fields.kernel_h.has_value() == fields.kernel_w.has_value(),
               "give both kernel_h and kernel_w, or kernel_size");
  VISAGE_CHECK(fields.stride_h.has_value() == fields.stride_w.has_value(),
               "give both stride_h and stride_w, or stride");
  read_setting("kernel_size", "kernel_h", "kernel_w", fields.kernel, fields.kernel_h,
               fields.kernel_w, g.kernel_h, g.kernel_w);
  read_setting("stride", "stride_h", "stride_w", fields.stride, fields.stride_h, fields.stride_w,
               g.stride_h, g.stride_w);
  read_setting("pad", "pad_h", "pad_w", fields.pad, fields.pad_h, fields.pad_w, g.pad_h, g.pad_w);
  read_setting("dilation", "", "", fields.dilation, std::nullopt, std::nullopt, g.dilation_h,
               g.dilation_w);
  check_bounded("kernel", g.kernel_h, g.kernel_w);
  check_bounded("stride", g.stride_h, g.stride_w);
  check_bounded("pad", g.pad_h, g.pad_w);
  check_bounded("dilation", g.dilation_h, g.dilation_w);
  VISAGE_CHECK(!has_kernel || (g.kernel_h > 0 && g.kernel_w > 0), "kernel must be positive, got ",
               g.kernel_h, "x", g.kernel_w);
  VISAGE_CHECK(g.stride_h > 0 && g.stride_w > 0, "stride must be positive, got ", g.stride_h, "x",
               g.stride_w);
  VISAGE_CHECK(g.dilation_h > 0 && g.dilation_w > 0, "dilation must be positive, got ",
               g.dilation_h, "x", g.dilation_w);
}

void check_kernel_fits(const WindowGeometry& g, const std::string& input_shape) {
  VISAGE_CHECK(g.kernel_fits(), "kernel ", g.kernel_h, "x", g.kernel_w, " (extent with dilation ",
               g.extent_h(), "x", g.extent_w(), ") is larger than the padded input ",
               g.height + 2 * g.pad_h, "x", g.width + 2 * g.pad_w, " (input ", input_shape, ", ",
               g.describe(), ")");
}

}  // namespace visage
