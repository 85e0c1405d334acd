"""The Hugging Face Hub, and `load_generator`, the one entry for every model source.

`load_generator(source)` accepts
    "faces64"                          a bundled model (a folder in pretrained/)
    "pggan-celebahq-1024"              a registry entry that lives on the Hub
    "path/to/folder"                   a folder written by save_generator / the CLI
    "hf:owner/name" or "hf:owner/name@revision"   a Hub repo in our format (a revision is a
                                       branch, a tag or a 40-hex commit: refs.py's rule)

and returns (generator in eval mode, ModelInfo). Every failure is a ModelLoadError whose message
says what went wrong in words a user can act on.

The Hub is unreachable on our development machines but not for users, so the download path is
real (hf_hub_download at the revision pinned in pins.json; the commit it came from goes into
ModelInfo) and the tests run it against a pre-populated cache.
huggingface_hub retries a dead network for ~23 s; we probe the endpoint first (<= 1.5 s) and go
straight to the local cache when it does not answer.
"""

from __future__ import annotations

import io
import os
import re
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from ..checkpoint import CONFIG_NAME, WEIGHTS_NAME, ModelLoadError
from ..models import pggan
from .files import REGISTRY, HubUnreachableError, _finish, load_folder
from .refs import echo, parse_hub_source, pin, snapshot_commit

# ---------------------------------------------------------------- the Hub

_probe_cache: dict[str, tuple[float, bool]] = {}


_HUB_PREFIXES = ("https://huggingface.co/", "http://huggingface.co/", "huggingface.co/", "hf:")


def hub_reference(text) -> str:
    """What a visitor typed in the Hub field -> 'hf:owner/name[@revision]', or ModelLoadError
    with one sentence for empty, partial, over-long or malformed input."""
    text = str(text or "").strip()
    if not text:
        raise ModelLoadError("Type a Hub repo as owner/name (optionally @revision), e.g. my-name/my-gan.")
    if len(text) > 300:
        raise ModelLoadError(f"{echo(text)} is {len(text):,} characters long; a Hub repo id is owner/name, "
                             "at most 96 characters each.")
    spec = text
    for prefix in _HUB_PREFIXES:
        if spec.lower().startswith(prefix):
            spec = spec[len(prefix):]
            break
    spec = spec.strip().strip("/")
    if spec.startswith(("http://", "https://")) or "://" in spec:
        raise ModelLoadError(f"{echo(text)} is a link to another site: only Hugging Face Hub repos "
                             "(owner/name) can be loaded.")
    # A pasted page link: huggingface.co/owner/name/tree/<rev> or /blob/... keeps owner/name and the revision.
    parts = spec.split("/")
    if len(parts) > 2 and "@" not in spec:
        if len(parts) >= 4 and parts[2] in ("tree", "blob", "resolve", "commit"):
            spec = f"{parts[0]}/{parts[1]}@{parts[3]}"
        else:
            spec = "/".join(parts[:2])
    if not spec:
        raise ModelLoadError(f"{echo(text)} names no repo: type owner/name after it, e.g. hf:my-name/my-gan.")
    if "/" not in spec.partition("@")[0] and re.fullmatch(r"[\w.-]+", spec.partition("@")[0]):
        raise ModelLoadError(f"{echo(text)} is incomplete: a Hub repo is owner/name, e.g. my-name/my-gan.")
    repo_id, revision = parse_hub_source("hf:" + spec)
    # one spelling per model (a commit in lowercase), so one model is cached once, whatever the case typed
    return f"hf:{repo_id}" + (f"@{revision}" if revision else "")


