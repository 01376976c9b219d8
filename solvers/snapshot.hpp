// Snapshots: ONE HDF5 file per snapshot, `<prefix>_iter_<N>.h5`, holding
//   /data/<layer name>/<param index>   the weights, in Caffe's HDF5 layout (so Caffe HDF5 weights
//                                      load with --weights, and ours load in Caffe)
//   /solver                            the solver's state (iteration, update-rule history, lr
//                                      step, smoothed-loss window, the context's RNG)
//   /state/<net>/<layer name>          each layer's save_state() (a data layer's proto::DataState:
//                                      its cursor and shuffle order)
// and root attributes `format`, `format_version`, `net_name`, `config_hash`. Files are written
// atomically (hdf5::write_atomically): a failed write leaves nothing behind and earlier snapshots
// intact. From format 3 each is sealed with a checksum of its whole contents, verified on open.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/hdf5.hpp"
#include "core/net.hpp"

namespace visage {

inline constexpr const char* kSnapshotFormat = "visage-snapshot";
// 3: sealed with a checksum; 2: data layers' positions as proto::DataState (1: a text format of
// each reader's own).
inline constexpr int64_t kSnapshotFormatVersion = 3;
// The first format that must carry a valid seal.
inline constexpr int64_t kFirstSealedFormat = 3;
// The first format whose data-layer states this Visage reads; older snapshots give weights only.
inline constexpr int64_t kFirstFormatWithDataState = 2;

// The snapshot's root attributes for `net`.
void write_snapshot_header(hdf5::File& file, const Net& net);
// Opens a snapshot, checking that it is one (a non-HDF5, truncated or foreign file is rejected
// naming the file and the reason).
hdf5::File open_snapshot(const std::string& path);
// Empty when `file` was written for this net's config; otherwise a message saying how it differs.
std::string describe_config_mismatch(const hdf5::File& file, const Net& net);

// Every layer's parameters under /data/<layer>/<index>.
void write_weights(hdf5::Group& root, const Net& net);

struct WeightsReport {
  int layers_loaded = 0;
  std::vector<std::string> layers_missing;  // net layers with parameters the file lacks
};
// Copies the parameters of every layer found by name. `strict` (resuming) demands all of them;
// otherwise (fine-tuning) layers absent from the file keep their initialisation, but at least one
// must match. Shapes must agree (a legacy 4-D Caffe shape with leading 1s counts as equal).
WeightsReport read_weights(const hdf5::Group& root, Net& net, bool strict);
// Copies the `blobs` of a binary Caffe NetParameter (.caffemodel) into the layers of the same name.
WeightsReport read_caffemodel(Net& net, const std::string& path);
// `--weights`: Visage snapshots, Caffe HDF5 weight files and Caffe .caffemodel files alike.
WeightsReport load_weights(Net& net, const std::string& path);

// Layer states under /state/<group>/<layer name> (only layers with a non-empty state).
void write_layer_states(hdf5::Group& root, const std::string& group, const Net& net);
void read_layer_states(const hdf5::Group& root, const std::string& group, Net& net);

std::string snapshot_path(const std::string& prefix, int64_t iteration);

}  // namespace visage
