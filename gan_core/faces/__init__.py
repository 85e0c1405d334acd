"""Faces: what the attribute model sees, and a visitor's photo in the generator's latent space.

* attributes.py: the age / gender model, InterFaceGAN-style direction fitting, the bias audit.
* photo.py: a photo decoded within bounds (notes for animated, black-and-white, small ones), the face
  found (frontal, then profile and its mirror image) and cropped like the training photos.
* encoder.py: the image -> z encoder, trained on generated pairs.
* scores.py: precision and recall of the face generator vs truncation, in the attribute model's features.
* inversion.py: `invert`, inversion (encoder + refinement) and what the generator could not reproduce.
"""

from .attributes import (AGE_BINS, AGE_EFFECT_YEARS, AGE_SCALE, FEMALE_EFFECT, AttributeNet,
                         age_bin_labels, age_histogram, audit_reading, describe_effect, evaluate,
                         fit_linear_direction, fit_named_directions, load_attribute_model,
                         load_labelled_faces, measure_direction, project_out, save_attribute_model,
                         score_codes, train, unit)
from .photo import (DETECTORS, FRAME_DY, FRAME_SCALE, MAX_PHOTO_ASPECT, MAX_PHOTO_BYTES, MAX_PHOTO_PIXELS,
                    MIN_PHOTO_SIDE, NOTE_KEYS, WORKING_SIDE, FaceBox, Photo, PhotoError, crop_face,
                    decode_photo, detector_name, find_face)
from .encoder import (Encoder, EncoderConfig, first_layer, load_encoder, render_pairs, save_encoder,
                      train_encoder)
from .scores import (PSIS, REAL_FEATURES, TruncationRow, generated_features, load_real_features,
                     truncation_sweep)
from .inversion import (REGIONS, Inversion, InvertConfig, Residual, default_encoder,
                        describe_residual, difference_image, edit, invert, invert_batch,
                        laplacian_pyramid, psnr, pyramid_l1, render)

__all__ = [
    "AGE_SCALE", "AttributeNet", "load_attribute_model", "unit", "project_out", "fit_linear_direction",
    "score_codes", "fit_named_directions", "measure_direction", "AGE_EFFECT_YEARS", "FEMALE_EFFECT",
    "describe_effect", "AGE_BINS", "age_histogram", "audit_reading", "age_bin_labels",
    "load_labelled_faces", "evaluate", "train", "save_attribute_model", "MAX_PHOTO_BYTES",
    "MAX_PHOTO_PIXELS", "MAX_PHOTO_ASPECT", "MIN_PHOTO_SIDE", "WORKING_SIDE", "PhotoError", "Photo", "decode_photo",
    "FRAME_SCALE", "FRAME_DY", "FaceBox", "DETECTORS", "NOTE_KEYS", "detector_name", "find_face", "crop_face", "Encoder",
    "EncoderConfig", "render_pairs", "first_layer", "train_encoder", "save_encoder", "load_encoder",
    "InvertConfig", "Inversion", "render", "laplacian_pyramid", "pyramid_l1", "psnr", "default_encoder",
    "invert_batch", "invert", "edit", "difference_image", "REGIONS", "Residual", "describe_residual",
    "PSIS", "REAL_FEATURES", "TruncationRow",
    "generated_features", "load_real_features", "truncation_sweep"
]
