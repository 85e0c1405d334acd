"""Model files, checked before a single weight is allocated, and the base class of a generator family.

A model folder is the layout of huggingface_hub's PyTorchModelHubMixin:

    config.json          the generator's constructor arguments (+ how it was trained)
    model.safetensors    the weights (safetensors: a tensor file format that cannot run code)
    README.md            the model card

`GeneratorFamily` is that mixin plus what the app adds. A generator class that
inherits it (models/dcgan.py's DCGenerator) owns its config (its constructor's
arguments, with `config_limits`), its saving (the mixin's `save_pretrained`
and `push_to_hub`) and its checked loading (`build_checked`). We use the
mixin for the layout, the saving and the push only. Its loading builds the
model from config.json before looking at the weights, and falls back to a
pickled pytorch_model.bin, so a 360-byte config could ask for a
1.6-billion-parameter model. Here every file is checked first, in this order:
the config's types and ranges, the model's size and activation memory
(computed on the meta device, where tensors have shapes and no storage), the
weights' shapes from the safetensors header; only then is the model built
and the weights decoded, strictly and finite. `from_pretrained` is routed
through the same checks and never reads a pickle.

Nothing here imports a model: a family passes itself (`cls`) to the checks,
so models/ can import this module without an import circle.
"""

from __future__ import annotations

import inspect
import io
import json
import os
from pathlib import Path

import torch
from huggingface_hub import PyTorchModelHubMixin, constants

from .textsafe import quote

CONFIG_NAME = constants.CONFIG_NAME                    # "config.json"
WEIGHTS_NAME = constants.SAFETENSORS_SINGLE_FILE       # "model.safetensors"

# What one uploaded or downloaded generator may cost, checked from config.json and the
# safetensors header before a single weight is allocated. faces64 has 2.4 M parameters
# and needs ~13 MB of activations for a 16-face grid; these leave room for 20x more.
MAX_PARAMETERS = 50_000_000            # 200 MB in float32
MAX_ACTIVATION_BYTES = 512 * 2**20     # float32 activations of a 16-image batch
ACTIVATION_BATCH = 16                  # the largest batch the playground renders (a 16-face grid)
MAX_HEADER_BYTES = 1_000_000           # a safetensors header listing ~20 tensors is ~2 KB


class ModelLoadError(Exception):
    """A model could not be loaded; the message is meant for the user."""


