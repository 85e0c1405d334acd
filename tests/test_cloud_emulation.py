"""The fast parts of scripts/cloud_emulation.py (CI runs the whole emulation; it takes minutes):
its arguments, the memory of a process tree read from a fake /proc, the peak sampler, the
summary and the verdict, finding interpreters, the app's page list, the settings Cloud forces."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("cloud_emulation", ROOT / "scripts" / "cloud_emulation.py")
emu = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = emu
_spec.loader.exec_module(emu)


# ----------------------------------------------------------------------------- arguments

def test_defaults_try_3_12_and_3_13_against_cloud_s_2_7_gb():
    args = emu.parse_args(["."])
    assert args.python == ["3.12", "3.13"] and args.require == []
    assert args.limit_gb == 2.7 and not args.cold and args.uv_cache is None


def test_a_required_version_is_also_tried():
    args = emu.parse_args([".", "--python", "3.13", "--require", "3.12"])
    assert args.python == ["3.13", "3.12"] and args.require == ["3.12"]


@pytest.mark.parametrize("argv", [[".", "--python", "3"], [".", "--require", "python3.12"],
                                  [".", "--limit-gb", "0"], [".", "--cold", "--uv-cache", "/tmp/x"]])
def test_bad_arguments_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        emu.parse_args(argv)
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err


# ----------------------------------------------------------------------------- a fake /proc

def fake_proc(tmp_path, procs):
    """procs: pid -> (ppid, comm, rss_kb or None for a zombie)."""
    for pid, (ppid, comm, rss) in procs.items():
        d = tmp_path / str(pid)
        d.mkdir()
        (d / "stat").write_text(f"{pid} ({comm}) S {ppid} {pid} {pid} 0 -1 4194560 0 0\n")
        status = f"Name:\t{comm}\nState:\tS (sleeping)\nPPid:\t{ppid}\n"
        if rss is not None:
            status += f"VmPeak:\t  999999 kB\nVmRSS:\t  {rss} kB\n"
        (d / "status").write_text(status)
    (tmp_path / "self").mkdir()              # not a pid: ignored
    (tmp_path / "meminfo").write_text("MemTotal: 1 kB\n")
    return str(tmp_path)


TREE = {
    100: (1, "streamlit", 500_000),         # the server
    101: (100, "python (worker)", 300_000),  # a child whose name has spaces and parentheses
    102: (101, "pt_main_thread", 200_000),   # a grandchild
    103: (100, "defunct", None),             # a zombie: no VmRSS
    200: (1, "chromium", 900_000),           # not ours
}


def test_the_tree_is_the_server_and_all_its_descendants(tmp_path):
    proc = fake_proc(tmp_path, TREE)
    assert sorted(emu.process_tree(100, proc)) == [100, 101, 102, 103]
    assert emu.process_tree(102, proc) == [102]


def test_tree_rss_sums_every_process_and_skips_zombies_and_strangers(tmp_path):
    proc = fake_proc(tmp_path, TREE)
    assert emu.tree_rss_bytes(100, proc) == (500_000 + 300_000 + 200_000) * 1024
    assert emu.rss_bytes(103, proc) == 0
    assert emu.rss_bytes(999, proc) == 0      # gone


def test_a_process_that_vanishes_or_is_unreadable_is_skipped(tmp_path):
    proc = fake_proc(tmp_path, TREE)
    (tmp_path / "101" / "stat").write_text("garbage")
    # 101 is no longer known as 100's child, so neither is 102: the sum is the server alone
    assert emu.tree_rss_bytes(100, proc) == 500_000 * 1024


def test_the_sampler_keeps_the_peak_and_its_phase(tmp_path):
    proc = fake_proc(tmp_path, TREE)
    sampler = emu.PeakSampler(100, proc=proc)
    sampler.phase = "en /"
    sampler.sample()
    (tmp_path / "102" / "status").write_text("VmRSS:\t 1200000 kB\n")
    sampler.phase = "training"
    sampler.sample()
    (tmp_path / "102" / "status").write_text("VmRSS:\t 0 kB\n")
    sampler.phase = "photo"
    sampler.sample()
    assert sampler.peak == (500_000 + 300_000 + 1_200_000) * 1024 and sampler.peak_phase == "training"
    # at the peak, each process's share; the zombie (no memory) is not counted as a process
    assert sampler.peak_tree == {100: 500_000 * 1024, 101: 300_000 * 1024, 102: 1_200_000 * 1024}
    assert sampler.most_processes == 3
    assert sampler.peaks["en /"] < sampler.peaks["training"] and sampler.samples == 3


def test_the_sampler_thread_samples_every_period_and_stops(tmp_path):
    sampler = emu.PeakSampler(100, period=0.01, proc=fake_proc(tmp_path, TREE)).start()
    import time

    time.sleep(0.2)
    sampler.stop()
    n = sampler.samples
    assert n >= 3 and sampler.peak == 1_000_000 * 1024
    time.sleep(0.05)
    assert sampler.samples == n


def test_the_real_proc_tree_of_this_process_has_memory():
    import os

    assert os.getpid() in emu.process_tree(os.getpid())
    assert emu.tree_rss_bytes(os.getpid()) > 10 * 2**20


# ----------------------------------------------------------------------------- summary and verdict

def passed(version="3.12"):
    r = emu.VersionResult(version, interpreter="/x/python" + version, install_s=20.5, cold_start_s=6.1,
                          packages={"torch": "2.14.1"}, peak_bytes=1300 * 2**20, peak_phase="training")
    r.steps = [emu.Step("en /", 2.0), emu.Step("training (to its end)", 5.0, detail="10 iterations")]
    return r


def test_the_summary_prints_install_cold_start_pages_and_peak():
    text = emu.format_summary([passed()], 2.7, ["3.12"], "uv's default")
    for needle in ("Python 3.12", "install (uv pip install -r requirements.txt):   20.5 s",
                   "cold start (server start -> first page drawn):    6.1 s", "en /", "training (to its end)",
                   "1,300 MiB (during training)", "2,575 MiB", "RESULT: PASS"):
        assert needle in text, needle


def test_a_failure_is_named_and_fails_the_run():
    bad = passed()
    bad.steps.append(emu.Step("fa /WGAN", 3.0, ok=False, detail="the page shows an error: ValueError"))
    bad.failures.append("fa /WGAN: the page shows an error: ValueError")
    text = emu.format_summary([bad], 2.7, [])
    assert "FAIL fa /WGAN" in text and "FAILURE: fa /WGAN" in text and "RESULT: FAIL" in text
    assert not emu.verdict([bad], [])


def test_a_missing_optional_version_is_skipped_a_missing_required_one_fails():
    skipped = emu.VersionResult("3.13", skipped="no Python 3.13 on this machine")
    assert emu.verdict([passed(), skipped], ["3.12"])
    assert not emu.verdict([passed(), skipped], ["3.12", "3.13"])
    assert not emu.verdict([skipped], [])          # nothing ran: nothing was shown
    assert "Python 3.13: SKIPPED (no Python 3.13" in emu.format_summary([passed(), skipped], 2.7, [])


# ----------------------------------------------------------------------------- the machine and the app

def test_a_version_this_machine_lacks_is_not_found(tmp_path, monkeypatch):
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    assert emu.find_python("3.99", "/bin/false") is None


def test_the_running_python_is_found_by_its_version():
    import shutil

    version = "%d.%d" % sys.version_info[:2]
    found = emu.find_python(version, shutil.which("false") or "/bin/false")
    assert found is None or emu._runs(found, version)


def test_the_walk_visits_the_app_s_own_page_list():
    from ui import nav

    pages = emu.load_pages(ROOT)
    assert [p.url_path for p in pages] == [p.url_path for p in nav.ALL] and pages[0].url_path == ""


def test_the_settings_cloud_forces_are_real_streamlit_options():
    from streamlit import config

    for key in emu.CLOUD_FORCED:
        config.get_option(key)   # raises for an unknown option


def test_ci_runs_the_emulation_before_the_tests():
    ci = (ROOT / ".ci" / "run").read_text()
    emulation = ci.index("scripts/cloud_emulation.py . --require 3.12")
    assert emulation < ci.index("-m pytest")
    assert "uv==" in (ROOT / "requirements-dev.txt").read_text()
    assert "uv" not in (ROOT / "requirements.txt").read_text().split()


def test_a_git_repository_is_cloned_at_its_committed_head(tmp_path):
    import subprocess

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("committed\n")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    subprocess.run([*git, "add", "app.py"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    (repo / "app.py").write_text("not committed\n")
    (repo / "untracked.py").write_text("")
    assert emu.fresh_copy(repo, tmp_path / "clone") == "git clone"
    assert (tmp_path / "clone" / "app.py").read_text() == "committed\n"
    assert not (tmp_path / "clone" / "untracked.py").exists()


def test_a_folder_without_git_is_copied_without_venvs_and_caches(tmp_path):
    repo = tmp_path / "tarball"
    for rel in ("app.py", "gan_core/x.py", ".venv/bin/python", "gan_core/__pycache__/x.pyc", "test-output/a.png"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text("")
    assert emu.fresh_copy(repo, tmp_path / "copy").startswith("copy")
    copied = sorted(str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*") if p.is_file())
    assert copied == ["app.py", "gan_core/x.py"]
