"""Pure computations behind the theory pages' figures (no Streamlit, no plotting). Each returns
numbers or arrays a page draws, small enough for a test to check against the paper's formula.

* divergences.py: the optimal discriminator, JSD/KL for 1-D densities, G's loss vs D's verdict,
  mode-seeking vs mode-covering fits.
* dynamics.py: the Dirac-GAN (exact flow, update eigenvalues, R1, noise, consensus, WGAN-GP), WGAN's parallel lines.
* progressive.py: PGGAN's fade-in, level of detail, minibatch standard deviation.
* course.py: LSGAN label codings, power iteration, the course DCGAN's layer table, SN.
* toylab.py: the 2-D training lab (GAN Lab's views).
* scoring.py: SWD per-set vs shared on a real set and its colour-shifted copies.
* quiz.py: the quizzes' logic: option order per visitor, numeric answers (Persian digits too).
"""

from .divergences import (DATA_MEANS, DATA_STDS, FIT_OBJECTIVES, G_LOSSES, LOG2, LOG4, GaussianFit,
                          OptimalD, fit_gaussian, fit_landscape, fit_objectives, gan_value, modes_kept,
                          gaussian_pdf, generator_gradient_at, generator_loss_curve,
                          grid_half_width, js_divergence, kl_divergence, mixture_pdf, optimal_d_1d,
                          optimal_discriminator, wasserstein1_1d)
from .dynamics import (CONTINUOUS_MAX_DT, DIRAC_LOSSES, DIRAC_MODES, DIRAC_REGULARISERS, R1_CASES,
                       ParallelLines, dirac_fprime0, dirac_jacobian, dirac_step, numerical_step_jacobian,
                       operator_eigenvalues, r1_threshold, step_factor_range, step_factors, update_operator,
                       dirac_gan_trajectory, dirac_vector_field, parallel_lines,
                       parallel_lines_w1_estimate, r1_damping_cases, r1_step_factor)
from .progressive import (LodView, fade_in, lod_to_alpha, lod_view, minibatch_stddev,
                          progressive_schedule, tiny_pggan, upsample_nearest)
from .course import (LayerRow, course_train_config, layer_table, lsgan_d_loss, lsgan_g_loss,
                     power_iteration, spectral_norms_after_training, stable_train_config,
                     top_singular_value)
from .quiz import check_number, correct_is_longest, option_order, parse_number
from .scoring import SHIFTS, BlindSpotRow, colour_shift, swd_blind_spot
from .toylab import (NON_MODE_RADIUS, PRESETS, TOY_DATASETS, Coverage, LabLink, ToyLab, ToyLabConfig,
                     ToyLabView, arrow_segments, lab_from_query, lab_query)

__all__ = [
    "LOG2", "LOG4", "gaussian_pdf", "mixture_pdf", "OptimalD", "optimal_discriminator", "kl_divergence",
    "js_divergence", "wasserstein1_1d", "gan_value", "DATA_MEANS", "DATA_STDS", "grid_half_width",
    "optimal_d_1d", "FIT_OBJECTIVES", "GaussianFit", "fit_objectives", "fit_landscape", "fit_gaussian",
    "modes_kept", "G_LOSSES", "generator_loss_curve", "generator_gradient_at", "DIRAC_LOSSES",
    "DIRAC_MODES", "CONTINUOUS_MAX_DT", "DIRAC_REGULARISERS", "dirac_vector_field", "dirac_gan_trajectory",
    "r1_step_factor", "dirac_fprime0", "dirac_jacobian", "dirac_step", "update_operator", "operator_eigenvalues",
    "numerical_step_jacobian", "r1_threshold", "step_factor_range", "step_factors",
    "R1_CASES", "r1_damping_cases", "ParallelLines", "parallel_lines", "parallel_lines_w1_estimate",
    "fade_in", "upsample_nearest", "lod_to_alpha", "progressive_schedule", "LodView", "tiny_pggan",
    "lod_view", "minibatch_stddev", "lsgan_d_loss", "lsgan_g_loss", "power_iteration", "top_singular_value",
    "LayerRow", "layer_table", "spectral_norms_after_training", "course_train_config",
    "stable_train_config", "TOY_DATASETS", "ToyLabConfig", "PRESETS", "Coverage", "ToyLabView",
    "NON_MODE_RADIUS", "ToyLab", "arrow_segments", "LabLink", "lab_from_query", "lab_query", "SHIFTS", "BlindSpotRow", "colour_shift", "swd_blind_spot",
    "option_order", "parse_number", "check_number", "correct_is_longest",
]
