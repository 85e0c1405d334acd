"""Your own loss on the pages (AppTest): the Train page's editor, its refusals in both languages, what G's
loss asks of G, the WGAN-GP + batch-norm fix, the prefill; the toy lab's editor, optimiser, R1 and EMA.
"""

import re
import json
from pathlib import Path

import pytest
import torch  # noqa: F401  (imported before the first AppTest run: see testing-notes)
from streamlit.testing.v1 import AppTest

from gan_core.training import BUILTIN_FORMULAS, TrainConfig, Trainer
from ui import handoff
from ui.train import messages as msg

ROOT = Path(__file__).resolve().parent.parent
TRAIN = str(ROOT / "pages" / "2_Train.py")
WGAN = str(ROOT / "pages" / "6_WGAN.py")
TINY = {"tr_conv_dim": 8, "tr_batch_size": 8, "tr_noise_size": 16, "tr_iterations": 20, "tr_sample_every": 10}
MINIMAX_G = BUILTIN_FORMULAS["minimax"].g


pytestmark = pytest.mark.usefixtures("fresh_job_service")   # tests/conftest.py


def train_page(lang="en", **values):
    at = AppTest.from_file(TRAIN, default_timeout=60)
    at.session_state["sync_training"] = True
    at.session_state["lang"] = lang
    for key, value in {**TINY, **values}.items():
        at.session_state[key] = value
    return at.run()


def texts(elements):
    """The messages as a reader sees them: markdown's backslash escapes (ui/plain.py) taken out."""
    return re.sub(r"\\(.)", r"\1", " ".join(str(e.value) for e in elements))


# ---------------------------------------------------------------- the Train page


def test_the_editor_starts_from_the_selected_loss_and_trains_your_formula():
    at = train_page()
    at.selectbox(key="tr_loss").set_value("bce").run()
    assert at.text_input(key="tr_d_formula").value == BUILTIN_FORMULAS["bce"].d
    assert at.text_input(key="tr_g_formula").value == BUILTIN_FORMULAS["bce"].g
    assert at.text_input(key="tr_g_formula").disabled
    at.toggle(key="tr_formula_on").set_value(True).run()
    at.text_input(key="tr_g_formula").input(MINIMAX_G).run()
    assert not at.exception
    # before Start: what G's loss asks of G, with the saturating loss's warning
    assert "almost flat where a fresh G lives" in texts(at.warning)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(spec["data"]) == 4
    at.button(key="start").click().run()
    assert not at.exception
    assert "Training finished: 20 iterations" in texts(at.success)
    job = at.session_state["train_job"]
    assert job.config.g_loss == MINIMAX_G and job.config.d_loss == BUILTIN_FORMULAS["bce"].d
    assert f"--g-loss='{MINIMAX_G}'" in at.code[0].value


@pytest.mark.parametrize("lang,sentence", [
    ("en", "G's loss: Unknown name `os` at column 1; the names you can use are d_fake"),
    ("fa", "هزینهٔ G: نام ناشناختهٔ `os` در ستون ۱"),
])
def test_a_broken_formula_is_refused_with_its_sentence(lang, sentence):
    at = train_page(lang=lang, tr_formula_on=True)
    at.text_input(key="tr_g_formula").input("os").run()
    assert not at.exception
    assert sentence in texts(at.error)
    assert at.button(key="start").disabled


def test_optimizer_and_r1_reach_the_run():
    at = train_page(tr_optimizer="rmsprop", tr_r1=1.0)
    at.button(key="start").click().run()
    config = at.session_state["train_job"].config
    assert (config.optimizer, config.r1) == ("rmsprop", 1.0)
    assert "--optimizer rmsprop" in at.code[0].value and "--r1 1.0" in at.code[0].value


def test_wgan_gp_with_batch_norm_in_d_says_so_and_one_click_fixes_it():
    at = train_page()
    at.selectbox(key="tr_loss").set_value("wgan-gp").run()
    assert at.toggle(key="tr_d_batch_norm").value is True
    assert "Batch norm in D with a gradient penalty" in texts(at.warning)
    at.button(key="tr_fix_bn").click().run()
    assert at.toggle(key="tr_d_batch_norm").value is False
    assert "Batch norm in D with a gradient penalty" not in texts(at.warning)


