"""PGGAN generator, CelebA-HQ 1024x1024: a port that loads `huggan/pggan-celebahq-1024`.

The Hub file is the plain state dict of genforce's PGGAN generator (the network
of Karras et al. 2018, "Progressive Growing of GANs", converted from NVIDIA's
TensorFlow release). This module re-implements that network so the file loads
with a strict key-for-key, shape-for-shape match; the spec we wrote from is
docs/pggan-celebahq-1024.md.

Shapes for the default 1024 model (nf(res) = min(16384 // res, 512) channels):

    z (B, 512)                          pixel-normalised onto the sphere of radius sqrt(512)
    layer0   dense z -> 4x4             -> (B, 512, 4, 4)       block 0, res 4
    layer1   conv 3x3                   -> (B, 512, 4, 4)       output0: toRGB at 4x4
    layer2   up x2, conv 3x3            -> (B, 512, 8, 8)       block 1
    layer3   conv 3x3                   -> (B, 512, 8, 8)       output1: toRGB at 8x8
    ...      blocks 2, 3 (16, 32)       -> (B, 512, 32, 32)
    layer8   up x2, conv 3x3            -> (B, 256, 64, 64)     block 4
    layer10  ...                        -> (B, 128, 128, 128)   block 5
    layer12  ...                        -> (B, 64, 256, 256)    block 6
    layer14  ...                        -> (B, 32, 512, 512)    block 7
    layer16  up x2, conv 3x3            -> (B, 16, 1024, 1024)  block 8
    layer17  conv 3x3                   -> (B, 16, 1024, 1024)
    output8  toRGB 1x1                  -> (B, 3, 1024, 1024)   RGB, roughly [-1, 1], no tanh

Every conv layer is: pixel norm -> (nearest x2 upsample) -> conv -> + bias ->
leaky ReLU(0.2). Every toRGB is pixel norm -> 1x1 conv -> + bias, nothing after.

Level of detail (lod). Progressive growing trained the network one resolution
at a time and kept a toRGB head per resolution, so the same z can be rendered
at 4x4 ... 1024x1024: lod 0 is the full 1024 image, lod 8 the 4x4 one, and a
fractional lod blends two neighbouring heads exactly like the fade-in during
training. Only lod 0 is what the final model was trained for; the lower heads
stopped receiving gradient when training moved past their resolution, so their
images may look washed out or colour-shifted.
"""

import math
import os
import pickle
import warnings
from collections.abc import Mapping

import torch
import torch.nn as nn
import torch.nn.functional as F

# Where the weights live (the Hub repo, its file and the revision fetched) is gan_core/hub/pins.json;
# gan_core.hub downloads the file and hands it to load_pggan_state_dict.
LICENCE_NOTE = (
    "The PGGAN CelebA-HQ weights derive from NVIDIA's official PGGAN release, "
    "which is licensed CC BY-NC 4.0 (non-commercial use, with attribution to "
    "Karras et al. 2018, NVIDIA). The Hugging Face model card of "
    "huggan/pggan-celebahq-1024 says Apache-2.0, but a conversion does not "
    "change the licence of the original weights."
)

# SeFa slider settings used by genforce's interface and the huggan/sefa Space
# for PGGAN: distances in [-5, 5] in steps of 0.2 (0.04 of the range per
# tick), default 0, and the top 10 eigen-directions.
SEFA_DISTANCE_MIN = -5.0
SEFA_DISTANCE_MAX = 5.0
SEFA_DISTANCE_STEP = 0.2
SEFA_NUM_SEMANTICS = 10

PIXEL_NORM_EPS = 1e-8
LEAKY_SLOPE = 0.2


def pixel_norm(x: torch.Tensor) -> torch.Tensor:
    """Scale each pixel's feature vector (dim 1) to unit RMS.

    PGGAN uses this instead of batch norm to stop the generator's and
    discriminator's magnitudes from escalating. On a latent (B, 512) it maps z
    onto the sphere of radius sqrt(512), which is why the image does not
    depend on the length of z, only on its direction.
    """
    return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + PIXEL_NORM_EPS)


