"""The course's DCGAN, written out so the shapes can be read without running it.

Generator (image_size=32, conv_dim=32, noise_size=100):

    z (B, 100)
    linear_bn  Linear + BatchNorm + ReLU  -> (B, 128, 4, 4)
    upconv1    upsample x2, conv 5x5       -> (B, 64, 8, 8)     + BN + ReLU
    upconv2    upsample x2, conv 5x5       -> (B, 32, 16, 16)   + BN + ReLU
    upconv3    upsample x2, conv 5x5       -> (B, 3, 32, 32)    tanh

Discriminator (image_size=32, conv_dim=32):

    x (B, 3, 32, 32)
    conv1  conv 5x5 stride 2 pad 2  -> (B, 32, 16, 16)   + BN + ReLU
    conv2  conv 5x5 stride 2 pad 2  -> (B, 64, 8, 8)     + BN + ReLU
    conv3  conv 5x5 stride 2 pad 2  -> (B, 128, 4, 4)    + BN + ReLU
    conv4  conv 5x5 stride 2 pad 1  -> (B, 1, 1, 1)      one logit per image

The generator upsamples with nearest-neighbour + a stride-1 conv rather than a
transposed conv: the course code does it this way, and it avoids the
checkerboard artefacts of strided transposed convolutions (Odena et al. 2016).

image_size=64 (the bundled face model) adds one block on each side with the
same pattern: the generator starts from conv_dim*8 channels and has upconv1..4,
the discriminator has conv1..4 (stride 2, pad 2) and conv5 (pad 1) as the head.
"""

import math

import torch
import torch.nn as nn
from torch.nn.utils.parametrizations import spectral_norm as _spectral_norm

from ..checkpoint import GeneratorFamily

SUPPORTED_SIZES = (16, 32, 64, 128)


def _n_blocks(image_size: int) -> int:
    """Number of x2 resolution steps between 4x4 and the image."""
    if image_size not in SUPPORTED_SIZES:
        raise ValueError(
            f"image_size must be one of {SUPPORTED_SIZES} (a power of two the "
            f"4x4 -> x2 -> ... architecture reaches), got {image_size!r}"
        )
    return int(math.log2(image_size)) - 2


class UpBlock(nn.Module):
    """Nearest-neighbour upsample x2, then a 5x5 conv that keeps the size."""

    def __init__(self, in_ch: int, out_ch: int, last: bool = False):
        super().__init__()
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv = nn.Conv2d(in_ch, out_ch, kernel_size=5, stride=1, padding=2)
        # The last block produces pixels: no normalisation, tanh into [-1, 1].
        self.bn = None if last else nn.BatchNorm2d(out_ch)
        self.act = nn.Tanh() if last else nn.ReLU()

    def forward(self, x):
        x = self.conv(self.up(x))
        if self.bn is not None:
            x = self.bn(x)
        return self.act(x)