def parse_json(raw, where: str, what: str):
    """Untrusted JSON (config.json, a safetensors header) -> its value, or a ModelLoadError in our words.

    json.loads raises JSONDecodeError and UnicodeDecodeError on bad text, ValueError on an integer of
    more than 4,300 digits, RecursionError on 100,000 nested brackets; each becomes one sentence.
    """
    try:
        return json.loads(raw)
    except RecursionError:
        raise ModelLoadError(f"{where}: {what} is nested too deeply to be a model file") from None
    except json.JSONDecodeError as exc:
        raise ModelLoadError(f"{where}: {what} is not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    except (UnicodeDecodeError, ValueError, TypeError):
        raise ModelLoadError(f"{where}: {what} is not valid JSON text") from None


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _json_type(value) -> str:
    return {dict: "object", list: "list", str: "text", bool: "true/false", float: "number",
            int: "number", type(None): "null"}.get(type(value), "value")


# ---------------------------------------------------------------- weights files

def safetensors_shapes(header_source, where: str) -> dict[str, tuple]:
    """name -> shape from a safetensors header (8-byte length + JSON), reading nothing else.

    header_source: the file's bytes, or a path. Also checks that every tensor's
    byte range fits its dtype and shape, so a lying header is refused here.
    """
    if isinstance(header_source, (bytes, bytearray, memoryview)):
        head = bytes(header_source[:8 + MAX_HEADER_BYTES])
        total = len(header_source)
    else:
        with open(header_source, "rb") as f:
            head = f.read(8 + MAX_HEADER_BYTES)
            total = os.fstat(f.fileno()).st_size
    corrupt = f"{where}: model.safetensors is corrupt or truncated"
    if len(head) < 8:
        raise ModelLoadError(corrupt)
    n = int.from_bytes(head[:8], "little")
    if n > MAX_HEADER_BYTES or 8 + n > len(head):
        raise ModelLoadError(f"{corrupt} (header of {n} bytes)")
    try:
        header = parse_json(head[8:8 + n], where, "model.safetensors' header")
    except ModelLoadError as exc:
        raise ModelLoadError(f"{corrupt} ({str(exc).removeprefix(where + ': ')})") from None
    if not isinstance(header, dict):
        raise ModelLoadError(f"{corrupt} (header is not an object)")
    sizes = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}
    shapes = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            # Whole numbers only: int() would turn Infinity into OverflowError and 1.5 into 1.
            shape, offsets = tuple(entry["shape"]), tuple(entry["data_offsets"])
            if not all(_whole(d) and 0 <= d < 2**48 for d in (*shape, *offsets)) or len(offsets) != 2 \
                    or len(shape) > 8:
                raise ValueError
            start, end = offsets
            itemsize = sizes[entry["dtype"]]
        except (KeyError, TypeError, ValueError):
            raise ModelLoadError(f"{corrupt} (tensor {quote(name, 60)})") from None
        count = 1
        for d in shape:
            count *= d
        if any(d < 0 for d in shape) or end - start != count * itemsize or not 0 <= start <= end <= total - 8 - n:
            raise ModelLoadError(f"{corrupt} (tensor {quote(name, 60)} does not fit the file)")
        shapes[name] = shape
    return shapes


def read_safetensors(data_or_path, where: str) -> dict:
    from safetensors.torch import load, load_file

    try:
        if isinstance(data_or_path, (bytes, bytearray)):
            return load(bytes(data_or_path))
        return load_file(str(data_or_path))
    except Exception:  # safetensors raises its own error types; their text may hold a path
        raise ModelLoadError(f"{where}: model.safetensors is corrupt or truncated") from None


def torch_load_weights(data_or_path, where: str) -> dict:
    """torch.load with weights_only=True: tensors only, a pickle with code is refused unrun."""
    try:
        src = io.BytesIO(data_or_path) if isinstance(data_or_path, (bytes, bytearray)) else data_or_path
        state = torch.load(src, map_location="cpu", weights_only=True)
    except Exception:  # torch's text may hold the file's path; the server log is not the page
        raise ModelLoadError(f"{where}: refused to load the weights file: it is not a plain tensor "
                             "checkpoint (it may contain code, which is never executed)") from None
    if not isinstance(state, dict):
        raise ModelLoadError(f"{where}: the weights file does not hold a state dict")
    return state


def _shape_problem(expected: dict[str, tuple], shapes: dict[str, tuple], where: str) -> None:
    """The first key missing, misshapen or unexpected, as a ModelLoadError."""
    for key, shape in expected.items():
        if key not in shapes:
            raise ModelLoadError(f"{where}: the weights have no entry {quote(key, 60)}: this checkpoint was saved "
                                 "from a different architecture")
        if tuple(shapes[key]) != tuple(shape):
            raise ModelLoadError(f"{where}: layer {quote(key, 60)} has shape {tuple(shapes[key])}, the model "
                                 f"expects {tuple(shape)}: a different architecture or size")
    extra = [k for k in shapes if k not in expected]
    if extra:
        raise ModelLoadError(f"{where}: unexpected weight {quote(extra[0], 80)}: this checkpoint is from a "
                             "different architecture")


