"""`python -m gan_core COMMAND`: one entry for the package's commands; the old names still work."""

import runpy
import sys

import pytest

from gan_core import __main__ as entry


def test_no_command_lists_every_command(capsys):
    assert entry.main([]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in entry.COMMANDS)


def test_an_unknown_command_is_refused_with_the_list(capsys):
    assert entry.main(["trian"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'trian'" in err and "train" in err


def test_train_runs_the_same_command_under_both_names(tmp_path, monkeypatch, one_torch_thread):
    """`python -m gan_core train ...` and `python -m gan_core.train ...` save the same run."""
    args = ["--data", "shapes", "--iterations", "2", "--batch-size", "4", "--sample-every", "0", "--seed", "3"]
    assert entry.main(["train", *args, "--out", str(tmp_path / "a")]) == 0
    monkeypatch.setattr(sys, "argv", ["gan_core.train", *args, "--out", str(tmp_path / "b")])
    with pytest.raises(SystemExit) as done:
        runpy.run_module("gan_core.train", run_name="__main__")
    assert done.value.code == 0
    a = (tmp_path / "a" / "model.safetensors").read_bytes()
    assert a == (tmp_path / "b" / "model.safetensors").read_bytes()
