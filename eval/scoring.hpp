// Pairs turned into distances, and the operating points a threshold on those distances can reach.
// The rule everywhere: a pair is accepted as one identity when distance <= threshold.
#pragma once

#include <span>
#include <vector>

#include "datasets/pairs.hpp"
#include "eval/distance.hpp"
#include "eval/embeddings.hpp"

namespace visage::eval {

struct ScoredPair {
  double distance = 0.0;
  bool same = false;
  int fold = 0;
};

// One distance per pair, in the protocol's order. Any image without an embedding is an error that
// names it (dropping its pairs would silently shift the folds).
std::vector<ScoredPair> score_pairs(const data::PairsProtocol& protocol,
                                    const EmbeddingLookup& lookup, Distance metric);
// The same with one model per fold: fold k's pairs are scored with lookup_by_fold[k] (LFW's
// unrestricted protocol, where fold k's model never saw fold k's identities).
std::vector<ScoredPair> score_pairs_by_fold(const data::PairsProtocol& protocol,
                                            std::span<const EmbeddingLookup> lookup_by_fold,
                                            Distance metric);

// An ensemble's scores: each pair's distances under several embeddings (the same pairs, in the
// same order) summed, as DeepFace combines its networks (K = sum of K_i with K(x, y) = -||x - y||,
// so the summed distances rank pairs as the summed kernels do). Throws when the lists disagree.
std::vector<ScoredPair> sum_distances(std::span<const std::vector<ScoredPair>> members);

struct OperatingPoint {
  double threshold = 0.0;
  size_t true_accepts = 0;   // matched pairs with distance <= threshold
  size_t false_accepts = 0;  // mismatched pairs with distance <= threshold
};

// Every distinct operating point, by increasing threshold. With v_1 < ... < v_m the distinct
// distances, the thresholds are: one below all of them (accept nothing), the midpoints
// (v_k + v_k+1) / 2, and one above all of them (accept everything). The outer two sit half the
// neighbouring gap beyond v_1 and v_m (0.5 when m = 1), so every threshold is a midpoint-like value
// that a held-out fold can be compared against.
std::vector<OperatingPoint> operating_points(std::span<const ScoredPair> pairs);

struct PairCounts {
  size_t same = 0;
  size_t different = 0;
};
PairCounts count_pairs(std::span<const ScoredPair> pairs);

}  // namespace visage::eval
