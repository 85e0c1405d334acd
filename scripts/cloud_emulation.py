"""Streamlit Community Cloud's install path, emulated end to end (CI runs it before pytest).

    .venv/bin/python scripts/cloud_emulation.py . --require 3.12        # what .ci/run does
    .venv/bin/python scripts/cloud_emulation.py . --python 3.13 --cold  # one version, empty uv cache

For each Python version (3.12, Cloud's default, and 3.13 where this machine has it):

1. a fresh `git clone` of the repository (committed files only, as Cloud sees them);
2. a fresh venv made by uv, then exactly `uv pip install -r requirements.txt` (no dev extras);
3. the server started as Cloud starts it: `streamlit run app.py` in the clone, its own
   `.streamlit/config.toml`, plus the settings Cloud forces (docs/deploy.md lists them);
4. a real Chromium (Playwright, Debian's `chromium`) walks every page in English and Persian,
   runs one short training to its end, inverts a photo, and opens PGGAN from an offline Hub
   cache laid out as the Hub's (at the pinned revision of gan_core/hub/pins.json);
5. the RSS of the server and all its child processes is summed every 0.2 s.

It exits non-zero, with a summary saying why, when an install fails, a page raises or shows an
error, a step times out, a required Python is missing, or the peak passes Cloud's memory limit
(2.7 GB). The summary gives install time, cold start (server start -> first page drawn), each
page's time and the peak. The driver (this file, Playwright) runs in the dev venv; only the server
runs in the Cloud-like venv.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

DEFAULT_PYTHONS = ("3.12", "3.13")
CLOUD_LIMIT_GB = 2.7          # Community Cloud's memory ceiling (docs/deploy.md, "Limits")
SAMPLE_S = 0.2                # RSS sampling period
WAIT_MS = 90_000              # one wait in the browser; a shared 2-core machine is slow
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# What Community Cloud forces over the repository's config.toml (its "status and limitations"
# page), except usage statistics: this emulation runs without internet access.
CLOUD_FORCED = {"client.showErrorDetails": "false", "runner.fastReruns": "true",
                "server.runOnSave": "true", "server.enableXsrfProtection": "true"}
LANGS = ("en", "fa")


# ----------------------------------------------------------------------------- arguments

def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("repo", type=Path, help="the repository to clone (its committed HEAD)")
    p.add_argument("--python", nargs="+", default=list(DEFAULT_PYTHONS), metavar="X.Y",
                   help="Python versions to try (default: %(default)s); a missing one is skipped")
    p.add_argument("--require", nargs="*", default=[], metavar="X.Y",
                   help="versions that must be present and pass (a missing one fails the run)")
    p.add_argument("--limit-gb", type=float, default=CLOUD_LIMIT_GB,
                   help="fail when the server tree's peak RSS passes this (GB = 1e9 bytes)")
    p.add_argument("--uv", default=None, help="the uv executable (default: next to this Python, then PATH)")
    p.add_argument("--uv-cache", type=Path, default=None,
                   help="uv's cache (default: uv's own, so a second run installs warm)")
    p.add_argument("--cold", action="store_true", help="install with an empty uv cache (made and removed here)")
    p.add_argument("--work", type=Path, default=None, help="where clones and venvs go (default: a temp folder)")
    p.add_argument("--keep", action="store_true", help="keep the work folder")
    p.add_argument("--json", type=Path, default=None, help="also write the results here as JSON")
    args = p.parse_args(argv)
    for v in [*args.python, *args.require]:
        if not re.fullmatch(r"3\.\d{1,2}", v):
            p.error(f"{v!r} is not a Python version like 3.12")
    args.python = list(dict.fromkeys([*args.python, *args.require]))   # a required version is tried
    if args.limit_gb <= 0:
        p.error("--limit-gb must be positive")
    if args.cold and args.uv_cache:
        p.error("--cold makes its own empty cache; do not combine it with --uv-cache")
    return args


# ----------------------------------------------------------------------------- memory of a process tree

def _ppid(stat_text: str) -> int:
    # /proc/PID/stat: "PID (comm) STATE PPID ..."; comm may hold spaces and parentheses.
    return int(stat_text[stat_text.rindex(")") + 2:].split()[1])


def process_tree(root_pid: int, proc: str = "/proc") -> list[int]:
    """root_pid and every descendant alive now (read from /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        try:
            with open(os.path.join(proc, entry, "stat")) as f:
                children.setdefault(_ppid(f.read()), []).append(int(entry))
        except (OSError, ValueError, IndexError):
            continue          # gone between listdir and open, or unreadable
    out, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def rss_bytes(pid: int, proc: str = "/proc") -> int:
    """Resident memory of one process (0 for a zombie or one that has gone)."""
    try:
        with open(os.path.join(proc, str(pid), "status")) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_rss_bytes(root_pid: int, proc: str = "/proc") -> int:
    """The summed RSS of a process and its descendants: pages shared between them count
    once per process, so this is an upper bound of what a memory cgroup charges."""
    return sum(tree_rss(root_pid, proc).values())


def tree_rss(root_pid: int, proc: str = "/proc") -> dict[int, int]:
    """{pid: RSS bytes} of a process and each descendant alive now (0 for a zombie)."""
    return {pid: rss_bytes(pid, proc) for pid in process_tree(root_pid, proc)}


class PeakSampler:
    """Samples tree_rss_bytes(pid) every `period` s in a thread; remembers the peak and the phase,
    the {pid: RSS} of the tree at the peak (`peak_tree`), and the most processes seen at once."""

    def __init__(self, pid: int, period: float = SAMPLE_S, proc: str = "/proc"):
        self.pid, self.period, self.proc = pid, period, proc
        self.peak, self.peak_phase, self.phase, self.samples = 0, "", "start", 0
        self.peak_tree: dict[int, int] = {}
        self.most_processes = 0
        self.peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def sample(self) -> int:
        tree = {pid: rss for pid, rss in tree_rss(self.pid, self.proc).items() if rss}
        value = sum(tree.values())
        self.samples += 1
        self.most_processes = max(self.most_processes, len(tree))
        self.peaks[self.phase] = max(self.peaks.get(self.phase, 0), value)
        if value > self.peak:
            self.peak, self.peak_phase, self.peak_tree = value, self.phase, tree
        return value

    def _run(self):
        while not self._stop.wait(self.period):
            self.sample()

    def stop(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)


# ----------------------------------------------------------------------------- results

@dataclass
class Step:
    name: str                 # "en /Train", "training", "photo", "pggan" ...
    seconds: float
    ok: bool = True
    detail: str = ""


@dataclass
class VersionResult:
    version: str
    interpreter: str = ""
    skipped: str = ""                     # why this version did not run (not present)
    install_s: float | None = None
    packages: dict[str, str] = field(default_factory=dict)
    cold_start_s: float | None = None
    steps: list[Step] = field(default_factory=list)
    peak_bytes: int = 0
    peak_phase: str = ""
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.skipped and not self.failures


def mb(n_bytes: int) -> float:
    return n_bytes / 2**20


def format_summary(results: list[VersionResult], limit_gb: float, required: list[str], cache: str = "") -> str:
    """The printout: one block per Python version, then the verdict."""
    lines = ["", "=" * 72, f"Community Cloud emulation  (memory limit {limit_gb:g} GB = {limit_gb * 1e9 / 2**20:,.0f} MiB"
             + (f"; uv cache: {cache}" if cache else "") + ")", "=" * 72]
    for r in results:
        if r.skipped:
            lines.append(f"Python {r.version}: SKIPPED ({r.skipped})")
            continue
        head = f"Python {r.version} ({r.interpreter})"
        lines.append(head)
        if r.packages:
            lines.append("  " + ", ".join(f"{k} {v}" for k, v in r.packages.items()))
        if r.install_s is not None:
            lines.append(f"  install (uv pip install -r requirements.txt): {r.install_s:6.1f} s")
        if r.cold_start_s is not None:
            lines.append(f"  cold start (server start -> first page drawn): {r.cold_start_s:6.1f} s")
        for s in r.steps:
            mark = "ok  " if s.ok else "FAIL"
            lines.append(f"  {mark} {s.name:<34} {s.seconds:6.1f} s" + (f"  {s.detail}" if s.detail else ""))
        if r.peak_bytes:
            lines.append(f"  peak RSS, server + children: {mb(r.peak_bytes):,.0f} MiB (during {r.peak_phase})")
        for f in r.failures:
            lines.append(f"  FAILURE: {f}")
        lines.append(f"  => {'PASS' if r.passed else 'FAIL'}")
    ok = verdict(results, required)
    lines += ["-" * 72, "RESULT: " + ("PASS" if ok else "FAIL") + "  " +
              ", ".join(f"{r.version}: {'skipped' if r.skipped else 'pass' if r.passed else 'fail'}" for r in results)]
    return "\n".join(lines)


def verdict(results: list[VersionResult], required: list[str]) -> bool:
    """Passed: every version that ran passed, every required one ran, and at least one ran."""
    ran = [r for r in results if not r.skipped]
    missing = [r.version for r in results if r.skipped and r.version in required]
    return bool(ran) and all(r.passed for r in ran) and not missing


# ----------------------------------------------------------------------------- finding things

def find_uv(explicit: str | None) -> str:
    for candidate in (explicit, str(Path(sys.executable).with_name("uv")), shutil.which("uv")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit("uv not found: install it (requirements-dev.txt pins it) or pass --uv")


def _runs(python: str, version: str) -> bool:
    try:
        out = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and out.stdout.strip() == version


def find_python(version: str, uv: str) -> str | None:
    """An interpreter of this version: pyenv's, one on PATH, or one uv knows (no download)."""
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = sorted(glob.glob(os.path.join(root, "versions", f"{version}.*", "bin", f"python{version}")),
                        reverse=True)
    candidates += [c for c in (shutil.which(f"python{version}"),) if c]
    for c in candidates:
        if _runs(c, version):
            return c
    try:
        out = subprocess.run([uv, "python", "find", "--no-python-downloads", version],
                             capture_output=True, text=True, timeout=60)
        if out.returncode == 0 and _runs(out.stdout.strip(), version):
            return out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_pages(clone: Path):
    """The app's own page list (ui/nav.py of the clone; it imports nothing but dataclasses)."""
    spec = importlib.util.spec_from_file_location("_cloud_nav", clone / "ui" / "nav.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.ALL


# ----------------------------------------------------------------------------- fixtures the walk needs

def make_hub_cache(repo: Path, cache: Path) -> str:
    """PGGAN's Hub repo, offline: random weights of the right keys and shapes, laid out as the Hub's
    cache at the pinned revision (gan_core/hub/pins.json). Returns the revision used."""
    sys.path[:0] = [str(repo), str(repo / "tests")]
    import torch
    from hubcache import populate_hf_cache

    from gan_core.hub import refs as pins
    from gan_core.models import pggan

    pin = pins.pin("pggan-celebahq-1024")
    torch.manual_seed(0)
    state = {k: (torch.randn_like(v) * 0.05 if v.is_floating_point() and k != "lod" else v)
             for k, v in pggan.PGGANGenerator().state_dict().items()}
    tmp = cache / "weights.tmp"
    cache.mkdir(parents=True, exist_ok=True)
    torch.save(state, tmp)
    data = tmp.read_bytes()
    tmp.unlink()
    commit = pin.revision if pins.is_commit(pin.revision) else "0" * 40
    populate_hf_cache(cache, pin.repo, {pin.file: data}, revision="main", commit=commit)
    return pin.revision


def make_photo(repo: Path) -> bytes:
    sys.path[:0] = [str(repo), str(repo / "tests")]
    from photos import face_photo

    return face_photo(11, 260, (720, 960), (620, 90), noise_seed=1, noise=(70, 120), quality=92)


# ----------------------------------------------------------------------------- one Python version

def run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


COPY_IGNORE = (".git", ".venv", "__pycache__", "test-output", ".pytest_cache")


def fresh_copy(repo: Path, dest: Path) -> str:
    """What Cloud checks out: a `git clone` of the committed HEAD; a folder that is not a git
    repository (a CI tarball) is copied instead, without venvs, caches and test output."""
    if run(["git", "-C", str(repo), "rev-parse", "--git-dir"], timeout=60).returncode == 0:
        out = run(["git", "clone", "--quiet", "--no-hardlinks", str(repo), str(dest)], timeout=300)
        if out.returncode != 0:
            raise RuntimeError(f"git clone: {out.stderr.strip()[-500:]}")
        return "git clone"
    shutil.copytree(repo, dest, symlinks=True, ignore=shutil.ignore_patterns(*COPY_IGNORE))
    return "copy (not a git repository)"


def install(version: str, python: str, clone: Path, venv: Path, uv: str, env: dict, r: VersionResult) -> bool:
    out = run([uv, "venv", "--quiet", "--python", python, str(venv)], env=env, timeout=300)
    if out.returncode != 0:
        r.failures.append(f"uv venv failed: {out.stderr.strip()[-500:]}")
        return False
    t0 = time.monotonic()
    out = run([uv, "pip", "install", "-r", "requirements.txt"], cwd=clone,
              env=dict(env, VIRTUAL_ENV=str(venv)), timeout=1800)
    r.install_s = time.monotonic() - t0
    if out.returncode != 0:
        r.failures.append(f"uv pip install -r requirements.txt failed:\n{out.stderr.strip()[-2000:]}")
        return False
    probe = ("import importlib.metadata as m, importlib.util as u, json; "
             "print(json.dumps({'versions': {n: m.version(n) for n in ('torch', 'streamlit', 'huggingface-hub')}, "
             "'dev': [n for n in ('pytest', 'playwright') if u.find_spec(n)]}))")
    out = run([str(venv / "bin" / "python"), "-c", probe], timeout=120)
    if out.returncode != 0:
        r.failures.append(f"the installed venv does not import: {out.stderr.strip()[-500:]}")
        return False
    info = json.loads(out.stdout)
    r.packages = info["versions"]
    if info["dev"]:
        r.failures.append(f"dev packages leaked into the Cloud venv: {info['dev']}")
    return True


def start_server(clone: Path, venv: Path, port: int, env: dict, log) -> subprocess.Popen:
    cmd = [str(venv / "bin" / "streamlit"), "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    for key, value in CLOUD_FORCED.items():
        cmd += [f"--{key}", value]
    return subprocess.Popen(cmd, cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode} before answering")
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=1).read() == b"ok":
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /_stcore/health within {timeout:.0f} s")


def settle(page, timeout_ms: int = WAIT_MS):
    page.wait_for_timeout(200)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                           timeout=timeout_ms)


def page_errors(page) -> list[str]:
    """Tracebacks and error boxes on the page, as text."""
    found = []
    for sel in ('[data-testid="stException"]', '[data-testid="stAlertContentError"]'):
        found += [t.strip().splitlines()[0][:200] if t.strip() else sel for t in page.locator(sel).all_inner_texts()]
    return found


def timed(r: VersionResult, sampler: PeakSampler, name: str, fn) -> bool:
    """Run one browser step; record its time, and a failure (with the reason) instead of raising."""
    sampler.phase = name
    t0 = time.monotonic()
    try:
        detail = fn() or ""
        ok = True
    except Exception as exc:  # a timeout, a missing element, an error on the page
        detail, ok = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300]}", False
        r.failures.append(f"{name}: {detail}")
    r.steps.append(Step(name, time.monotonic() - t0, ok, detail if not ok else detail))
    return ok


