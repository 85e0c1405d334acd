"""Model files and the Hugging Face Hub.

* files.py: model folders (config.json + model.safetensors + card), the bundled models, zips.
* remote.py: Hub ids and revisions, downloads that fail fast offline, and `load_generator`,
  the one entry for every model source.
"""

from ..checkpoint import ModelLoadError, safetensors_shapes
from .files import (FOLDER_FAMILIES, MAX_CHECKPOINT_BYTES, PRETRAINED_DIR, REGISTRY,
                    HubUnreachableError, ModelInfo, checkpoint_zip_bytes, folder_family,
                    generator_config, load_checkpoint_zip, load_folder, push_to_hub,
                    registry_labels, save_generator)
from .remote import (ECHO_CHARS, HUB_FILE_LOADERS, echo, hub_download, hub_reachable, hub_reference,
                     load_generator, parse_hub_source, valid_revision)

__all__ = [
    "PRETRAINED_DIR", "MAX_CHECKPOINT_BYTES", "HubUnreachableError", "ModelInfo", "FOLDER_FAMILIES",
    "folder_family", "REGISTRY", "registry_labels", "generator_config", "save_generator",
    "checkpoint_zip_bytes", "push_to_hub", "load_folder", "load_checkpoint_zip", "ECHO_CHARS", "echo",
    "valid_revision", "parse_hub_source", "hub_reference", "hub_reachable", "hub_download",
    "HUB_FILE_LOADERS", "load_generator", "ModelLoadError", "safetensors_shapes"
]