class DCGenerator(nn.Module, GeneratorFamily, library_name="gan_core",
                  tags=["gan", "dcgan", "pytorch", "gan-playground"]):
    """z (B, noise_size) -> images (B, 3, image_size, image_size) in [-1, 1].

    A model family (gan_core/checkpoint.py): its constructor's arguments are its
    config.json, `save_pretrained(folder)` writes a model folder, and
    `DCGenerator.from_pretrained(folder or repo id)` loads one after the
    checks the app runs on every upload.
    """

    architecture = "dcgan"
    # Larger values are refused from config.json before anything is built (the budget check
    # in checkpoint.py bounds the product); image_size is checked by SUPPORTED_SIZES.
    config_limits = {"noise_size": (1, 4096), "conv_dim": (1, 1024)}

    def __init__(self, noise_size: int = 100, conv_dim: int = 32, image_size: int = 32):
        super().__init__()
        n = _n_blocks(image_size)
        self.noise_size = noise_size
        self.conv_dim = conv_dim
        self.image_size = image_size
        # Channels halve at every upsampling step and reach conv_dim just
        # before the RGB layer: 32x32 -> 128, 64, 32 -> 3.
        top = conv_dim * 2 ** (n - 1)
        self.top_channels = top
        self.linear_bn = nn.Sequential(
            nn.Linear(noise_size, top * 4 * 4),
            nn.BatchNorm1d(top * 4 * 4),
            nn.ReLU(),
        )
        channels = [top // 2**i for i in range(n)] + [3]
        for i in range(n):
            block = UpBlock(channels[i], channels[i + 1], last=(i == n - 1))
            self.add_module(f"upconv{i + 1}", block)
        self.n_blocks = n

    def forward(self, z):
        if z.dim() != 2 or z.shape[1] != self.noise_size:
            raise ValueError(
                f"expected noise of shape (batch, {self.noise_size}), got {tuple(z.shape)}"
            )
        x = self.linear_bn(z).view(-1, self.top_channels, 4, 4)
        for i in range(self.n_blocks):
            x = getattr(self, f"upconv{i + 1}")(x)
        return x

    def sefa_weight(self) -> torch.Tensor:
        """The (out_features, noise_size) matrix SeFa factorises: the first layer."""
        return self.linear_bn[0].weight.detach()

    @staticmethod
    def layer_outputs(noise_size: int = 100, conv_dim: int = 32, image_size: int = 32, batch: int = 1) -> list[int]:
        """Elements of every leaf layer's output in one forward, in order, from the shapes alone.

        What the loader's memory budget adds up before a model is built (checkpoint.cost):
        a meta-device forward gives the same numbers but its first call imports torch's
        decompositions, about 2 s on the first model a server loads.
        """
        n = _n_blocks(image_size)
        top = conv_dim * 2 ** (n - 1)
        channels = [top // 2**i for i in range(n)] + [3]
        out = [batch * top * 16] * 3                         # linear, batch norm, ReLU
        side = 4
        for i in range(n):
            side *= 2
            out.append(batch * channels[i] * side * side)   # upsample
            layers = 2 if i == n - 1 else 3                  # conv (+ batch norm) + activation
            out += [batch * channels[i + 1] * side * side] * layers
        return out


def subpixel_weights(conv: nn.Conv2d) -> tuple[torch.Tensor, torch.Tensor | None]:
    """A 3x3 conv with 4x the output channels that, followed by pixel_shuffle(2), computes
    exactly "nearest upsample x2, then `conv`" (5x5, stride 1, padding 2).

    Output row 2i+a of the upsampled-then-convolved image only ever reads input rows
    i-1, i, i+1: tap dy (-2..2) of phase a lands on input row i + floor((a + dy) / 2).
    So each of the four (a, b) phases is a 3x3 conv of the small input whose taps are
    sums of the 5x5 taps, and the four phases are interleaved by a pixel shuffle.
    Same function, 36 % of the multiply-adds (4 x 9 taps at H x W instead of 25 at 2H x 2W).
    """
    w = conv.weight.detach()                                    # (out, in, 5, 5)
    lands = torch.zeros(2, 3, 5, dtype=w.dtype)                 # lands[phase, input offset + 1, tap]
    for phase in range(2):
        for tap in range(5):
            lands[phase, (phase + tap - 2) // 2 + 1, tap] = 1.0
    k = torch.einsum("aud,bve,oide->oabiuv", lands, lands, w)   # (out, 2, 2, in, 3, 3)
    k = k.reshape(w.shape[0] * 4, w.shape[1], 3, 3)             # channel o*4 + a*2 + b: pixel_shuffle's order
    bias = None if conv.bias is None else conv.bias.detach().repeat_interleave(4)
    return k.contiguous(), bias


class SubPixelRenderer(nn.Module):
    """A DCGenerator's eval-mode function, with each up-block as a sub-pixel conv (subpixel_weights).

    For drawing faces (the latent playground): about half the time of the generator's own
    forward on one CPU thread. Its conv weights are a snapshot: build a new one if the
    generator is trained further (BatchNorm layers are shared, in eval mode).
    """

    def __init__(self, generator: DCGenerator):
        super().__init__()
        self.noise_size = generator.noise_size
        self.top_channels = generator.top_channels
        self.linear_bn = generator.linear_bn
        self.blocks = nn.ModuleList()
        self._weights = []
        for i in range(generator.n_blocks):
            block = getattr(generator, f"upconv{i + 1}")
            self.blocks.append(nn.ModuleList([block.bn or nn.Identity(), block.act]))
            self._weights.append(subpixel_weights(block.conv))

    def forward(self, z):
        x = self.linear_bn(z).view(-1, self.top_channels, 4, 4)
        for (bn, act), (weight, bias) in zip(self.blocks, self._weights):
            x = nn.functional.pixel_shuffle(nn.functional.conv2d(x, weight, bias, padding=1), 2)
            x = act(bn(x))
        return x


class DCDiscriminator(nn.Module):
    """images (B, 3, image_size, image_size) -> logits (B,).

    batch_norm=True and activation="relu" are the course code's choices.
    With spectral_norm=True every conv is wrapped by
    torch.nn.utils.parametrizations.spectral_norm, which divides the weight by
    its largest singular value (estimated by one power iteration per forward
    in training mode), so each layer is 1-Lipschitz.
    """

    def __init__(
        self,
        conv_dim: int = 32,
        image_size: int = 32,
        spectral_norm: bool = False,
        batch_norm: bool = True,
        activation: str = "relu",
    ):
        super().__init__()
        if activation not in ("relu", "leaky"):
            raise ValueError(f"activation must be 'relu' or 'leaky', got {activation!r}")
        n = _n_blocks(image_size)
        self.image_size = image_size
        self.spectral_norm = spectral_norm
        wrap = _spectral_norm if spectral_norm else (lambda m: m)
        channels = [3] + [conv_dim * 2**i for i in range(n)]
        for i in range(n):
            layers = [wrap(nn.Conv2d(channels[i], channels[i + 1], 5, stride=2, padding=2))]
            if batch_norm:
                layers.append(nn.BatchNorm2d(channels[i + 1]))
            layers.append(nn.ReLU() if activation == "relu" else nn.LeakyReLU(0.2))
            self.add_module(f"conv{i + 1}", nn.Sequential(*layers))
        # 4x4 -> 1x1: kernel 5, stride 2, pad 1 gives floor((4 + 2 - 5) / 2) + 1 = 1.
        self.add_module(f"conv{n + 1}", wrap(nn.Conv2d(channels[-1], 1, 5, stride=2, padding=1)))
        self.n_blocks = n

    def forward(self, x):
        if x.dim() != 4 or x.shape[1] != 3 or x.shape[-1] != self.image_size or x.shape[-2] != self.image_size:
            raise ValueError(
                f"expected images of shape (batch, 3, {self.image_size}, {self.image_size}), "
                f"got {tuple(x.shape)}"
            )
        for i in range(self.n_blocks + 1):
            x = getattr(self, f"conv{i + 1}")(x)
        return x.view(-1)

    def conv_layers(self):
        """The conv modules in order (for singular-value read-outs)."""
        out = []
        for i in range(self.n_blocks + 1):
            m = getattr(self, f"conv{i + 1}")
            out.append(m[0] if isinstance(m, nn.Sequential) else m)
        return out