def test_a_prefill_carries_the_formulas_r1_and_the_optimizer():
    at = AppTest.from_file(TRAIN, default_timeout=60)
    handoff.offer_train_config(TrainConfig(loss="bce", g_loss=MINIMAX_G, r1=1.0, optimizer="sgd"), "experiments",
                               at.session_state)
    at.run()
    assert not at.exception
    assert at.toggle(key="tr_formula_on").value is True
    assert at.text_input(key="tr_g_formula").value == MINIMAX_G
    assert at.select_slider(key="tr_r1").value == 1.0 and at.selectbox(key="tr_optimizer").value == "sgd"


def test_a_nan_run_says_its_term_in_both_languages(monkeypatch):
    at = train_page(tr_formula_on=True, tr_loss="bce")
    at.text_input(key="tr_g_formula").input("softplus(-d_fake) + log(d_fake - 100)").run()
    at.button(key="start").click().run()
    assert not at.exception
    assert "G's loss became NaN at step 1 in the term `log(d_fake - 100)`" in texts(at.error)
    # the page says the engine's sentence again from its facts: word for word in English, in Persian too
    final = list(Trainer(TrainConfig(dataset="ring8", noise_size=2, iterations=3, loss="bce",
                                     g_loss="log(d_fake - 100)")).run())[-1]
    assert msg.divergence_message(final.detail) == final.message
    from tests.test_bilingual import english_prose
    from ui import i18n

    monkeypatch.setattr(i18n, "current", lambda: "fa")
    persian = msg.divergence_message(final.detail)
    assert "`log(d_fake - 100)`" in persian and english_prose(persian) == [], persian


# ---------------------------------------------------------------- the toy lab


def toy(lang="en"):
    at = AppTest.from_file(WGAN, default_timeout=60)
    at.session_state["lang"] = lang
    return at.run()


def test_the_toy_lab_trains_your_formula_and_stops_on_nan_with_its_term():
    at = toy()
    assert at.text_input(key="toylab_wgan_f_d").value == BUILTIN_FORMULAS["wgan-gp"].d
    at.selectbox(key="toylab_wgan_f_start").set_value("minimax").run()
    assert at.text_input(key="toylab_wgan_f_g").value == MINIMAX_G
    at.button(key="toylab_wgan_f_apply").click().run()
    lab = at.session_state["toylab_wgan_lab"]
    assert lab.config.g_loss == MINIMAX_G and "Training with your formulas" in texts(at.caption)
    at.button(key="toylab_wgan_step_g_btn").click().run()
    assert at.session_state["toylab_wgan_lab"].iteration == 1 and not at.exception
    at.text_input(key="toylab_wgan_f_g").input("log(d_fake - 100)").run()
    at.button(key="toylab_wgan_f_apply").click().run()
    at.button(key="toylab_wgan_step_g_btn").click().run()
    assert "The lab stopped: G's loss became NaN at step 1 in the term `log(d_fake - 100)`" in texts(at.error)
    at.button(key="toylab_wgan_f_builtin").click().run()
    assert at.session_state["toylab_wgan_lab"].config.g_loss == ""


@pytest.mark.parametrize("lang,sentence", [("en", "`log` at column 1 needs one argument"),
                                           ("fa", "`log` در ستون ۱ به یک آرگومان نیاز دارد")])
def test_the_toy_lab_refuses_a_broken_formula_in_both_languages(lang, sentence):
    at = toy(lang)
    at.text_input(key="toylab_wgan_f_g").input("log()").run()
    at.button(key="toylab_wgan_f_apply").click().run()
    assert sentence in texts(at.error)
    assert at.session_state["toylab_wgan_lab"].config.g_loss == ""


def test_the_toy_labs_optimizer_r1_and_ema_reach_the_lab():
    at = toy()
    at.selectbox(key="toylab_wgan_optimizer").set_value("rmsprop").run()
    at.select_slider(key="toylab_wgan_r1").set_value(1.0).run()
    at.select_slider(key="toylab_wgan_ema").set_value(0.99).run()
    lab = at.session_state["toylab_wgan_lab"]
    assert (lab.config.optimizer, lab.config.r1, lab.config.ema) == ("rmsprop", 1.0, 0.99)
    assert isinstance(lab.trainer.opt_g, torch.optim.RMSprop) and lab.trainer.G_ema is not None
    at.button(key="toylab_wgan_step_d_btn").click().run()
    at.button(key="toylab_wgan_step_g_btn").click().run()
    assert not at.exception and at.session_state["toylab_wgan_lab"].iteration == 1