def hub_reachable(timeout: float = 1.5) -> bool:
    """Can we open a TCP connection to the Hub? Answered within `timeout` s, cached 30 s."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return False
    url = urlparse(constants.ENDPOINT)
    host, port = url.hostname or "huggingface.co", url.port or (443 if url.scheme == "https" else 80)
    cached = _probe_cache.get(host)
    if cached and time.monotonic() - cached[0] < 30:
        return cached[1]
    result = [False]

    def probe():
        try:
            # DNS lookup and connect both happen here; a thread bounds the
            # lookup too, which socket timeouts do not cover.
            with socket.create_connection((host, port), timeout=timeout):
                result[0] = True
        except OSError:
            pass

    t = threading.Thread(target=probe, daemon=True)
    t.start()
    t.join(timeout)
    _probe_cache[host] = (time.monotonic(), result[0])
    return result[0]


def _progress_tqdm(callback):
    """A tqdm class for hf_hub_download that reports (done_bytes, total_bytes) to `callback`."""
    from tqdm.auto import tqdm

    class _Reporter(tqdm):
        def __init__(self, *args, **kwargs):
            kwargs["file"] = io.StringIO()  # the page shows the progress, not stderr
            super().__init__(*args, **kwargs)

        def update(self, n=1):
            out = super().update(n)
            try:
                callback(int(self.n), int(self.total or 0))
            except Exception:
                pass
            return out

    return _Reporter


def hub_download(repo_id: str, filename: str, revision: str | None = None, progress=None,
                 cache_dir=None) -> str:
    """hf_hub_download that fails fast and explains itself; returns the local path."""
    from huggingface_hub import errors as herr
    from huggingface_hub import hf_hub_download

    online = hub_reachable()
    kwargs = dict(repo_id=repo_id, filename=filename, revision=revision, cache_dir=cache_dir,
                  library_name="gan_core")
    try:
        if not online:
            return hf_hub_download(**kwargs, local_files_only=True)
        return hf_hub_download(**kwargs, tqdm_class=_progress_tqdm(progress) if progress else None)
    except herr.LocalEntryNotFoundError:
        raise HubUnreachableError(
            f"The Hugging Face Hub is unreachable from this server and {repo_id}"
            f"{'@' + revision if revision else ''} ({filename}) is not in the local cache. "
            "The bundled faces model is still available.") from None
    except herr.RepositoryNotFoundError:
        raise ModelLoadError(f"The Hub has no repo {repo_id!r} (or it is private/gated and needs a token).") from None
    except herr.RevisionNotFoundError:
        raise ModelLoadError(f"The repo {repo_id!r} has no revision {echo(revision)}.") from None
    except (herr.EntryNotFoundError, herr.RemoteEntryNotFoundError):
        raise ModelLoadError(f"The repo {repo_id!r} has no file {filename!r}: it is not a model in "
                             "GAN Playground's format (config.json + model.safetensors).") from None
    except herr.HFValidationError:
        raise ModelLoadError(f"{echo(repo_id)} is not a valid Hugging Face repo id.") from None
    except (herr.HfHubHTTPError, OSError) as exc:
        # Their text names the server's cache folder or the full URL: say what happened in our words.
        status = getattr(getattr(exc, "response", None), "status_code", None)
        why = f"the Hub answered HTTP {status}" if isinstance(status, int) else f"{type(exc).__name__}"
        raise ModelLoadError(f"Downloading {filename} from {repo_id}{'@' + revision if revision else ''} "
                             f"failed ({why}). Try again later.") from None


def _load_pggan(repo_id: str, revision: str | None, progress, cache_dir, source: str):
    pinned = pin("pggan-celebahq-1024")
    revision = revision or pinned.revision
    path = hub_download(repo_id, pinned.file, revision, progress, cache_dir)
    try:
        generator = pggan.load_pggan_state_dict(path)
    except ValueError as exc:     # its words name the file by its path in the server's cache: name the repo
        shown = f"{repo_id}/{pinned.file}"
        raise ModelLoadError(str(exc).replace(repr(os.fspath(path)), shown).replace(os.fspath(path), shown)[:400]) from None
    commit = snapshot_commit(path) or ""
    config = {"architecture": "pggan", "repo_id": repo_id, "revision": revision, "commit": commit,
              "licence": pggan.LICENCE_NOTE}
    return _finish(generator, config, "pggan-celebahq-1024", source, pggan.LICENCE_NOTE, path,
                   revision=revision, commit=commit)


def _load_hub_folder(repo_id: str, revision: str | None, progress, cache_dir, source: str):
    cfg_path = hub_download(repo_id, CONFIG_NAME, revision, progress, cache_dir)
    hub_download(repo_id, WEIGHTS_NAME, revision, progress, cache_dir)
    try:
        hub_download(repo_id, "README.md", revision, None, cache_dir)
    except ModelLoadError:
        pass  # a card is nice to have, not required
    where = f"{repo_id}@{revision}" if revision else repo_id     # never the cache folder's path
    generator, info = load_folder(Path(cfg_path).parent, name=repo_id, source=source, where=where)
    info.revision, info.commit = revision or "main", snapshot_commit(cfg_path) or ""
    return generator, info


# Hub repos that are not model folders, with the loader that reads their files. The PGGAN
# repo holds genforce's bare state dict (pytorch_model.bin, no config.json), which
# models/pggan.py reads with weights_only=True and a key-for-key, shape-for-shape check.
HUB_FILE_LOADERS = {pin("pggan-celebahq-1024").repo: _load_pggan}


def load_generator(source: str, progress=None, cache_dir=None):
    """Load a generator by bundled name, folder path or 'hf:owner/name[@revision]'.

    progress(done_bytes, total_bytes) is called during a Hub download.
    """
    if not isinstance(source, str) or not source.strip():
        raise ModelLoadError("no model given: pass a bundled name, a folder or hf:owner/name")
    source = source.strip()
    entry = REGISTRY.get(source)
    if entry is not None and "path" in entry:
        if not (Path(entry["path"]) / CONFIG_NAME).exists():
            raise ModelLoadError(f"the bundled model {source!r} is missing from this installation")
        return load_folder(entry["path"], name=source, source=source)
    if entry is not None:
        repo_id, revision = entry["repo"], None
    elif source.startswith("hf:"):
        repo_id, revision = parse_hub_source(source)
    elif os.path.isdir(source):
        return load_folder(source)
    else:
        known = ", ".join(REGISTRY)
        raise ModelLoadError(f"unknown model {echo(source)}: not a bundled name ({known}), not a folder, "
                             "and not a Hub reference of the form hf:owner/name[@revision]")
    loader = HUB_FILE_LOADERS.get(repo_id, _load_hub_folder)
    return loader(repo_id, revision, progress, cache_dir, source)
