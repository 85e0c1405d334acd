"""Paint with units: a generator's feature maps, what each unit does, and edits inside a painted region.

GAN Dissection (Bau et al., ICLR 2019) showed that single channels ("units") of a generator's
feature maps draw recognisable parts, and that switching them off or on inside a region edits
that part, unless the generator "vetoes" an edit it cannot make. This module does it for any
DCGenerator (the bundled faces64, an uploaded checkpoint, a model trained on the Train page) and
for PGGAN's low-resolution blocks, with forward hooks only; the generator is never modified and
gives the same output for the same z afterwards.

* `layers(generator)`: the feature maps one can paint on (name, units, grid side).
* `edited(generator, layer, units, mask, value)`: a context in which the layer's output becomes
  x * (1 - m) + value * m for the chosen units (m: the painted mask on the layer's grid).
* `Dissector`: feature maps, `paint` (before / after / the measured change and the veto) and
  `rank` (every unit of a layer switched off over many faces: pixel and region colour change for
  all units, exactly; the attribute model's age / P(female) change for the units that change
  the image most), cached per layer.
"""

from __future__ import annotations

import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..data.pixels import to_uint8
from ..models.dcgan import DCGenerator, SubPixelRenderer
from ..models.pggan import PGGANGenerator
from .directions import seed_to_z
from .state import MAX_SEED

# Face regions on a 64x64 face (the same boxes as faces.inversion.REGIONS), as fractions so
# they scale to any image size; "background" is both side strips.
REGIONS = {
    "hair": ((0, 14), (8, 56)),
    "eyes": ((20, 34), (10, 54)),
    "mouth": ((40, 56), (18, 46)),
    "background": ((0, 64), (0, 7)),
}
VETO_CHANGE = 0.01        # mean |change| inside the painted region below 1 % of the pixel range: ignored
BOOST = 3.0               # "push up" sets a unit to this many times its 99th-percentile activation
RANK_FACES = 200
RANK_SEED = 7_000_000     # the faces the ranking averages over (not the labelling or measuring seeds)
ATTRIBUTE_UNITS = 24      # the attribute model runs on the units that change the image most
PGGAN_MAX_SIDE = 16       # PGGAN: only blocks up to 16x16 (512 channels each) are cheap enough
PGGAN_RENDER_SIDE = 64    # and its faces are rendered from the 64x64 head
MAX_RANK_MACS = 2e11      # multiply-adds one ranking may cost (bench/bench_dissect.py: block 1 in about 10 s)
RANK_MIN_FACES = 16       # fewer faces than this say nothing; a layer that cannot afford them is not ranked
RANK_BATCH = 16           # faces per tail call: a block's activations for 16 faces stay in the CPU's cache
PROBE_FACES = RANK_BATCH  # estimate_seconds times rank's own steps on one batch
PROBE_UNITS = 2           # and this many units


@dataclass(frozen=True)
class Layer:
    name: str             # "upconv2" (DCGAN), "layer3" (PGGAN, the 8x8 block)
    label: str            # "block 2 (16x16, 96 units)"
    units: int
    side: int
    index: int            # DCGAN: the up-block number (1-based); PGGAN: the block (0 = 4x4)


