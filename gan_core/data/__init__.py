"""Images and points to train on.

* pixels.py: the pixel-range helpers (`to_float`, `to_uint8`, `to_image_array`).
* builtin.py: the sets that ship inside the package (emoji faces, shapes, 2-D toys).
* registry.py: `DATASETS`, every name a run can use, `load_dataset`, the fixed hold-out split.
* decode.py: one untrusted image decoded within bounds (shared with photos), the reasons a file is refused.
* uploads.py: the user's own images from zips, folders or uploads (`Limits`, `LoadReport`; a whole
  upload refused is an `UploadError`, one bad file only a rejection in the report).
"""

from .pixels import MAX_IMAGE_SIZE, to_float, to_image_array, to_uint8
from .builtin import SHAPE_KINDS, TOY_DATASETS, emoji_faces, shapes, toy_2d, toy_modes
from .decode import (CORRUPT, ENCRYPTED, IMAGE_FORMATS, METADATA, NOT_AN_IMAGE, OVER_BUDGET, TOO_LARGE,
                     TOO_MANY_FILES, UNSAFE_NAME, UNSAFE_PATH, UNSUPPORTED, Rejected, decode_image,
                     ends_cleanly, oversized_metadata, to_rgb)
from .uploads import (MAX_LISTED_REJECTIONS, Limits, LoadCancelled, LoadReport, UploadError,
                      load_images_from_folder, load_images_from_uploads, load_images_from_zip)
from .registry import (BUILTIN, DATASETS, HOLDOUT_SEED, LOCAL_LIMITS, ONLINE, ONLINE_MAX_IMAGES,
                       ONLINE_ROOT, TOY, TOY_POINTS, UPLOAD, Dataset, downloaded, holdout_split,
                       is_toy, load_dataset, load_online, probe_online)

__all__ = [
    "MAX_IMAGE_SIZE", "to_float", "to_uint8", "to_image_array", "TOY_DATASETS", "emoji_faces",
    "SHAPE_KINDS", "shapes", "toy_modes", "toy_2d", "NOT_AN_IMAGE", "CORRUPT", "TOO_LARGE", "UNSAFE_PATH",
    "TOO_MANY_FILES", "ENCRYPTED", "UNSUPPORTED", "OVER_BUDGET", "METADATA", "UNSAFE_NAME",
    "oversized_metadata", "UploadError", "Rejected", "IMAGE_FORMATS",
    "ends_cleanly", "to_rgb", "decode_image", "LoadCancelled", "MAX_LISTED_REJECTIONS", "Limits",
    "LoadReport", "load_images_from_zip", "load_images_from_folder", "load_images_from_uploads", "BUILTIN",
    "TOY", "ONLINE", "UPLOAD", "TOY_POINTS", "ONLINE_ROOT", "ONLINE_MAX_IMAGES", "Dataset", "load_online",
    "DATASETS", "is_toy", "LOCAL_LIMITS", "load_dataset", "downloaded", "probe_online", "HOLDOUT_SEED",
    "holdout_split"
]