# Nearest x2 upsampling followed by a 3x3 conv is the same linear map as one
# stride-2 transposed conv with a 4x4 kernel (each output pixel sees a 2x2
# patch of the small map, weighted by sums of 3x3 taps; genforce's
# "fused_scale" files store such kernels, ours derives them at run time from
# the plain 3x3 weights). The transposed conv never builds the 4x larger
# upsampled map and does 2.25x fewer multiply-adds: in our measurements the
# 512 -> 1024 layer went from ~210 ms to ~80 ms of CPU time. On small
# 512-channel maps oneDNN's transposed conv is slower than the plain path, so
# we only switch from this input size up.
TRANSPOSED_UPSAMPLE_MIN_SIZE = 32


def upsample_conv_kernel(weight: torch.Tensor) -> torch.Tensor:
    """(out, in, 3, 3) conv weight -> (in, out, 4, 4) kernel of the equivalent stride-2 transposed conv."""
    # A transposed conv correlates with the flipped kernel; padding by one and
    # summing the four one-pixel shifts gives the 4x4 footprint of a 3x3
    # kernel applied to 2x2 blocks of equal pixels.
    k = F.pad(weight.transpose(0, 1).flip(2, 3), (1, 1, 1, 1))
    return k[:, :, 1:, 1:] + k[:, :, :-1, 1:] + k[:, :, 1:, :-1] + k[:, :, :-1, :-1]


# Equalised learning rate ("weight scale"). The stored weights are drawn from
# N(0, 1) and multiplied by gain / sqrt(fan_in) at every forward pass instead
# of once at initialisation (He init). The function is the same, but Adam's
# per-parameter step size is now relative to a unit-variance parameter in
# every layer, so wide and narrow layers learn at the same speed. For loading,
# it means the file holds the unscaled weights and the multiplier must be
# applied at run time: gain sqrt(2) for layers followed by leaky ReLU, gain 1
# for the linear toRGB heads. Biases are never scaled.


class WScaleConv(nn.Module):
    """Pixel norm -> optional nearest x2 upsample -> conv -> bias -> optional leaky ReLU."""

    def __init__(self, in_ch: int, out_ch: int, kernel_size: int, gain: float,
                 upsample: bool = False, activate: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_ch))
        self.scale = gain / math.sqrt(in_ch * kernel_size * kernel_size)
        self.upsample = upsample
        self.activate = activate

    def forward(self, x):
        # Pixel norm, with the weight scale folded into its per-pixel factor:
        # conv(s * x, W) = conv(x, s * W), and scaling a (B, 1, H, W) factor is
        # free where rescaling a 9 MB weight on every call is not.
        # Normalising before upsampling is allowed (the two commute) and
        # touches 4x fewer pixels.
        norm = torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + PIXEL_NORM_EPS)
        x = x * (norm * self.scale)
        if self.upsample and x.shape[-1] >= TRANSPOSED_UPSAMPLE_MIN_SIZE:
            x = F.conv_transpose2d(x, upsample_conv_kernel(self.weight), self.bias, stride=2, padding=1)
        else:
            if self.upsample:
                x = F.interpolate(x, scale_factor=2, mode="nearest")
            x = F.conv2d(x, self.weight, self.bias, padding=self.weight.shape[-1] // 2)
        if self.activate:
            x = F.leaky_relu(x, LEAKY_SLOPE, inplace=True)
        return x


class DenseToFourByFour(nn.Module):
    """layer0: z (B, z_dim) -> (B, out_ch, 4, 4), a dense layer stored as a 4x4 conv kernel.

    genforce runs it as a conv with padding 3 over the 1x1 map z, so output
    pixel (i, j) meets kernel tap (3 - i, 3 - j). We compute the same thing
    as a matrix product followed by a spatial flip; forgetting the flip turns
    the 4x4 start map by 180 degrees and every later layer sees nonsense.
    """

    def __init__(self, z_dim: int, out_ch: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_ch, z_dim, 4, 4))
        self.bias = nn.Parameter(torch.zeros(out_ch))
        self.scale = math.sqrt(2.0) / math.sqrt(z_dim * 16)

    def dense_matrix(self) -> torch.Tensor:
        """The stored (unscaled) weight as a (out_ch * 16, z_dim) matrix.

        Row o * 16 + i * 4 + j produces output channel o at pixel (i, j): the
        layout of TF PGGAN's dense layer.
        """
        w = self.weight.flip(2, 3)  # (out, in, i, j) with the flip applied
        return w.permute(0, 2, 3, 1).reshape(-1, w.shape[1])

    def forward(self, z):
        z = pixel_norm(z)
        # (B, in) @ (out, in, 16) -> (out, B, 16): a batched product that reads
        # the 16 MB kernel in place; flipping the small result afterwards is
        # much cheaper than flipping and permuting the kernel on every call.
        x = torch.matmul(z, self.weight.flatten(2)).transpose(0, 1)
        x = x.reshape(z.shape[0], -1, 4, 4).flip(2, 3)
        x = x * self.scale + self.bias.view(1, -1, 1, 1)
        return F.leaky_relu(x, LEAKY_SLOPE, inplace=True)


