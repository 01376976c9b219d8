#include "tools/experiment_spec.hpp"

#include <google/protobuf/text_format.h>

#include <algorithm>
#include <memory>
#include <set>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/net.hpp"
#include "core/text_hash.hpp"
#include "solvers/builtin_layers.hpp"
#include "tools/net_table.hpp"

namespace visage::tools {
namespace {

namespace fs = std::filesystem;

fs::path beside(const fs::path& file, const std::string& relative) {
  const fs::path p(relative);
  return p.is_absolute() ? p : file.parent_path() / p;
}

// The base solver's net, found as `visage train` finds it: beside the solver file first, then in
// the current folder.
fs::path solver_net_path(const fs::path& solver_file, const std::string& net) {
  const fs::path next_to_solver = beside(solver_file, net);
  std::error_code ec;
  if (!fs::exists(next_to_solver, ec) && fs::exists(net, ec)) return net;
  return next_to_solver;
}

bool is_verification_metric(proto::ExperimentMetric metric) {
  return metric != proto::CLASSIFICATION_ERROR;
}

// The fields set in `fields` replace those of `target`: singular messages are merged the same way,
// field by field, while a repeated field given replaces the whole list (protobuf's MergeFrom would
// append to it: a second input shape, a second mean value).
void merge_replacing(google::protobuf::Message& target, const google::protobuf::Message& fields) {
  const google::protobuf::Reflection& from = *fields.GetReflection();
  const google::protobuf::Reflection& to = *target.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> set;
  from.ListFields(fields, &set);
  std::unique_ptr<google::protobuf::Message> rest(fields.New());
  rest->CopyFrom(fields);
  for (const auto* field : set) {
    if (!field->is_repeated() &&
        field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      merge_replacing(*to.MutableMessage(&target, field), from.GetMessage(fields, field));
      rest->GetReflection()->ClearField(rest.get(), field);
    } else {
      to.ClearField(&target, field);
    }
  }
  target.MergeFrom(*rest);
}

// Merges `override.fields` (LayerParameter text) into every layer named `override.layer`. Returns
// whether one was found.
bool merge_layer(proto::NetParameter& net, const proto::LayerOverride& override,
                 const std::string& where) {
  VISAGE_CHECK(!override.layer().empty(), where, ": a layer override needs `layer`");
  proto::LayerParameter fields;
  parse_text_config(override.fields(), concat(where, " (fields of layer '", override.layer(), "')"),
                    fields);
  bool found = false;
  for (auto& layer : *net.mutable_layer()) {
    if (layer.name() != override.layer()) continue;
    if (override.replace()) {
      proto::LayerParameter replacement = fields;
      replacement.set_name(layer.name());
      if (replacement.include_size() == 0 && replacement.exclude_size() == 0) {
        *replacement.mutable_include() = layer.include();
        *replacement.mutable_exclude() = layer.exclude();
      }
      layer = std::move(replacement);
    } else {
      merge_replacing(layer, fields);
    }
    found = true;
  }
  return found;
}

void merge_solver(proto::SolverParameter& solver, const std::string& text,
                  const std::string& where) {
  if (text.empty()) return;
  proto::SolverParameter fields;
  parse_text_config(text, where, fields);
  VISAGE_CHECK(!fields.has_net() && !fields.has_net_param() && !fields.has_train_net() &&
                   !fields.has_train_net_param(),
               where, ": give another net as the variant's `net`, not inside its solver text");
  merge_replacing(solver, fields);
}

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

// Multiply-adds per image of a deploy net, as `visage summary` counts them.
int64_t multiply_adds(const proto::NetParameter& deploy, const std::string& context) {
  Context ctx = Context::cpu();
  NetOptions options;
  options.phase = proto::TEST;
  Net net(net_config_from(deploy, concat(context, " (deploy net)")), options, ctx,
          builtin_layers());
  int64_t total = 0;
  for (const LayerRow& row : summarize(net)) total += row.macs;
  return total;
}

// What would otherwise fail only after training: no accuracy output to read the classification
// error from, or synthetic training identities that reach into the held-out ones.
void check_train_net(const ExperimentSpec& spec, const proto::NetParameter& net,
                     const std::string& context) {
  bool accuracy = false;
  for (const auto& layer : net.layer()) {
    const bool train_only =
        std::any_of(layer.include().begin(), layer.include().end(),
                    [](const auto& rule) { return rule.phase() == proto::TRAIN; });
    for (const auto& top : layer.top()) accuracy = accuracy || (top == "accuracy" && !train_only);
    if (!spec.needs_heldout || !layer.has_synthetic_face_data_param()) continue;
    const auto& d = layer.synthetic_face_data_param();
    const uint64_t first = d.first_identity(), end = first + d.identities();
    const uint64_t heldout_first = spec.heldout.first_identity();
    const uint64_t heldout_end = heldout_first + spec.heldout.identities();
    VISAGE_CHECK(end <= heldout_first || first >= heldout_end, context, ": its layer '",
                 layer.name(), "' trains on synthetic identities ", first, "-", end - 1,
                 ", which overlap the held-out ones (", heldout_first, "-", heldout_end - 1, ")");
  }
  VISAGE_CHECK(!spec.needs_classification || accuracy, context,
               ": CLASSIFICATION_ERROR needs an output named `accuracy` in the TEST phase (an "
               "Accuracy layer on held-out images of the training identities)");
}

}  // namespace

ExperimentSpec load_experiment(const fs::path& file, const std::string& scale) {
  ExperimentSpec spec;
  spec.file = file;
  parse_text_config(read_file(file.string()), file.string(), spec.param);
  const proto::Experiment& p = spec.param;
  const std::string where = file.string();
  VISAGE_CHECK(!p.name().empty(), where,
               ": the experiment needs a `name` (its results' file name)");
  VISAGE_CHECK(
      p.name().find_first_of("/\\ ") == std::string::npos && p.name() != "." && p.name() != "..",
      where, ": name '", p.name(), "' must be a plain file name");
  VISAGE_CHECK(!p.solver().empty(), where, ": the experiment needs a base `solver`");
  VISAGE_CHECK(p.variant_size() > 0, where, ": the experiment has no `variant`");
  VISAGE_CHECK(p.metric_size() > 0, where, ": the experiment measures nothing: add a `metric`");

  std::set<std::string> names;
  for (const auto& variant : p.variant()) {
    VISAGE_CHECK(!variant.name().empty(), where, ": every variant needs a `name`");
    VISAGE_CHECK(names.insert(variant.name()).second, where, ": two variants are named '",
                 variant.name(), "'");
    VISAGE_CHECK(!p.plot() || variant.has_x() || p.x_is_multiply_adds(), where, ": variant '",
                 variant.name(), "' needs an `x` for the plot");
    VISAGE_CHECK(!p.x_is_multiply_adds() || !variant.has_x(), where, ": variant '", variant.name(),
                 "' gives an x, but x_is_multiply_adds counts it");
    VISAGE_CHECK(!p.plot() || !p.plot_x_log() || p.x_is_multiply_adds() || variant.x() > 0, where,
                 ": variant '", variant.name(), "' has x = ", variant.x(), " on a log axis");
  }
  for (const int number : p.metric()) {
    const auto metric = static_cast<proto::ExperimentMetric>(number);
    spec.needs_heldout = spec.needs_heldout || is_verification_metric(metric);
    spec.needs_classification = spec.needs_classification || metric == proto::CLASSIFICATION_ERROR;
  }
  VISAGE_CHECK(
      !p.has_paper_metric() || std::find(p.metric().begin(), p.metric().end(),
                                         static_cast<int>(p.paper_metric())) != p.metric().end(),
      where, ": paper_metric ", proto::ExperimentMetric_Name(p.paper_metric()),
      " is not one of the experiment's metrics");
  VISAGE_CHECK(!spec.needs_heldout || !p.deploy().empty(), where,
               ": verification metrics need a `deploy` net (Input -> embedding)");

  std::vector<std::string> scales;
  for (const auto& s : p.scale()) {
    scales.push_back(s.name());
    if (s.name() == scale) spec.scale = s;
  }
  const bool found = std::find(scales.begin(), scales.end(), scale) != scales.end();
  // The default scale needs no block: it is the spec as written.
  VISAGE_CHECK(found || scale == "full", where, ": no scale named '", scale,
               "' (it has: ", scales.empty() ? std::string("full") : joined(scales), ")");
  if (!found) spec.scale.set_name("full");
  spec.heldout = spec.scale.has_heldout() ? spec.scale.heldout() : p.heldout();
  const auto& h = spec.heldout;
  VISAGE_CHECK(h.folds() % h.splits() == 0, where, ": heldout splits (", h.splits(),
               ") must divide its folds (", h.folds(), ")");
  VISAGE_CHECK(h.identities() >= 2 * h.folds(), where, ": heldout needs at least two identities ",
               "per fold (", h.identities(), " identities, ", h.folds(), " folds)");
  if (spec.needs_heldout) {
    // Before any training: a set that cannot supply its pairs would fail only afterwards.
    with_context(concat(where, ": heldout"), [&] {
      const synthetic::SyntheticDatasetSpec dataset = heldout_dataset(h);
      synthetic::check_synthetic_dataset_spec(dataset);
      synthetic::synthetic_pairs(dataset);
    });
  }
  VISAGE_CHECK(!p.x_is_multiply_adds() || spec.needs_heldout, where,
               ": x_is_multiply_adds counts the deploy nets', so the spec needs a verification "
               "metric and a deploy net");
  return spec;
}

std::vector<VariantPlan> plan_variants(const ExperimentSpec& spec) {
  const std::string where = spec.file.string();
  const fs::path base_solver_file = beside(spec.file, spec.param.solver());
  const proto::SolverParameter base = load_solver_config(base_solver_file.string());
  VISAGE_CHECK(base.has_net(), base_solver_file.string(),
               ": an experiment's base solver names its net with `net: \"...\"`");

  std::vector<VariantPlan> plans;
  for (const auto& variant : spec.param.variant()) {
    const std::string context = concat(where, ": variant '", variant.name(), "'");
    VariantPlan plan;
    plan.variant = variant;
    if (plan.is_ensemble()) {
      VISAGE_CHECK(!variant.has_net() && !variant.has_deploy() && !variant.has_solver() &&
                       variant.layer_size() == 0 && variant.deploy_layer_size() == 0,
                   context, ": an ensemble has no network of its own; give it only its members");
      VISAGE_CHECK(spec.needs_heldout && !spec.needs_classification, context,
                   ": an ensemble is measured on held-out identities only: its spec's metrics "
                   "must all be verification metrics");
      VISAGE_CHECK(!spec.param.x_is_multiply_adds(), context,
                   ": an ensemble has no multiply-adds of its own to plot");
      std::set<std::string> members;
      for (const std::string& member : variant.ensemble()) {
        VISAGE_CHECK(members.insert(member).second, context, ": ensemble member '", member,
                     "' is listed twice");
        const bool earlier = std::any_of(plans.begin(), plans.end(), [&](const VariantPlan& p) {
          return p.variant.name() == member && !p.is_ensemble();
        });
        VISAGE_CHECK(earlier, context, ": ensemble member '", member,
                     "' must be a variant listed before it, with a network of its own");
      }
      plans.push_back(std::move(plan));
      continue;
    }

    const fs::path net_file = variant.has_net() ? beside(spec.file, variant.net())
                                                : solver_net_path(base_solver_file, base.net());
    proto::NetParameter net = load_net_config(net_file.string()).param;
    for (const auto& override : variant.layer()) {
      VISAGE_CHECK(merge_layer(net, override, context), context, ": its train net ",
                   net_file.string(), " has no layer '", override.layer(), "'");
    }
    for (const auto& override : spec.scale.layer()) {
      VISAGE_CHECK(merge_layer(net, override, concat(where, ": scale '", spec.scale.name(), "'")),
                   where, ": scale '", spec.scale.name(), "': the train net of variant '",
                   variant.name(), "' (", net_file.string(), ") has no layer '", override.layer(),
                   "'");
    }

    check_train_net(spec, net, context);
    plan.solver = base;
    plan.solver.clear_net();
    *plan.solver.mutable_net_param() = std::move(net);
    merge_solver(plan.solver, variant.solver(), concat(context, " (solver)"));
    merge_solver(plan.solver, spec.scale.solver(),
                 concat(where, ": scale '", spec.scale.name(), "' (solver)"));
    // The runner evaluates every variant the same way after training; the base solver's own
    // tests would only cost time, and its data paths belong to another run.
    plan.solver.clear_test_net();
    plan.solver.clear_test_iter();
    plan.solver.clear_test_state();
    plan.solver.clear_test_net_param();
    plan.solver.clear_verification_test();
    plan.solver.set_test_interval(0);
    plan.solver.clear_snapshot_prefix();
    plan.solver.clear_progress_log();
    VISAGE_CHECK(plan.solver.max_iter() > 0, context, ": max_iter must be > 0");

    std::string canonical;
    google::protobuf::TextFormat::PrintToString(plan.solver, &canonical);
    plan.run_id = hex64(fnv1a_64(canonical));

    if (spec.needs_heldout) {
      const fs::path deploy_file =
          beside(spec.file, variant.has_deploy() ? variant.deploy() : spec.param.deploy());
      plan.deploy = load_net_config(deploy_file.string()).param;
      // A train-net override reaches the deploy net's layer of the same name when it has one
      // (the embedding's width); a replaced layer (a data layer) stays the deploy net's own.
      for (const auto& override : variant.layer()) {
        if (!override.replace()) merge_layer(plan.deploy, override, context);
      }
      for (const auto& override : variant.deploy_layer()) {
        VISAGE_CHECK(merge_layer(plan.deploy, override, context), context, ": its deploy net ",
                     deploy_file.string(), " has no layer '", override.layer(), "'");
      }
      if (spec.param.x_is_multiply_adds()) {
        plan.variant.set_x(static_cast<double>(multiply_adds(plan.deploy, context)));
      }
    }
    plans.push_back(std::move(plan));
  }
  return plans;
}

synthetic::SyntheticDatasetSpec heldout_dataset(const proto::ExperimentHeldout& heldout) {
  synthetic::SyntheticDatasetSpec spec;
  spec.face.seed = heldout.seed();
  spec.face.size = static_cast<int>(heldout.size());
  spec.first_identity = heldout.first_identity();
  spec.identities = static_cast<int>(heldout.identities());
  spec.images_per_identity = static_cast<int>(heldout.per_identity());
  spec.folds = static_cast<int>(heldout.folds());
  spec.pairs_per_fold = static_cast<int>(heldout.pairs());
  return spec;
}

std::string describe_budget(const proto::SolverParameter& solver) {
  int64_t batch = 0;
  for (const auto& layer : solver.net_param().layer()) {
    const bool test_only =
        std::any_of(layer.include().begin(), layer.include().end(),
                    [](const auto& rule) { return rule.phase() == proto::TEST; });
    if (test_only) continue;
    if (layer.has_synthetic_face_data_param()) {
      const auto& d = layer.synthetic_face_data_param();
      batch = d.identities_per_batch() > 0
                  ? static_cast<int64_t>(d.identities_per_batch()) * d.images_per_identity()
                  : d.batch_size();
      break;
    }
    if (layer.has_face_data_param()) {
      batch = layer.face_data_param().batch_size();
      break;
    }
  }
  std::string text = concat(solver.max_iter(), " iterations");
  if (batch > 0) text += concat(" of ", batch, " images");
  if (solver.iter_size() > 1) text += concat(" (x ", solver.iter_size(), " accumulated)");
  return text;
}

}  // namespace visage::tools
