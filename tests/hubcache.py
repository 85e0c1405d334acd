"""Lay files out in a directory exactly as huggingface_hub's cache does, so the
real download code path runs offline against it."""

import hashlib
import os
from pathlib import Path


def populate_hf_cache(cache: Path, repo_id: str, files: dict[str, bytes],
                      revision: str = "main", commit: str = "a" * 40) -> Path:
    repo_dir = Path(cache) / f"models--{repo_id.replace('/', '--')}"
    (repo_dir / "refs").mkdir(parents=True, exist_ok=True)
    (repo_dir / "refs" / revision).write_text(commit)
    for rel, data in files.items():
        blob = repo_dir / "blobs" / hashlib.sha256(data).hexdigest()
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(data)
        ptr = repo_dir / "snapshots" / commit / rel
        ptr.parent.mkdir(parents=True, exist_ok=True)
        ptr.symlink_to(os.path.relpath(blob, ptr.parent))
    return repo_dir / "snapshots" / commit