class PGGANGenerator(nn.Module):
    """z (B, z_dim) -> images (B, 3, resolution, resolution), RGB, NCHW.

    The defaults are the configuration of the CelebA-HQ 1024 file. A smaller
    `resolution` (or smaller fmaps_*) builds the same architecture with fewer
    blocks, for tests.

    Output values are nominally in [-1, 1] but are not squashed: there is no
    final tanh and no clamp, so a few pixels overshoot. Use
    gan_core.data.to_image_array to display them.
    """

    def __init__(self, resolution: int = 1024, z_dim: int = 512,
                 fmaps_base: int = 16384, fmaps_max: int = 512):
        super().__init__()
        if resolution < 4 or resolution & (resolution - 1):
            raise ValueError(f"resolution must be a power of two >= 4, got {resolution!r}")
        self.resolution = resolution
        self.image_size = resolution
        self.z_dim = z_dim
        self.noise_size = z_dim
        self.num_blocks = int(math.log2(resolution)) - 1  # 4, 8, ..., resolution
        self.max_lod = self.num_blocks - 1  # lod of the 4x4 head

        def nf(res):
            return min(fmaps_base // res, fmaps_max)

        # Metadata from training: how far the fade-in had progressed. The
        # forward pass never reads it (we always render at an explicit lod).
        self.register_buffer("lod", torch.zeros(()))

        # Registration order is the file's key order: layer0, layer1, output0,
        # layer2, layer3, output1, ...
        sqrt2 = math.sqrt(2.0)
        for b in range(self.num_blocks):
            res = 4 * 2**b
            if b == 0:
                self.add_module("layer0", DenseToFourByFour(z_dim, nf(4)))
            else:
                self.add_module(f"layer{2 * b}", WScaleConv(nf(res // 2), nf(res), 3, sqrt2, upsample=True))
            self.add_module(f"layer{2 * b + 1}", WScaleConv(nf(res), nf(res), 3, sqrt2))
            self.add_module(f"output{b}", WScaleConv(nf(res), 3, 1, gain=1.0, activate=False))

    # -- level of detail ------------------------------------------------------

    def _check_lod(self, lod: float) -> float:
        lod = float(lod)
        if not 0.0 <= lod <= self.max_lod:
            raise ValueError(
                f"lod must be between 0 (full {self.resolution}x{self.resolution}) and "
                f"{self.max_lod} (4x4), got {lod}"
            )
        return lod

    def native_resolution(self, lod: float) -> int:
        """Side of the image the finest block used at this lod produces."""
        return self.resolution >> int(math.floor(self._check_lod(lod)))

    def lod_for_resolution(self, size: int) -> int:
        """The integer lod whose native image is size x size (e.g. 256 -> 2 at 1024)."""
        if size < 4 or size > self.resolution or size & (size - 1):
            raise ValueError(
                f"size must be a power of two between 4 and {self.resolution}, got {size!r}"
            )
        return int(math.log2(self.resolution // size))

    def _block(self, b: int, x: torch.Tensor) -> torch.Tensor:
        if b == 0:
            x = self.layer0(x)
        else:
            x = getattr(self, f"layer{2 * b}")(x)
        return getattr(self, f"layer{2 * b + 1}")(x)

    def _to_rgb(self, b: int, x: torch.Tensor) -> torch.Tensor:
        return getattr(self, f"output{b}")(x)

    def native_image(self, z: torch.Tensor, lod: float = 0, edit_layer0=None) -> torch.Tensor:
        """The image at the native resolution of `lod`, running only the blocks it needs.

        Integer lod L gives (B, 3, resolution / 2^L, same) from toRGB head
        num_blocks-1-L, and skips every block above it: at 1024, lod 2
        (a 256x256 preview) costs about a third of a full image. A fractional
        lod is the training-time fade-in between heads floor(lod) and
        ceil(lod): weight ceil(lod) - lod on the finer head, the rest on the
        coarser head upsampled x2. The result has the finer head's size.

        edit_layer0, if given, maps the 4x4 features right after the dense
        layer0 to new ones before the rest of the network runs (the playground
        uses it for truncation: z lives on a sphere, so psi acts on features).
        """
        lod = self._check_lod(lod)
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"expected z of shape (batch, {self.z_dim}), got {tuple(z.shape)}")
        finest = self.max_lod - int(math.floor(lod))
        fade = lod - math.floor(lod)  # share of the coarser head

        # The reference normalises z here and again at the input of layer0;
        # the second pass is a rounding-level no-op but keeps us bit-close.
        x = pixel_norm(z)
        for b in range(finest + 1):
            if b == finest and fade > 0:
                coarse = F.interpolate(self._to_rgb(b - 1, x), scale_factor=2, mode="nearest")
            if b == 0 and edit_layer0 is not None:
                x = self.layer1(edit_layer0(self.layer0(x)))
            else:
                x = self._block(b, x)
            if b == 0:
                # Channels-last feature maps let oneDNN run the convs without
                # reordering its inputs: about 25 % less CPU time and 150 MB
                # less peak memory for a 1024 image on our 2-core machines.
                x = x.contiguous(memory_format=torch.channels_last)
        image = self._to_rgb(finest, x)
        if fade > 0:
            image = (1.0 - fade) * image + fade * coarse
        return image.contiguous()

    def forward(self, z: torch.Tensor, lod: float = 0.0) -> torch.Tensor:
        """Render at full resolution; lod > 0 shows a coarser head, blown up with nearest pixels.

        With integer lod L the output is made of 2^L x 2^L blocks of one
        colour each, and image[..., ::2**L, ::2**L] is native_image(z, L).
        Values are roughly in [-1, 1] (no tanh, may overshoot).
        """
        image = self.native_image(z, lod)
        factor = self.resolution // image.shape[-1]
        if factor > 1:
            image = F.interpolate(image, scale_factor=factor, mode="nearest")
        return image

    # -- SeFa -----------------------------------------------------------------

    def sefa_weight(self) -> torch.Tensor:
        """The matrix SeFa factorises: layer0 written as a dense layer, (out_rows, z_dim).

        Shape (nf(4) * 16, z_dim) = (8192, 512) for the 1024 model, rows in the
        TF dense order (channel * 16 + i * 4 + j). It is the stored, unscaled
        weight: the constant multiplier and the row order do not change the
        eigenvectors of W^T W, and SeFa normalises each row itself.
        """
        return self.layer0.dense_matrix().detach()


# -- loading the Hub file ------------------------------------------------------


def _shape(t) -> tuple:
    return tuple(t.shape)


def _read_checkpoint(path) -> object:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise ValueError(
            f"refused to load {os.fspath(path)!r}: it is not a plain tensor state dict "
            f"(its pickle references Python objects or code, which weights_only loading "
            f"does not execute). Details: {err}"
        ) from err
    except (RuntimeError, EOFError) as err:
        raise ValueError(
            f"could not read {os.fspath(path)!r} as a PyTorch checkpoint "
            f"(truncated or corrupted download?): {err}"
        ) from err


def _unwrap(checkpoint) -> Mapping:
    if not isinstance(checkpoint, Mapping):
        raise ValueError(
            f"expected a state dict (a mapping from names to tensors), got {type(checkpoint).__name__}"
        )
    # genforce's own rule for its training checkpoints: prefer the EMA copy.
    if "layer0.weight" not in checkpoint:
        for wrapper in ("generator_smooth", "generator"):
            if wrapper in checkpoint:
                inner = checkpoint[wrapper]
                if not isinstance(inner, Mapping):
                    raise ValueError(f"checkpoint entry {wrapper!r} is not a state dict")
                return inner
    return checkpoint


def _check_layout(state: Mapping, expected: Mapping) -> None:
    """Raise a ValueError naming the first key that does not match the model."""
    problems = []
    for key, want in expected.items():
        if key not in state:
            problems.append(f"missing key {key!r} (expected shape {_shape(want)})")
            continue
        got = state[key]
        if not isinstance(got, torch.Tensor):
            problems.append(f"key {key!r} holds a {type(got).__name__}, not a tensor")
        elif _shape(got) != _shape(want):
            w, g = _shape(want), _shape(got)
            if len(w) == 4 and w[0] != w[1] and g == (w[1], w[0], *w[2:]):
                # Only non-square layers (layer8 onwards) reveal a transposed
                # layout; the 512 -> 512 layers before them would load silently.
                problems.append(
                    f"key {key!r} has shape {g}, expected {w}: this looks like the "
                    f"fused-scale (transposed-conv) layout, which this port does not "
                    f"support; use the non-fused genforce export"
                )
            else:
                problems.append(f"key {key!r} has shape {g}, expected {w}")
    for key in state:
        if key not in expected:
            problems.append(f"unexpected key {key!r}")
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise ValueError(f"not a PGGAN CelebA-HQ state dict (genforce's pytorch_model.bin): {problems[0]}{more}")


def load_pggan_state_dict(source, *, resolution: int = 1024) -> PGGANGenerator:
    """Build a PGGANGenerator from a state dict, or a file holding one; returns it in eval mode.

    `source` is a path (loaded with torch.load(weights_only=True), so a pickle
    that would run code is refused) or an already loaded mapping. A
    `generator_smooth` / `generator` wrapper is unwrapped. Every key and shape
    must match exactly; otherwise a ValueError names the first mismatch.
    """
    if isinstance(source, (str, os.PathLike)):
        checkpoint = _read_checkpoint(source)
    else:
        checkpoint = source
    state = _unwrap(checkpoint)

    # Build on the meta device so the 23 M random initial weights are never
    # allocated: assign=True below adopts the loaded tensors instead.
    with torch.device("meta"):
        model = PGGANGenerator(resolution=resolution)
    _check_layout(state, model.state_dict())
    state = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in state.items()}
    model.load_state_dict(state, strict=True, assign=True)

    stored_lod = float(model.lod)
    if stored_lod != 0.0:
        warnings.warn(
            f"the checkpoint's stored lod is {stored_lod}, not 0: it may come from an "
            f"unfinished progressive-growing phase. The generator still renders at "
            f"lod=0 unless told otherwise.",
            stacklevel=2,
        )
    return model.eval()
