"""The course's hyperparameter study (`python -m gan_core.study`).

* design.py: the study as data (base config, factors, run list).
* run.py: trains its runs and scores them.
* results.py: reads and checks run records; the Train page's runs in the same shape.
* report.py: the results folder's study.json and README (the headline table).
"""

from .design import (BASE_CONFIG, CHECKPOINT_EVERY, DEFAULT_ITERATIONS, EVAL_SEED, FACTORS,
                     GRID_SIDE, LOSS_EVERY, N_FIRST_LOSSES, RECORDS_DIR, RUN_ORDER, STUDY_FIELDS,
                     StudyRun, factor_groups, run_by_name, run_list, value_label)
from .results import (MAX_CURVE_POINTS, SUMMARY_KEYS, common_grid_iterations, config_diff,
                      grid_list, grid_nearest_training, grid_tiles, live_config, load_runs,
                      load_study, nearest_training_by_checkpoint, summary_row, user_runs,
                      validate_run)
from .report import hardware, headline_cells, headline_table, write_index
from .run import run_one

__all__ = [
    "STUDY_FIELDS", "BASE_CONFIG", "FACTORS", "DEFAULT_ITERATIONS", "CHECKPOINT_EVERY", "LOSS_EVERY",
    "N_FIRST_LOSSES", "GRID_SIDE", "RECORDS_DIR", "EVAL_SEED", "StudyRun", "value_label", "run_list",
    "RUN_ORDER", "run_by_name", "factor_groups", "SUMMARY_KEYS", "load_runs", "load_study", "validate_run",
    "summary_row", "live_config", "grid_tiles", "grid_nearest_training", "nearest_training_by_checkpoint",
    "grid_list", "common_grid_iterations", "config_diff", "MAX_CURVE_POINTS", "user_runs", "hardware",
    "headline_cells", "headline_table", "write_index", "run_one"
]
