"""The Experiments page: renders the committed study, compares runs, hands a config to the Train page."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from gan_core.study import results as study_results
from gan_core.training import TrainConfig
from ui import handoff

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "3_Experiments.py")
RESULTS = ROOT / "results" / "course_study"


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setenv("GAN_PLAYGROUND_STUDY_DIR", str(RESULTS))
    at = AppTest.from_file(PAGE, default_timeout=60)
    return at


def no_exception(at):
    assert not at.exception, [e.value for e in at.exception]


def test_page_renders_the_committed_study_with_one_row_per_run(page):
    at = page.run()
    no_exception(at)
    records = study_results.load_runs(RESULTS)
    assert records, "no committed study results"
    table = at.dataframe[0].value
    assert list(table["run"]) == [r["name"] for r in records]
    assert {"factor changed", "final SWD", "best SWD", "diverged?", "wall time (min)"} <= set(table.columns)
    assert len(at.get("plotly_chart")) >= 2  # curves per factor + the comparison
    assert at.image, "the sample grid is shown"


def test_checkpoint_slider_switches_the_grid(page):
    at = page.run()
    at.selectbox(key="grid_run").set_value("lr_0.001").run()
    no_exception(at)
    slider = at.select_slider(key="grid_iter_lr_0.001")
    first = slider.options[0]
    slider.set_value(int(first)).run()
    no_exception(at)
    assert f"iteration {first}" in at.image[0].proto.imgs[0].caption


def test_comparing_two_runs_shows_the_config_diff(page):
    at = page.run()
    at.selectbox(key="cmp_a").set_value("study: base")
    at.selectbox(key="cmp_b").set_value("study: lr_0.1").run()
    no_exception(at)
    diff = at.table[0].value
    assert list(diff["setting"]) == ["lr"]
    assert list(diff["A"]) == ["0.0005"] and list(diff["B"]) == ["0.1"]


def test_rerun_live_sets_the_train_prefill(page):
    at = page.run()
    at.selectbox(key="grid_run").set_value("d_train_iters_2").run()
    at.button(key="rerun_live").click().run()
    no_exception(at)  # switching to a page AppTest cannot reach is handled, not raised
    prefill = at.session_state[handoff.TRAIN_PREFILL]
    assert isinstance(prefill, handoff.TrainPrefill) and prefill.source == "experiments"
    config = TrainConfig.from_dict(prefill.config)
    assert config.d_train_iters == 2 and config.batch_size == 16 and config.lr == 5e-4
    assert config.iterations <= 1500


def kept(label, config, curves, timeline):
    from gan_core.jobs import Snapshot

    snap = Snapshot(status="done", iteration=timeline[-1][0], total=timeline[-1][0], label=label, config=config,
                    curves=curves, timeline=timeline)
    return handoff.KeptRun(label, snap, None, config, snap.iteration)


def test_user_runs_from_the_train_page_can_be_compared(page):
    grid = np.full((40, 40, 3), 200, np.uint8)
    xs = list(range(1, 101))
    page.session_state[handoff.TRAIN_RUNS] = [
        kept("fast", TrainConfig(lr=1e-3), {"x": xs, "d_loss": [0.5] * 100, "g_loss": [0.9] * 100},
             [(50, grid), (100, grid)]),
        kept("slow", TrainConfig(lr=1e-4), {}, [(100, grid)]),
    ]
    at = page.run()
    at.selectbox(key="cmp_a").set_value("yours: fast")
    at.selectbox(key="cmp_b").set_value("yours: slow").run()
    no_exception(at)
    assert list(at.table[0].value["setting"]) == ["lr"]
    captions = [img.caption for el in at.image for img in el.proto.imgs]
    assert "yours: fast, iteration 100" in captions and "yours: slow, iteration 100" in captions


def test_page_explains_missing_results(monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_PLAYGROUND_STUDY_DIR", str(tmp_path))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    no_exception(at)
    assert any("No study results yet" in i.value for i in at.info)
    assert not at.dataframe


def test_runs_archived_by_the_train_page_can_be_compared_with_the_study(page):
    grid = np.full((40, 40, 3), 90, np.uint8)
    config = TrainConfig(dataset="emoji", batch_size=16, lr=5e-4, n_samples=36, sample_every=500)
    page.session_state[handoff.TRAIN_RUNS] = [
        kept("my run", config, {"x": [500, 1000], "d_loss": [0.3, 0.2], "g_loss": [0.6, 0.5]},
             [(500, grid), (1000, grid)])]
    at = page.run()
    at.selectbox(key="cmp_a").set_value("study: base")
    at.selectbox(key="cmp_b").set_value("yours: my run").run()
    no_exception(at)
    assert "iterations" in list(at.table[0].value["setting"])
    captions = [img.caption for el in at.image for img in el.proto.imgs]
    assert "yours: my run, iteration 1000" in captions and "study: base, iteration 1000" in captions


def test_the_pages_english_table_words_are_the_readmes():
    """One wording of the headline table: the results README's (gan_core) is the page's English."""
    import inspect

    from contentfiles import CONTENT

    from gan_core.study import headline_cells

    defaults = {k: p.default for k, p in inspect.signature(headline_cells).parameters.items() if k != "record"}
    assert {k: CONTENT["en"]["experiments"]["table"][k] for k in defaults} == defaults