def load_state_dict_strict(model: torch.nn.Module, state: dict, where: str):
    """load_state_dict, but the error names the first layer that does not fit, and NaN/inf is refused."""
    _shape_problem({k: tuple(v.shape) for k, v in model.state_dict().items()},
                   {k: tuple(v.shape) for k, v in state.items()}, where)
    for key, tensor in state.items():
        # NaN or inf weights render black images and NaN slider labels: refuse them by name.
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise ModelLoadError(f"{where}: layer {key!r} holds NaN or infinite values: the checkpoint is "
                                 "broken (a diverged training saves weights like these)")
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})


# ---------------------------------------------------------------- a generator family

class GeneratorFamily(PyTorchModelHubMixin):
    """A generator class that saves to and loads from a model folder.

    A subclass declares `architecture` (config.json's "architecture" field) and
    `config_limits` (integer constructor arguments -> (lo, hi)); everything
    else comes from its constructor's signature, so no argument is listed twice.
    """

    architecture: str = ""
    config_limits: dict[str, tuple[int, int]] = {}

    # -- config ---------------------------------------------------------------

    @classmethod
    def config_defaults(cls) -> dict:
        """The constructor's arguments and their defaults.

        From the first class in the MRO that names them: a subclass whose
        __init__ only passes *args, **kwargs on keeps its parent's config.
        """
        for klass in cls.__mro__:
            if "__init__" in vars(klass):
                params = list(inspect.signature(klass.__init__).parameters.values())[1:]  # without self
                if not any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
                    return {p.name: p.default for p in params}
        return {}

    def hub_config(self) -> dict:
        """What config.json holds about the network: the architecture and the constructor's arguments."""
        return {"architecture": self.architecture, **{k: getattr(self, k) for k in self.config_defaults()}}

    @classmethod
    def config_kwargs(cls, config: dict, where: str) -> dict:
        """config.json -> constructor arguments, each checked for type and range."""
        if not isinstance(config, dict):
            raise ModelLoadError(f"{where}: config.json must hold a JSON object")
        arch = config.get("architecture", cls.architecture)
        if not isinstance(arch, str):
            raise ModelLoadError(f"{where}: config.json field 'architecture' must be a name such as "
                                 f"{cls.architecture!r}, got a JSON {_json_type(arch)}")
        if arch != cls.architecture:
            raise ModelLoadError(f"{where}: unsupported architecture {quote(arch)} "
                                 f"(this app loads {cls.architecture!r} folders)")
        kwargs = {}
        for key, default in cls.config_defaults().items():
            value = config.get(key, default)
            if not _whole(value):
                raise ModelLoadError(f"{where}: config.json field {key!r} must be an integer, got "
                                     + (quote(value) if isinstance(value, (str, float)) else f"a JSON {_json_type(value)}"))
            lo, hi = cls.config_limits.get(key, (0, 10**9))
            if not lo <= value <= hi:
                raise ModelLoadError(f"{where}: config.json field {key!r}={value} is out of range [{lo}, {hi}]")
            kwargs[key] = value
        for key in ("licence", "library"):     # shown or read as text later: a text or nothing
            if key in config and not isinstance(config[key], str):
                raise ModelLoadError(f"{where}: config.json field {key!r} must be text, got a JSON "
                                     f"{_json_type(config[key])}")
        return kwargs

    # -- checks before allocating ---------------------------------------------

    @classmethod
    def meta(cls, kwargs: dict, where: str):
        """The model on the meta device: shapes and sizes, no memory behind them."""
        try:
            with torch.device("meta"):
                return cls(**kwargs)
        except ValueError as exc:
            raise ModelLoadError(f"{where}: {exc}") from None

    @classmethod
    def cost(cls, kwargs: dict, where: str = "model") -> tuple[int, int]:
        """(parameters, activation bytes of an ACTIVATION_BATCH forward), computed on the meta device:
        the sum of every layer's output, which bounds the peak of a forward pass."""
        meta = cls.meta(kwargs, where)
        params = sum(p.numel() for p in meta.parameters())
        if hasattr(cls, "layer_outputs"):        # the family can say it from the shapes alone
            return params, 4 * sum(cls.layer_outputs(**kwargs, batch=ACTIVATION_BATCH))
        outputs = []
        hooks = [m.register_forward_hook(lambda _m, _i, out: outputs.append(out.numel()))
                 for m in meta.modules() if not list(m.children())]
        try:
            meta.eval()(torch.empty(ACTIVATION_BATCH, meta.noise_size, device="meta"))
        finally:
            for h in hooks:
                h.remove()
        return params, 4 * sum(outputs)

    @classmethod
    def check_budget(cls, kwargs: dict, where: str) -> None:
        """Refuse a config whose model would not fit the server's budget, before building it."""
        params, activations = cls.cost(kwargs, where)
        if params > MAX_PARAMETERS:
            raise ModelLoadError(f"{where}: this generator would have {params / 1e6:,.0f} M parameters; the app "
                                 f"loads at most {MAX_PARAMETERS / 1e6:.0f} M (lower conv_dim or noise_size)")
        if activations > MAX_ACTIVATION_BYTES:
            raise ModelLoadError(f"{where}: rendering {ACTIVATION_BATCH} images with this generator would need "
                                 f"{activations / 2**20:,.0f} MB of activations; the app allows "
                                 f"{MAX_ACTIVATION_BYTES // 2**20} MB (lower conv_dim or image_size)")

    @classmethod
    def check_shapes(cls, kwargs: dict, shapes: dict[str, tuple], where: str) -> None:
        """The weights' shapes (from the safetensors header) against the config's model, with no tensor built."""
        expected = {k: tuple(v.shape) for k, v in cls.meta(kwargs, where).state_dict().items()}
        _shape_problem(expected, shapes, where)

    @classmethod
    def build_checked(cls, config: dict, where: str, shapes: dict | None = None):
        """Check the config, its cost and (if given) the weights' shapes; only then build the model."""
        kwargs = cls.config_kwargs(config, where)
        cls.check_budget(kwargs, where)
        if shapes is not None:
            cls.check_shapes(kwargs, shapes, where)
        try:
            return cls(**kwargs)
        except ValueError as exc:
            raise ModelLoadError(f"{where}: {exc}") from None

    @classmethod
    def load_checked(cls, config: dict, weights, where: str):
        """A model from config.json's contents and model.safetensors (a path or its bytes), every check first."""
        model = cls.build_checked(config, where, safetensors_shapes(weights, where))
        load_state_dict_strict(model, read_safetensors(weights, where), where)
        return model.eval()

    # -- the mixin's hooks ----------------------------------------------------

    def _save_pretrained(self, save_directory: Path) -> None:
        """The weights as model.safetensors, from CPU copies (a model trained on the GPU saves too)."""
        from safetensors.torch import save_file

        state = {k: v.detach().cpu().contiguous() for k, v in self.state_dict().items()}
        save_file(state, str(Path(save_directory) / WEIGHTS_NAME), metadata={"format": "pt"})

    @classmethod
    def _from_pretrained(cls, *, model_id: str, revision, cache_dir, force_download, local_files_only,
                         token, config: dict | None = None, **_model_kwargs):
        """`Family.from_pretrained(folder or repo id)`: the same checks as the app's loader, safetensors only."""
        if config is None:
            raise ModelLoadError(f"{model_id} has no {CONFIG_NAME}: it is not a GAN Playground model folder")
        if os.path.isdir(model_id):
            weights = Path(model_id) / WEIGHTS_NAME
            if not weights.is_file():
                raise ModelLoadError(f"{model_id} has no {WEIGHTS_NAME}")
        else:
            from huggingface_hub import hf_hub_download

            weights = hf_hub_download(repo_id=model_id, filename=WEIGHTS_NAME, revision=revision,
                                      cache_dir=cache_dir, force_download=force_download, token=token,
                                      local_files_only=local_files_only, library_name="gan_core")
        model = cls.load_checked(config, weights, model_id)
        model.requires_grad_(False)
        return model
