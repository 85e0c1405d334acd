"""Hub references: repo ids and revisions (the one rule for both), and the pins.

The Hub models the app names, and the revision each is fetched at, have one home: pins.json.

A pin's revision is a 40-hex commit once one is known, else a branch ("main"). Our machines do
not reach the Hub, so the PGGAN pin is still "main"; on a machine that does,
`python scripts/pin_hub_models.py` asks the Hub for the commit "main" points at and writes it
here (README, "Deploy"). Whatever the revision, the commit a download actually came from is read
back from the Hub cache's snapshot folder (`snapshot_commit`) and shown with the model.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..checkpoint import ModelLoadError
from ..textsafe import quote

PINS_FILE = Path(__file__).with_name("pins.json")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_COMMIT_LIKE = re.compile(r"^[0-9A-Za-z]{40}$")     # 40 letters and digits: meant as a commit
_REF_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_REPO_RE = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")
ECHO_CHARS = 80  # how much of a user's text an error message repeats


def echo(text: str, limit: int = ECHO_CHARS) -> str:
    """A user's input, quoted, neutral and cut to `limit` characters, for an error message (textsafe.quote)."""
    return quote(text, limit)


@dataclass(frozen=True)
class Pin:
    name: str        # the app's name for the model ("pggan-celebahq-1024")
    repo: str        # the Hub repo, owner/name
    file: str        # the file the loader reads
    revision: str    # a 40-hex commit, or a branch name until a commit is known


def is_commit(revision) -> bool:
    """A full git commit hash as the Hub writes it: 40 lowercase hexadecimal characters."""
    return isinstance(revision, str) and bool(_COMMIT.match(revision))


def valid_revision(revision: str) -> bool:
    """A 40-hex commit, or a branch/tag name by git's rules (check-ref-format), conservatively:
    '/'-separated parts of letters, digits, '_', '-', '.', none starting with '.' or '-',
    no '..', no part ending in '.lock', at most 100 characters. Forty letters and digits that are
    not all hexadecimal are refused: they were meant as a commit and are not one."""
    if not isinstance(revision, str):
        return False
    if _COMMIT_LIKE.match(revision):
        return is_commit(revision.lower())
    if not 1 <= len(revision) <= 100 or ".." in revision or revision.endswith("."):
        return False
    parts = revision.split("/")
    return all(_REF_PART.match(p) and not p.endswith(".lock") for p in parts)


def parse_hub_source(source: str) -> tuple[str, str | None]:
    """'hf:owner/name@rev' -> ('owner/name', 'rev'); raises ModelLoadError if malformed.
    A commit is given back in lowercase, as the Hub's cache names its snapshots."""
    spec = source[3:] if source.startswith("hf:") else source
    repo_id, at, revision = spec.partition("@")
    if not _REPO_RE.match(repo_id) or ".." in repo_id or "--" in repo_id:
        raise ModelLoadError(f"{echo(repo_id)} is not a valid Hugging Face repo id (expected owner/name, "
                             "letters, digits, '-', '_' and '.')")
    if at and _COMMIT_LIKE.match(revision) and not is_commit(revision.lower()):
        raise ModelLoadError(f"{echo(revision)} is not a valid revision: it has 40 characters like a commit "
                             "hash, but a commit hash has only the hexadecimal digits 0-9 and a-f")
    if at and not valid_revision(revision):
        raise ModelLoadError(f"{echo(revision)} is not a valid revision: give a branch or tag name "
                             "(such as main or v1.0) or a 40-character commit hash")
    if revision and _COMMIT_LIKE.match(revision):
        revision = revision.lower()
    return repo_id, revision or None


def snapshot_commit(path) -> str | None:
    """The commit a file from the Hub cache belongs to: .../snapshots/<commit>/<file> -> commit."""
    parts = Path(path).parts
    for i in range(len(parts) - 2, 0, -1):
        if parts[i - 1] == "snapshots" and is_commit(parts[i]):
            return parts[i]
    return None


def load_pins(path=None) -> dict[str, Pin]:
    """Every pin in the file (default PINS_FILE), checked: a malformed revision or field is refused
    with one sentence."""
    path = path or PINS_FILE
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"{Path(path).name} cannot be read ({str(exc)[:80]}).") from None
    if not isinstance(raw, dict):
        raise ModelLoadError(f"{Path(path).name} must hold an object of model name -> pin.")
    pins = {}
    for name, entry in raw.items():
        fields = ("repo", "file", "revision")
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry.get(k) for k in fields):
            raise ModelLoadError(f"The pin of {name!r} in {Path(path).name} needs the text fields repo, file "
                                 "and revision.")
        repo, revision = parse_hub_source(f"hf:{entry['repo']}@{entry['revision']}")
        pins[name] = Pin(name, repo, entry["file"], revision)
    return pins


def pin(name: str) -> Pin:
    """The pin of one named model (KeyError if the app pins no such model)."""
    return load_pins()[name]


def write_pin(name: str, revision: str, path=None) -> Pin:
    """Record `revision` (a commit) as the pin of `name`; the file's other entries stay as they are."""
    path = path or PINS_FILE
    if not is_commit(revision):
        raise ModelLoadError(f"{revision!r} is not a commit: a pin is written as 40 hexadecimal characters.")
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    raw[name]["revision"] = revision
    Path(path).write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")
    return load_pins(path)[name]