def walk(url: str, clone: Path, photo: bytes, work: Path, r: VersionResult, sampler: PeakSampler,
         t_server: float) -> None:
    from playwright.sync_api import expect, sync_playwright

    chromium = shutil.which("chromium")
    if not chromium:
        r.failures.append("chromium is not installed (apt-get install -y chromium)")
        return
    pages = load_pages(clone)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        tab = browser.new_context(viewport={"width": 1400, "height": 1800}).new_page()

        def visit(path: str, lang: str):
            def go():
                tab.goto(f"{url}/{path}?lang={lang}")
                expect(tab.locator("h1").first).to_be_visible(timeout=WAIT_MS)
                settle(tab)
                errors = page_errors(tab)
                if errors:
                    raise RuntimeError("the page shows an error: " + " | ".join(errors))
            return go

        first = True
        for lang in LANGS:
            for info in pages:
                ok = timed(r, sampler, f"{lang} /{info.url_path}", visit(info.url_path, lang))
                if first:
                    r.cold_start_s = time.monotonic() - t_server if ok else None
                    first = False

        def training():
            tab.goto(f"{url}/Train?lang=en")
            start = tab.locator(".st-key-start button")
            expect(start).to_be_enabled(timeout=WAIT_MS)
            for label in ("conv_dim", "Batch size", "Sample grid every"):      # the smallest of each
                slider = tab.get_by_role("slider", name=label)
                expect(slider).to_have_count(1, timeout=WAIT_MS)
                slider.focus()
                tab.keyboard.press("Home")
                settle(tab)
            box = tab.get_by_role("spinbutton", name=re.compile("Iterations"))
            box.fill("10")
            box.press("Enter")
            settle(tab)
            expect(start).to_be_enabled(timeout=WAIT_MS)
            start.click()
            expect(tab.get_by_text(re.compile(r"Training finished: \d+ iterations"))).to_be_visible(timeout=WAIT_MS)
            expect(tab.locator('[data-testid="stMain"] [data-testid="stImage"] img').first).to_be_visible(
                timeout=WAIT_MS)
            if page_errors(tab):
                raise RuntimeError("the page shows an error: " + " | ".join(page_errors(tab)))
            return "10 iterations, grid shown"

        def photo_inversion():
            path = work / "selfie.jpg"
            path.write_bytes(photo)
            tab.goto(f"{url}/Playground?lang=en")
            tab.wait_for_selector('[data-testid="stImage"] img', timeout=WAIT_MS)
            tab.get_by_role("tab", name="Your photo").click()
            tab.get_by_test_id("stTabs").locator('input[type="file"]').set_input_files(str(path))
            expect(tab.get_by_text("Reconstruction error")).to_be_visible(timeout=WAIT_MS)
            if tab.get_by_text("No face was found").count():
                raise RuntimeError("the face in the test photo was not found")
            if page_errors(tab):
                raise RuntimeError("the page shows an error: " + " | ".join(page_errors(tab)))
            return tab.get_by_text("Reconstruction error").first.inner_text()[:90].replace("\n", " ")

        def pggan():
            tab.goto(f"{url}/Playground?model=pggan-celebahq-1024&lang=en")
            tab.wait_for_selector('[data-testid="stMain"] [data-testid="stImage"] img', timeout=WAIT_MS)
            settle(tab)
            if page_errors(tab):
                raise RuntimeError("the page shows an error: " + " | ".join(page_errors(tab)))
            width = tab.locator('[data-testid="stMain"] [data-testid="stImage"] img').first.evaluate(
                "el => el.naturalWidth")
            if width <= 64:
                raise RuntimeError(f"the face is {width} pixels wide: the bundled 64x64 model, not PGGAN")
            source = tab.get_by_text(re.compile(r"which was commit|pinned to commit")).first
            expect(source).to_be_visible(timeout=WAIT_MS)       # the revision and commit, from ModelInfo
            commit = re.search(r"commit ([0-9a-f]{12,40})", source.inner_text())
            return f"a {width}-pixel face from the offline Hub cache, commit {commit.group(1) if commit else '?'}"

        timed(r, sampler, "training (to its end)", training)
        timed(r, sampler, "photo inversion", photo_inversion)
        timed(r, sampler, "PGGAN on the Playground", pggan)
        browser.close()


