"""Bounded histories for a live view: loss curves thinned to a fixed size, and the timeline of
sample grids a run keeps.
"""

from __future__ import annotations

import numpy as np

# ---------------------------------------------------------------- bounded histories

class Thinned:
    """Every item added, thinned evenly to stay under `limit` kept items.

    When `limit` items are kept, every second one is dropped and the sampling
    stride doubles, so the whole run stays evenly covered however long it
    gets. The latest item is always reported, so a history ends where the run is.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self.stride = 1
        self._seen = 0
        self._kept: list = []
        self.latest = None

    def add(self, item) -> None:
        self.latest = item
        if self._seen % self.stride == 0:
            self._kept.append(item)
            if len(self._kept) >= self.limit:
                self._kept = self._kept[::2]
                self.stride *= 2
        self._seen += 1

    def items(self) -> list:
        out = list(self._kept)
        if self.latest is not None and (not out or out[-1] is not self.latest):
            out.append(self.latest)
        return out


class Series:
    """Columns of numbers against the iteration, kept under 2 * max_points points
    (500 -> under 1,000 points after 100k steps), the latest point always included."""

    def __init__(self, max_points: int = 500):
        if max_points < 1:
            raise ValueError("max_points must be at least 1")
        self.max_points = max_points
        self._rows = Thinned(2 * max_points)     # (x, {name: value})

    def add(self, x, **values):
        self._rows.add((x, values))

    def __len__(self):
        return len(self.to_dict()["x"])

    def to_dict(self) -> dict[str, list]:
        """{"x": [...], name: [...]} for every column ever added (None where a row lacks it)."""
        rows = self._rows.items()
        names = []
        for _, values in rows:
            names.extend(k for k in values if k not in names)
        out = {"x": [x for x, _ in rows]}
        for name in names:
            out[name] = [values.get(name) for _, values in rows]
        return out


class Timeline:
    """Sample grids of a run for scrubbing: at most max_frames, evenly thinned, the latest always included."""

    def __init__(self, max_frames: int = 60):
        if max_frames < 2:
            raise ValueError("max_frames must be at least 2")
        self.max_frames = max_frames
        # One place stays free for the latest grid when it falls between kept ones.
        self._frames = Thinned(max_frames)

    @property
    def latest(self) -> tuple[int, np.ndarray] | None:
        return self._frames.latest

    def add(self, iteration: int, grid: np.ndarray):
        self._frames.add((iteration, grid))

    def frames(self) -> list[tuple[int, np.ndarray]]:
        return self._frames.items()
