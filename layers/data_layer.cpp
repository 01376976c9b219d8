#include "layers/data_layer.hpp"

namespace visage {

std::string DataLayer::save_state() const { return data_state().SerializeAsString(); }

void DataLayer::load_state(const std::string& state) {
  proto::DataState parsed;
  VISAGE_LAYER_CHECK(parsed.ParseFromString(state) && parsed.reader_case() == reader_case(),
                     "the saved state is not a ", type(),
                     " layer's (damaged, written by another layer, or by a Visage before "
                     "snapshot format 2)");
  with_context(describe(), [&] { restore_data_state(parsed); });
}

}  // namespace visage