def emulate(version: str, args, uv: str, work: Path, hub_cache: Path, photo: bytes, env: dict) -> VersionResult:
    r = VersionResult(version)
    python = find_python(version, uv)
    if python is None:
        r.skipped = f"no Python {version} on this machine (pyenv, PATH, uv) and uv cannot fetch one offline"
        return r
    r.interpreter = python
    here = work / f"py{version}"
    clone, venv = here / "clone", here / "venv"
    try:
        fresh_copy(args.repo.resolve(), clone)
    except (OSError, RuntimeError) as exc:
        r.failures.append(f"cloning the repository failed: {exc}")
        return r
    if not install(version, python, clone, venv, uv, env, r):
        return r
    server_env = {k: v for k, v in env.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    server_env.update(HF_HUB_CACHE=str(hub_cache), HF_HUB_OFFLINE="1", GAN_PLAYGROUND_CLOUD="1",
                      PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = here / "server.log"
    with open(log_path, "w") as log:
        t_server = time.monotonic()
        proc = start_server(clone, venv, port, server_env, log)
        sampler = PeakSampler(proc.pid).start()
        try:
            wait_healthy(url, proc)
            walk(url, clone, photo, here, r, sampler, t_server)
        except Exception as exc:
            r.failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            sampler.sample()
            sampler.stop()
            r.peak_bytes, r.peak_phase = sampler.peak, sampler.peak_phase
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    if r.peak_bytes > args.limit_gb * 1e9:
        r.failures.append(f"peak RSS {mb(r.peak_bytes):,.0f} MiB passes Cloud's {args.limit_gb:g} GB "
                          f"(during {r.peak_phase})")
    tracebacks = [ln for ln in log_path.read_text(errors="replace").splitlines() if ln.startswith("Traceback")]
    if tracebacks:
        r.failures.append(f"the server log has {len(tracebacks)} traceback(s): see {log_path}"
                          + ("" if args.keep else " (rerun with --keep to read it)"))
        tail = log_path.read_text(errors="replace")[-3000:]
        print(f"--- server log of Python {version}, last lines ---\n{tail}", flush=True)
    return r


def main(argv=None) -> int:
    args = parse_args(argv)
    if not (args.repo / "requirements.txt").is_file():
        print(f"{args.repo} has no requirements.txt: not the app's repository", file=sys.stderr)
        return 2
    dirty = run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=args.repo).stdout.strip()
    head = run(["git", "rev-parse", "--short", "HEAD"], cwd=args.repo).stdout.strip()
    print(f"emulating Community Cloud for commit {head}" +
          (" (uncommitted changes are not part of a clone, so they are not tested)" if dirty else "")
          if head else f"emulating Community Cloud for {args.repo} (not a git repository: copied)", flush=True)
    uv = find_uv(args.uv)
    work = args.work or Path(tempfile.mkdtemp(prefix="cloud-emulation-"))
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    cache_label = "uv's default"
    if args.cold:
        env["UV_CACHE_DIR"] = str(work / "uv-cache")
        cache_label = "empty (cold)"
    elif args.uv_cache:
        env["UV_CACHE_DIR"] = str(args.uv_cache)
        cache_label = str(args.uv_cache)
    results = []
    try:
        hub_cache = work / "hf-cache"
        revision = make_hub_cache(args.repo.resolve(), hub_cache)
        print(f"offline Hub cache for PGGAN at revision {revision}: {hub_cache}", flush=True)
        photo = make_photo(args.repo.resolve())
        for version in args.python:
            print(f"--- Python {version} ---", flush=True)
            t0 = time.monotonic()
            results.append(emulate(version, args, uv, work, hub_cache, photo, env))
            print(f"    ({time.monotonic() - t0:.0f} s)", flush=True)
            if args.cold:
                shutil.rmtree(work / "uv-cache", ignore_errors=True)   # each version starts cold
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(format_summary(results, args.limit_gb, args.require, cache_label), flush=True)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))
    return 0 if verdict(results, args.require) else 1


if __name__ == "__main__":
    sys.exit(main())
