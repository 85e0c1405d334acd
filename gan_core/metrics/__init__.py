"""Sample-quality metrics that run offline on a CPU (uint8 images in, numbers out).

* sliced_wasserstein.py: `swd`, the multi-scale sliced Wasserstein distance (Karras et al. 2018).
* precision_recall.py: `precision_recall`, improved precision and recall on features (Kynkäänniemi et al. 2019).
* stats.py: colour statistics, mode coverage on toys, diversity, nearest training image.
* inputs.py: the input checks every metric shares.
"""

from .precision_recall import DEFAULT_K, PrecisionRecall, knn_radii, precision_recall
from .sliced_wasserstein import SWDResult, swd
from .stats import (ColourStats, Diversity, ModeCoverage, colour_stats, diversity, mode_coverage,
                    nearest_training, nearest_training_distance, training_nn_distance)

__all__ = [
    "DEFAULT_K", "PrecisionRecall", "knn_radii", "precision_recall", "SWDResult", "swd", "ColourStats",
    "colour_stats", "ModeCoverage", "mode_coverage", "Diversity", "diversity", "nearest_training",
    "nearest_training_distance", "training_nn_distance"
]
