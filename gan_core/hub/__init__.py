"""Model files and the Hugging Face Hub.

* files.py: model folders (config.json + model.safetensors + card), the bundled models, zips.
* refs.py: Hub repo ids and revisions (one rule), and the pins: pins.json names the revision each
  Hub model the app offers is fetched at; the commit a download came from is read from the cache.
* remote.py: downloads that fail fast offline, the Hub field's parsing, and `load_generator`,
  the one entry for every model source.
"""

from ..checkpoint import ModelLoadError, safetensors_shapes
from .files import (FOLDER_FAMILIES, MAX_CHECKPOINT_BYTES, PRETRAINED_DIR, REGISTRY,
                    HubUnreachableError, ModelInfo, checkpoint_zip_bytes, folder_family,
                    generator_config, load_checkpoint_zip, load_folder, push_to_hub,
                    registry_labels, save_generator)
from .refs import (ECHO_CHARS, PINS_FILE, Pin, echo, is_commit, load_pins, parse_hub_source, pin,
                   snapshot_commit, valid_revision, write_pin)
from .remote import HUB_FILE_LOADERS, hub_download, hub_reachable, hub_reference, load_generator

__all__ = [
    "PRETRAINED_DIR", "MAX_CHECKPOINT_BYTES", "HubUnreachableError", "ModelInfo", "FOLDER_FAMILIES",
    "folder_family", "REGISTRY", "registry_labels", "generator_config", "save_generator",
    "checkpoint_zip_bytes", "push_to_hub", "load_folder", "load_checkpoint_zip", "ECHO_CHARS", "echo",
    "valid_revision", "parse_hub_source", "hub_reference", "hub_reachable", "hub_download",
    "HUB_FILE_LOADERS", "load_generator", "ModelLoadError", "safetensors_shapes", "PINS_FILE", "Pin",
    "is_commit", "load_pins", "pin", "snapshot_commit", "write_pin"
]
