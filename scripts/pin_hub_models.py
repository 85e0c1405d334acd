"""Pin every Hub model the app offers (gan_core/hub/pins.json) to the commit its branch points at now.

    .venv/bin/python scripts/pin_hub_models.py            # needs a machine that reaches the Hub
    .venv/bin/python scripts/pin_hub_models.py --dry-run  # say what would change

A pin that is already a commit stays as it is. Commit the changed pins.json: from then on every
server fetches exactly that commit, and an upstream change cannot alter what visitors see.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gan_core.hub import PINS_FILE, ModelLoadError, is_commit, load_pins, write_pin  # noqa: E402


def hub_commit(repo: str, revision: str) -> str:
    """The commit `revision` of `repo` points at on the Hub now."""
    from huggingface_hub import HfApi

    return HfApi().model_info(repo, revision=revision).sha


def main(argv=None, resolve=hub_commit) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pins", type=Path, default=None, help=f"the pins file (default: {PINS_FILE})")
    p.add_argument("--dry-run", action="store_true", help="print the commits, change nothing")
    args = p.parse_args(argv)
    status = 0
    for name, pinned in load_pins(args.pins).items():
        if is_commit(pinned.revision):
            print(f"{name}: already pinned to {pinned.revision}")
            continue
        try:
            commit = resolve(pinned.repo, pinned.revision)
        except Exception as exc:   # offline, unknown repo ...: say so, pin the others
            print(f"{name}: could not ask the Hub for {pinned.repo}@{pinned.revision}: {str(exc)[:200]}")
            status = 1
            continue
        if not is_commit(commit):
            print(f"{name}: the Hub answered {commit!r}, which is not a commit")
            status = 1
            continue
        if args.dry_run:
            print(f"{name}: {pinned.repo}@{pinned.revision} is commit {commit} (not written)")
        else:
            try:
                write_pin(name, commit, args.pins)
            except ModelLoadError as exc:
                print(f"{name}: {exc}")
                status = 1
                continue
            print(f"{name}: pinned {pinned.repo} to {commit} (was {pinned.revision})")
    return status


if __name__ == "__main__":
    sys.exit(main())
