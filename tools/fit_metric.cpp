#include <iostream>
#include <optional>
#include <set>

#include "core/error.hpp"
#include "datasets/pairs.hpp"
#include "eval/embeddings_file.hpp"
#include "eval/learned_metric.hpp"
#include "eval/learned_metric_file.hpp"
#include "eval/metric_training_set.hpp"
#include "tools/command.hpp"
#include "tools/options.hpp"

namespace visage::tools {

int run_fit_metric(Args args) {
  Options options(
      "fit-metric",
      "Fits a learned metric on labelled embeddings (from `visage embed`) and writes it to an "
      "HDF5 file for `visage verify --metric` / `--fold-metric`. An image's identity is the "
      "folder in its path (<identity>/<image>, as LFW and `visage synth` lay images out). The "
      "metric: subtract the training mean; PCA on the covariance, each direction scaled to unit "
      "variance (whitening); LDA in that space, with the within-class scatter regularised by "
      "regularisation * trace(Sw) / dims * I. Verification then compares the projected vectors "
      "by cosine distance. For LFW's unrestricted protocol give --pairs and --held-out-fold k: "
      "the fit then reads only the embeddings of the people of the other folds' pairs, never "
      "fold k's.");
  options.value("embeddings", "E.h5", "training embeddings, written by `visage embed`")
      .value("out", "M.h5", "where to write the fitted metric")
      .value("pca", "N", "PCA dimensions to keep (0: every non-degenerate one)", "0")
      .value("lda", "K", "LDA dimensions to keep (0: identities - 1, at most the PCA ones)", "0")
      .value("regularisation", "EPS", "within-class scatter ridge, relative to its mean eigenvalue",
             "0.001")
      .flag("no-whiten", "keep PCA's variances instead of scaling each direction to unit variance")
      .value("pairs", "FILE", "pairs file whose folds --held-out-fold refers to (View 2)")
      .value("held-out-fold", "K",
             "fit on the people of the pairs of every fold but K (1-based, as --fold-metric's "
             "{fold}), never reading fold K's images");
  if (!options.parse(args)) return 0;
  VISAGE_CHECK(options.has("embeddings") && options.has("out"),
               "--embeddings and --out are required\n\n", options.usage());
  VISAGE_CHECK(options.has("pairs") == options.has("held-out-fold"),
               "--pairs and --held-out-fold go together\n\n", options.usage());

  std::optional<std::set<std::string>> allowed;
  std::string fitted_on = options.get("embeddings");
  if (options.has("pairs")) {
    const data::PairsProtocol protocol = data::read_pairs_file(options.get("pairs"));
    const int fold = options.get_int("held-out-fold");
    VISAGE_CHECK(protocol.num_folds >= 2 && fold >= 1 && fold <= protocol.num_folds,
                 "--held-out-fold ", fold, ": ", protocol.source, " has folds 1..",
                 protocol.num_folds,
                 (protocol.num_folds < 2 ? " (View 1: no folds to hold out)" : ""));
    allowed = eval::training_identities(protocol, fold - 1);
    fitted_on += ", people of " + protocol.source + " except fold " + std::to_string(fold);
  }

  const eval::EmbeddingTable table = eval::read_embeddings(options.get("embeddings"));
  const eval::LabelledEmbeddings training = eval::select_by_identity(table, allowed);
  eval::LearnedMetricOptions fit;
  fit.pca_dims = options.get_int("pca");
  fit.lda_dims = options.get_int("lda");
  fit.regularisation = options.get_double("regularisation");
  fit.whiten = !options.get_flag("no-whiten");
  eval::LearnedMetric metric;
  try {
    metric = eval::fit_learned_metric(training.values, training.dim, training.labels, fit);
  } catch (const Error& e) {
    fail(fitted_on, ": ", e.what());
  }
  eval::write_learned_metric(metric, fitted_on, options.get("out"));
  std::cout << "fitted on " << metric.images << " of " << table.size() << " embeddings ("
            << metric.identities << " identities): dimension " << metric.input_dim << " -> PCA "
            << metric.pca_dims << (fit.whiten ? " (whitened)" : "") << " -> LDA "
            << metric.output_dim << "; wrote " << options.get("out") << "\n";
  return 0;
}

}  // namespace visage::tools