def layers(generator) -> list[Layer]:
    """The layers one can dissect: a DCGAN's hidden up-blocks (not the RGB one), PGGAN's blocks up to 16x16."""
    out = []
    if isinstance(generator, PGGANGenerator):
        for b in range(generator.num_blocks):
            side = 4 * 2 ** b
            if side > min(PGGAN_MAX_SIDE, generator.resolution // 2):
                break
            units = getattr(generator, f"layer{2 * b + 1}").weight.shape[0]
            out.append(Layer(f"layer{2 * b + 1}", f"block {b} ({side}x{side}, {units} units)", int(units), side, b))
        return out
    if not isinstance(generator, DCGenerator):
        raise TypeError(f"dissection needs a DCGenerator or a PGGANGenerator, got {type(generator).__name__}")
    side, channels = 4, generator.top_channels
    for i in range(1, generator.n_blocks):
        side, channels = side * 2, channels // 2
        out.append(Layer(f"upconv{i}", f"block {i} ({side}x{side}, {channels} units)", channels, side, i))
    return out


def find_layer(generator, name: str) -> Layer:
    for layer in layers(generator):
        if layer.name == name:
            return layer
    raise ValueError(f"no layer {name!r} to dissect; choose one of {', '.join(l.name for l in layers(generator))}")


def _module(generator, layer: Layer) -> torch.nn.Module:
    return getattr(generator, layer.name)


def grid_mask(mask, side: int) -> torch.Tensor:
    """A painted mask (H, W) of any size, bool or 0-1, -> (side, side) float on the layer's grid
    (area average: a cell half painted gets 0.5)."""
    m = torch.as_tensor(np.asarray(mask), dtype=torch.float32)
    if m.ndim != 2:
        raise ValueError(f"a mask is (H, W), got shape {tuple(m.shape)}")
    m = m.clamp(0, 1)
    if m.shape != (side, side):
        m = F.interpolate(m[None, None], size=(side, side), mode="area")[0, 0]
    return m


@contextmanager
def edited(generator, layer: Layer, units, mask, value):
    """Inside: `layer`'s output x becomes x * (1 - m) + value * m on the chosen units, m the mask
    on its grid; elsewhere, and after the block (also on an exception), nothing changes.

    value: a number, or one per unit (a sequence as long as `units`)."""
    units = [int(u) for u in units]
    if any(not 0 <= u < layer.units for u in units):
        raise ValueError(f"units must be between 0 and {layer.units - 1}")
    m = grid_mask(mask, layer.side)
    values = torch.as_tensor(value, dtype=torch.float32).reshape(-1)
    if values.numel() == 1:
        values = values.expand(len(units))
    if values.numel() != len(units):
        raise ValueError(f"need one value, or one per unit ({len(units)}), got {values.numel()}")

    def hook(module, inputs, output):
        if not units:
            return output
        out = output.clone()
        idx = torch.tensor(units, device=out.device)
        mm = m.to(out.device, out.dtype)
        v = values.to(out.device, out.dtype)[None, :, None, None]
        out[:, idx] = out[:, idx] * (1 - mm) + v * mm
        return out

    handle = _module(generator, layer).register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()


def region_boxes(side: int) -> dict[str, list[tuple[slice, slice]]]:
    """REGIONS scaled to a side x side image."""
    s = side / 64

    def sl(a, b):
        return slice(int(round(a * s)), max(int(round(b * s)), int(round(a * s)) + 1))

    boxes = {name: [(sl(*rows), sl(*cols))] for name, (rows, cols) in REGIONS.items()}
    (r0, r1), (c0, c1) = REGIONS["background"]
    boxes["background"].append((sl(r0, r1), sl(64 - c1, 64 - c0)))
    return boxes


def region_means(images: torch.Tensor) -> torch.Tensor:
    """Float images (B, 3, H, W) in [-1, 1] -> mean colour per region (len(REGIONS), 3), over the batch, 0-255."""
    boxes = region_boxes(images.shape[-1])
    out = []
    for name in REGIONS:
        parts = [images[:, :, rows, cols].mean(dim=(0, 2, 3)) for rows, cols in boxes[name]]
        out.append(torch.stack(parts).mean(0))
    return (torch.stack(out) + 1) * 127.5


@dataclass
class UnitEffect:
    unit: int
    activity: float                    # mean activation over the ranking's faces
    where: str                         # the region where its mean map is highest
    pixel_change: float                # mean |change| when it is switched off, 0-1 of the range
    region: str                        # the region whose mean colour moves most
    colour_shift: tuple                # that region's mean RGB change, grey levels
    age: float | None = None           # change of the attribute model's age (years), if measured
    female: float | None = None        # change of its P(female), if measured

    @property
    def lightness(self) -> float:
        return float(sum(self.colour_shift) / 3)


@dataclass
class Ranking:
    layer: Layer
    n_faces: int
    units: list                        # UnitEffect, most image-changing first
    seconds: float
    attribute_units: int               # how many units the attribute model measured
    method: str                        # "exact (sub-pixel tail)" or "exact (hooks)"


@dataclass
class PaintResult:
    before: np.ndarray                 # (H, W, 3) uint8
    after: np.ndarray
    inside: float                      # mean |change| inside the painted region, 0-1 of the range
    outside: float                     # and outside it
    vetoed: bool                       # inside < VETO_CHANGE: the generator ignored the edit
    region_mask: np.ndarray            # the painted region on the image's grid (H, W) bool


class Dissector:
    """Dissection of one generator; thread-safe, its rankings and unit statistics cached per layer."""

    def __init__(self, generator):
        self.generator = generator.eval()
        self.kind = "pggan" if isinstance(generator, PGGANGenerator) else "dcgan"
        self.noise_size = int(generator.noise_size)
        self.layers = layers(generator)
        self._lock = threading.Lock()
        self._stats: dict = {}
        self._rankings: dict = {}
        self._probes: dict = {}
        self._renderer = SubPixelRenderer(generator) if self.kind == "dcgan" else None

    # -- codes and images ----------------------------------------------------------

    def code(self, seed: int) -> torch.Tensor:
        """(1, noise_size): the seed's z (PGGAN normalises it itself)."""
        return seed_to_z(int(seed), self.noise_size)

    def codes(self, n: int, seed: int = RANK_SEED) -> torch.Tensor:
        return torch.cat([self.code((seed + i) % (MAX_SEED + 1)) for i in range(n)])

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        """Float images through the generator's own modules (so hooks fire); PGGAN at 64x64."""
        g = self.generator
        if self.kind == "pggan":
            side = min(PGGAN_RENDER_SIDE, g.resolution)
            return g.native_image(codes, g.lod_for_resolution(side))
        return g(codes)

    def layer(self, name: str) -> Layer:
        return find_layer(self.generator, name)

    @torch.inference_mode()
    def features(self, codes: torch.Tensor, layer: Layer) -> torch.Tensor:
        """The layer's output for these codes, (B, units, side, side)."""
        seen = {}
        handle = _module(self.generator, layer).register_forward_hook(lambda m, i, o: seen.__setitem__("x", o))
        try:
            self.forward(codes)
        finally:
            handle.remove()
        return seen["x"].float()

    def unit_stats(self, layer: Layer, n: int = 64) -> dict:
        """Per unit over n faces: mean activation, 99th percentile (what "push up" scales), mean map."""
        key = (layer.name, n)
        with self._lock:
            if key in self._stats:
                return self._stats[key]
        x = self.features(self.codes(n), layer)                      # (n, C, s, s)
        flat = x.transpose(0, 1).reshape(layer.units, -1)
        stats = {"mean": flat.mean(1), "q99": torch.quantile(flat, 0.99, dim=1).clamp_min(1e-3),
                 "map": x.mean(0)}
        with self._lock:
            self._stats[key] = stats
        return stats

    # -- painting --------------------------------------------------------------------

    @torch.inference_mode()
    def paint(self, seed: int, layer: Layer, units, mask, mode: str = "off", strength: float = 1.0) -> PaintResult:
        """Switch `units` off (mode "off") or push them up to strength x BOOST x their 99th
        percentile ("up") inside `mask`, for the face of `seed`. Measures the change inside and
        outside the painted region; inside below VETO_CHANGE is the generator's veto."""
        if mode not in ("off", "up"):
            raise ValueError(f"mode must be 'off' or 'up', got {mode!r}")
        units = list(units)
        z = self.code(seed)
        before = self.forward(z)
        if mode == "off":
            value = 0.0
        else:
            value = (float(strength) * BOOST * self.unit_stats(layer)["q99"][units]).tolist() if units else 0.0
        with edited(self.generator, layer, units, mask, value):
            after = self.forward(z)
        side = before.shape[-1]
        region = F.interpolate(grid_mask(mask, layer.side)[None, None], size=(side, side), mode="nearest")[0, 0] > 0
        diff = (after - before).abs().mean(1)[0] / 2                  # 0-1 of the range
        inside = float(diff[region].mean()) if region.any() else 0.0
        outside = float(diff[~region].mean()) if (~region).any() else 0.0
        image = lambda t: to_uint8(t.clamp(-1, 1))[0].permute(1, 2, 0).numpy()  # noqa: E731
        return PaintResult(image(before), image(after), inside, outside,
                           vetoed=bool(region.any()) and bool(units) and inside < VETO_CHANGE,
                           region_mask=region.numpy())

    # -- ranking ---------------------------------------------------------------------

    def rank_cost(self, layer: Layer, n: int) -> float:
        """Multiply-adds of ranking a layer over n faces (what switching each unit off costs)."""
        g = self.generator
        if self.kind == "pggan":       # every block after the layer up to the 64x64 head, plus the layer's own rest
            finest = int(math.log2(min(PGGAN_RENDER_SIDE, g.resolution))) - 2
            macs, side = 0.0, layer.side
            for b in range(layer.index + 1, finest + 1):
                side *= 2
                up, conv = getattr(g, f"layer{2 * b}").weight, getattr(g, f"layer{2 * b + 1}").weight
                macs += (up.shape[0] * up.shape[1] + conv.shape[0] * conv.shape[1]) * 9 * side * side
            return n * layer.units * macs
        # DCGAN: per unit, the unit's own share of the next sub-pixel conv, then every later block in full
        side, ch = layer.side, layer.units
        out = 3 if layer.index + 1 == g.n_blocks else ch // 2
        macs = out * 4 * 9 * side * side + 4 * out * side * side        # + the ReLU and shuffle, roughly
        side, ch = side * 2, out
        for i in range(layer.index + 2, g.n_blocks + 1):
            out = 3 if i == g.n_blocks else ch // 2
            macs += ch * out * 4 * 9 * side * side
            side, ch = side * 2, out
        return n * layer.units * macs

    def rank_faces(self, layer: Layer, budget: float = MAX_RANK_MACS) -> int:
        """How many faces a ranking of this layer can average over within the budget (at most 200,
        at least RANK_MIN_FACES: see `rankable`)."""
        per_face = self.rank_cost(layer, 1)
        return int(max(RANK_MIN_FACES, min(RANK_FACES, budget // max(per_face, 1.0))))

    def rankable(self, layer: Layer, budget: float = MAX_RANK_MACS) -> bool:
        """Can this layer be ranked live, over at least RANK_MIN_FACES faces within the budget? Not
        PGGAN's real blocks: every unit switched off reruns 512-channel blocks up to the 64x64 head
        (about 6e12 multiply-adds per face for the 4x4 block), hours on a CPU; painting still works."""
        return self.rank_cost(layer, RANK_MIN_FACES) <= budget

    def ranking(self, layer: Layer, n: int | None = None, attributes=None, attribute_units: int = ATTRIBUTE_UNITS,
                progress=None) -> Ranking:
        """`rank` once per (layer, faces, attributes?): a second visitor, or a rerun, gets it at once."""
        n = self.rank_faces(layer) if n is None else int(n)
        key = (layer.name, n, attributes is not None, attribute_units)
        with self._lock:
            if key in self._rankings:
                return self._rankings[key]
        result = self.rank(layer, n, attributes, attribute_units, progress)
        with self._lock:
            self._rankings[key] = result
        return result

    def is_ranked(self, layer: Layer, n: int | None = None, attributes=None,
                  attribute_units: int = ATTRIBUTE_UNITS) -> bool:
        n = self.rank_faces(layer) if n is None else int(n)
        with self._lock:
            return (layer.name, n, attributes is not None, attribute_units) in self._rankings

    @torch.inference_mode()
    def rank(self, layer: Layer, n: int = RANK_FACES, attributes=None, attribute_units: int = ATTRIBUTE_UNITS,
             progress=None, batch: int = RANK_BATCH) -> Ranking:
        """Every unit of `layer` switched off (over the whole map) on n faces, one unit at a time.

        For all units, exactly: the mean |pixel change| and the mean colour change of each face
        region. For the `attribute_units` units that change the image most: the attribute model's
        age and P(female) change too (a unit that hardly changes the pixels cannot move them); their
        edited faces are kept (as uint8) while the units are switched off, so nothing is rendered
        twice, and the unedited faces are scored once. progress(done, total) is called as units
        finish. DCGAN uses the sub-pixel tail: the next conv is linear, so switching unit u off
        subtracts u's own contribution from that conv's output, computed once for all units; PGGAN
        runs its blocks with a hook per unit.
        """
        t0 = time.perf_counter()
        codes = self.codes(n)
        stats = self.unit_stats(layer)
        maps = stats["map"]                                             # (C, s, s)
        boxes = region_boxes(layer.side)
        where_scores = torch.stack([torch.stack([maps[:, r, c].mean((1, 2)) for r, c in boxes[name]]).mean(0)
                                    for name in REGIONS])               # (R, C)
        where = [list(REGIONS)[int(i)] for i in where_scores.argmax(0)]

        keep = min(attribute_units, layer.units) if attributes is not None else 0
        total = layer.units + keep
        done = 0
        pixel = torch.zeros(layer.units)
        shift = torch.zeros(layer.units, len(REGIONS), 3)
        activity = torch.zeros(layer.units)
        chunks = list(codes.split(batch))
        tails = [self._tail_fn(layer, c) for c in chunks]
        bases = [tail(None) for tail in tails]
        image = tails[0].image                                          # tail output -> (B, 3, H, W)
        base_mean = sum(b.sum(0) for b in bases) / n                    # the mean face, tail layout
        base_regions = region_means(image(base_mean[None]))
        for k, chunk in enumerate(chunks):
            activity += tails[k].activity * len(chunk) / n
        kept: list = []            # (pixel change, unit, uint8 faces): the most image-changing so far
        for u in range(layer.units):
            outs = [tails[k](u) for k in range(len(chunks))]
            pixel[u] = sum(float((o - b).abs().sum()) for o, b in zip(outs, bases)) / (bases[0][0].numel() * n) / 2
            shift[u] = region_means(image((sum(o.sum(0) for o in outs) / n)[None])) - base_regions
            if keep and (len(kept) < keep or float(pixel[u]) > kept[-1][0]):
                faces = torch.cat([to_uint8(image(o).clamp(-1, 1)) for o in outs])
                kept.append((float(pixel[u]), u, faces))
                kept.sort(key=lambda item: -item[0])
                del kept[keep:]
            del outs
            done += 1
            if progress is not None:
                progress(done, total)

        order = torch.argsort(pixel, descending=True).tolist()
        effects = {}
        for u in order:
            r = int(shift[u].abs().sum(1).argmax())
            effects[u] = UnitEffect(u, float(activity[u]), where[u], float(pixel[u]), list(REGIONS)[r],
                                    tuple(round(float(v), 2) for v in shift[u, r]))
        measured = 0
        if keep:
            before = _scores(attributes, torch.cat([to_uint8(image(b).clamp(-1, 1)) for b in bases]))
            for _, u, faces in kept:
                after = _scores(attributes, faces)
                effects[u].age = float((after["age"] - before["age"]).mean())
                effects[u].female = float((after["female"] - before["female"]).mean())
                measured += 1
                done += 1
                if progress is not None:
                    progress(done, total)
        method = "exact (sub-pixel tail)" if self.kind == "dcgan" else "exact (hooks)"
        return Ranking(layer, n, [effects[u] for u in order], time.perf_counter() - t0, measured, method)

    def estimate_seconds(self, layer: Layer, n: int | None = None, attributes=None,
                         attribute_units: int = ATTRIBUTE_UNITS) -> float:
        """What `ranking(layer, n, attributes)` will take here, measured, not assumed: a ranking
        already run on this generator gives its own time; otherwise a probe (a few units over a
        few faces, and the attribute model on those faces, timed on this machine now, once per
        layer) is scaled to all units and n faces. The page's rank button shows this number."""
        n = self.rank_faces(layer) if n is None else int(n)
        with self._lock:
            for (name, faces, scored, units), r in self._rankings.items():
                if name == layer.name and faces == n and scored == (attributes is not None):
                    return r.seconds
            probe = self._probes.get((layer.name, attributes is not None))
        if probe is None:
            probe = self._probe(layer, attributes)
            with self._lock:
                self._probes[(layer.name, attributes is not None)] = probe
        per_unit_face, per_scored_face, fixed = probe
        scored = min(attribute_units, layer.units) * (attributes is not None)
        return fixed * n + per_unit_face * layer.units * n + per_scored_face * (scored + 1) * n

    @torch.inference_mode()
    def _probe(self, layer: Layer, attributes, faces: int = PROBE_FACES, units: int = PROBE_UNITS):
        """(seconds per unit and face, seconds per face the attribute model scores, seconds per face
        of the setup): rank's own steps timed on `faces` faces and `units` units."""
        codes = self.codes(faces)
        t0 = time.perf_counter()
        tail = self._tail_fn(layer, codes)
        base = tail(None)
        fixed = (time.perf_counter() - t0) / faces
        image = tail.image
        t0 = time.perf_counter()
        for u in range(min(units, layer.units)):
            out = tail(u)
            float((out - base).abs().sum())
            region_means(image(out.mean(0, keepdim=True)))
        per_unit_face = (time.perf_counter() - t0) / (min(units, layer.units) * faces)
        per_scored_face = 0.0
        if attributes is not None:
            t0 = time.perf_counter()
            _scores(attributes, to_uint8(image(base).clamp(-1, 1)))
            per_scored_face = (time.perf_counter() - t0) / faces
        return per_unit_face, per_scored_face, fixed

    def _tail_fn(self, layer: Layer, codes: torch.Tensor):
        """f(u): the faces for `codes` with unit u of `layer` switched off (u=None: unedited), in the
        tail's own layout; f.image turns that layout into images (B, 3, H, W) in [-1, 1]."""
        if self.kind != "dcgan":
            def generic(u):
                if u is None:
                    return self.forward(codes)
                with edited(self.generator, layer, [u], torch.ones(layer.side, layer.side), 0.0):
                    return self.forward(codes)
            generic.activity = self.features(codes, layer).mean((0, 2, 3))
            generic.image = lambda y: y
            return generic

        r = self._renderer
        cl = torch.channels_last            # a pixel shuffle and these convs run 1.5-3x faster in it
        k = layer.index                                                 # renderer index of the next block
        x = r.linear_bn(codes).view(-1, r.top_channels, 4, 4)           # the head, then blocks 1..k:
        for (bn, act), (w, b) in zip(r.blocks[:k], r._weights[:k]):     # the layer's output, sub-pixel
            x = act(bn(F.pixel_shuffle(F.conv2d(x, w, b, padding=1), 2)))
        x = x.contiguous(memory_format=cl)
        # Every later block's batch norm (eval: a per-channel affine map) folded into its sub-pixel
        # conv, and each activation applied before its pixel shuffle (an elementwise map commutes
        # with a permutation); the last shuffle is left to f.image: the pixel change does not
        # depend on the order of the pixels. Per unit: one single-channel conv, then the rest.
        blocks = [_folded(r._weights[j], r.blocks[j][0]) + (r.blocks[j][1],) for j in range(k, len(r.blocks))]
        weight, bias, act = blocks[0]
        pre = F.conv2d(x, weight, bias, padding=1)                      # (B, 4 * out, s, s), normalised

        def run(p):
            y = act(p)
            for w, b, act_j in blocks[1:]:
                y = act_j(F.conv2d(F.pixel_shuffle(y, 2), w, b, padding=1))
            return y

        def tail(u):
            if u is None:
                return run(pre)
            return run(pre - F.conv2d(x[:, u:u + 1], weight[:, u:u + 1], None, padding=1))

        tail.activity = x.mean((0, 2, 3))
        tail.image = lambda y: F.pixel_shuffle(y, 2)
        return tail


def _folded(weight_bias, bn) -> tuple:
    """A sub-pixel conv (weight (4 * out, in, 3, 3), bias) with the batch norm after its shuffle
    folded in (eval mode: a per-channel affine map), channels-last."""
    weight, bias = weight_bias
    if isinstance(bn, torch.nn.BatchNorm2d):
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        shift = bn.bias - bn.running_mean * scale
        scale4, shift4 = scale.repeat_interleave(4), shift.repeat_interleave(4)
        weight = weight * scale4[:, None, None, None]
        bias = (bias if bias is not None else 0) * scale4 + shift4
    return weight.contiguous(memory_format=torch.channels_last), bias


def _scores(model, faces: torch.Tensor) -> dict:
    """The attribute model on uint8 faces (N, 3, H, W): {"age", "female"}, RANK_BATCH at a time."""
    return model.predict(faces, batch_size=RANK_BATCH)


def describe(effect: UnitEffect, layer: Layer) -> str:
    """'unit 37 of block 2: darkens the hair, no age change' (English; the page has both languages)."""
    if effect.pixel_change < VETO_CHANGE / 2:
        what = "barely changes the face"
    else:
        verb = "darkens" if effect.lightness < 0 else "lightens"
        what = f"{verb} the {effect.region}"
    if effect.age is not None:
        age = f"age {effect.age:+.1f} years" if abs(effect.age) >= 0.5 else "no age change"
        female = f", P(female) {effect.female:+.2f}" if abs(effect.female) >= 0.02 else ""
        what += f", {age}{female}"
    return f"unit {effect.unit} of block {layer.index}: {what} (when switched off)"


def strongest_unit_cells(stats: dict, unit: int, share: float = 0.25) -> np.ndarray:
    """The cells of the grid where a unit fires most on average (its top `share`): a ready-made region."""
    m = stats["map"][unit]
    k = max(1, int(math.ceil(share * m.numel())))
    threshold = torch.topk(m.flatten(), k).values[-1]
    return (m >= threshold).numpy()
