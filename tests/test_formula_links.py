"""Share links carry your own loss: the Train page's class link and the 2-D toy lab's link hold the
formulas, read by the formula language itself (gan_core/training/links.py), at most MAX_LENGTH
characters each; a locked formula cannot be changed from the browser or lifted by a later link; a
refused one is said in one plain sentence. Also: R1's penalty in D's loss against a hand computation.
"""

import re
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from gan_core.jobs.classlink import ClassLink
from gan_core.theory import PRESETS as LAB_PRESETS
from gan_core.theory import lab_from_query, lab_query
from gan_core.training import MAX_LENGTH, BUILTIN_FORMULAS, FormulaError, TrainConfig, Trainer, presets
from gan_core.training import links as link_values

ROOT = Path(__file__).resolve().parent.parent
TRAIN = str(ROOT / "pages" / "2_Train.py")
WGAN = str(ROOT / "pages" / "6_WGAN.py")
TINY = {"tr_conv_dim": 8, "tr_batch_size": 8, "tr_noise_size": 16, "tr_iterations": 20, "tr_sample_every": 10}
MINIMAX_G = BUILTIN_FORMULAS["minimax"].g          # -softplus(d_fake): G minimises log(1 - D)
HINGE_D = BUILTIN_FORMULAS["hinge"].d

pytestmark = pytest.mark.usefixtures("fresh_job_service")   # tests/conftest.py


def texts(elements):
    """The messages as a reader sees them: markdown's backslash escapes (ui/plain.py) taken out."""
    return re.sub(r"\\(.)", r"\1", " ".join(str(e.value) for e in elements))


def train_page(query, lang="en"):
    at = AppTest.from_file(TRAIN, default_timeout=60)
    at.session_state["sync_training"] = True
    at.session_state["lang"] = lang
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


# ---------------------------------------------------------------- the class link, in gan_core


def test_a_class_link_with_formulas_round_trips_and_holds_a_locked_formula():
    link = ClassLink("fast", frozenset({"d_loss", "g_loss", "lr"}), 3.0, d_loss=HINGE_D, g_loss=MINIMAX_G)
    query = link.to_query()
    assert query["d_loss"] == HINGE_D and query["g_loss"] == MINIMAX_G and query["lock"] == "d_loss,g_loss,lr"
    assert ClassLink.from_query(query) == link
    # the page's own spelling of the lock: "formulas", or the two names joined by "|"
    for lock in ("formulas", "d_loss|g_loss", "formulas,lr"):
        assert {"d_loss", "g_loss"} <= ClassLink.from_query({**query, "lock": lock}).locked
    tampered = TrainConfig(d_loss="softplus(-d_real) + softplus(d_fake)", g_loss="softplus(-d_fake)", lr=0.1)
    fixed = link.enforce(tampered)
    assert (fixed.d_loss, fixed.g_loss, fixed.lr) == (HINGE_D, MINIMAX_G, presets.get("fast").lr)
    # a locked formula the link does not give is held to the built-in loss
    builtin = ClassLink.from_query({"preset": "fast", "lock": "formulas"}).enforce(tampered)
    assert builtin.d_loss == builtin.g_loss == ""


@pytest.mark.parametrize("text,key", [
    ("x" * (MAX_LENGTH + 1), "too_long"),
    ("d_fake" + " + 1" * 25_000, "too_long"),
    ("__import__('os').system('true')", "not_allowed"),
    ("softplus(-d_fake) # comment", "character"),
    ("log(d_fake", "syntax"),
    ("d_real", "variable_not_here"),
])
def test_an_overlong_or_broken_formula_in_a_link_is_left_out_with_one_sentence(text, key):
    link = ClassLink.from_query({"preset": "fast", "g_loss": text})
    assert link.g_loss == "" and len(link.refused) == 1
    role, exc = link.refused[0]
    assert role == "g" and isinstance(exc, FormulaError) and exc.key == key
    sentence = str(exc)
    assert sentence.count(". ") == 0 and sentence.endswith(".") and len(sentence) < 400   # one sentence
    assert link.config.g_loss == ""          # the preset's own loss trains instead
    assert ClassLink.from_query({"preset": "fast", "g_loss": text}) == link      # the same link read again
    with pytest.raises(FormulaError):
        link_values.formula({"g": text}, "g", "g")


def test_the_shared_reader_takes_the_last_value_and_refuses_what_is_not_a_number():
    assert link_values.one({"a": ["1", " 2 "]}, "a") == "2" and link_values.one({}, "a") is None
    assert link_values.finite("0.5") == 0.5 and link_values.whole("+7") == 7
    for bad in ("nan", "inf", "x"):
        with pytest.raises(ValueError):
            link_values.finite(bad)
    for bad in ("1e3", "-3", "0x10", "1.5"):
        with pytest.raises(ValueError):
            link_values.whole(bad)


# ---------------------------------------------------------------- the class link on the Train page


def test_a_link_prefills_the_formulas_and_a_lock_holds_them_against_the_browser():
    at = train_page({"preset": "fast", "d_loss": HINGE_D, "g_loss": MINIMAX_G, "lock": "formulas"})
    assert not at.exception
    assert at.toggle(key="tr_formula_on").value
    assert at.text_input(key="tr_d_formula").value == HINGE_D
    assert at.text_input(key="tr_g_formula").value == MINIMAX_G
    for widget in (at.text_input(key="tr_d_formula"), at.text_input(key="tr_g_formula"),
                   at.toggle(key="tr_formula_on"), at.selectbox(key="tr_formula_start")):
        assert widget.disabled                                   # drawn locked
    for key, value in TINY.items():                               # the preset's size set, a short run
        at.session_state[key] = value
    at.run()
    # a tampered session: the formulas changed (and switched off) behind the page's back
    at.session_state["tr_g_formula"] = "softplus(-d_fake)"
    at.session_state["tr_formula_on"] = False
    at.run()
    assert at.text_input(key="tr_g_formula").value == MINIMAX_G and at.toggle(key="tr_formula_on").value
    # a second, tampered link in the same session cannot lift the lock
    at.query_params["lock"] = ""
    at.query_params["g_loss"] = "softplus(-d_fake)"
    at.run()
    assert at.text_input(key="tr_g_formula").disabled and at.text_input(key="tr_g_formula").value == MINIMAX_G
    at.button(key="start").click().run()
    assert not at.exception
    job = at.session_state["train_job"]
    assert (job.config.d_loss, job.config.g_loss) == (HINGE_D, MINIMAX_G)     # enforced on the server


def test_a_link_without_a_lock_prefills_the_formula_and_leaves_it_editable():
    at = train_page({"preset": "fast", "g_loss": MINIMAX_G})
    assert at.toggle(key="tr_formula_on").value and at.text_input(key="tr_g_formula").value == MINIMAX_G
    assert not at.text_input(key="tr_g_formula").disabled
    assert at.text_input(key="tr_d_formula").value == BUILTIN_FORMULAS[presets.get("fast").loss].d


@pytest.mark.parametrize("lang,words,role", [("en", "Unknown name `os` at column 1", "G's loss"),
                                             ("fa", "نام ناشناختهٔ `os` در ستون ۱", "هزینهٔ G")])
def test_a_refused_formula_in_a_link_gives_one_plain_caption(lang, words, role):
    at = train_page({"preset": "fast", "g_loss": "os"}, lang=lang)
    assert not at.exception
    said = [c.value for c in at.caption if "`os`" in c.value]
    assert len(said) == 1 and words in said[0] and role in said[0]
    assert not at.toggle(key="tr_formula_on").value             # nothing of it reaches the editor
    # a link whose text is markdown: still one caption, and nothing of it is drawn as a link
    at = train_page({"preset": "fast", "g_loss": "os [x](https://evil.example) **b**"}, lang=lang)
    assert not at.exception
    refusals = [c.value for c in at.caption if role in c.value]
    assert len(refusals) == 1
    assert all("](" not in re.sub(r"\\.", "", c.value) for c in at.caption)


def test_the_class_link_box_writes_a_link_of_these_settings_with_the_formulas():
    at = train_page({})
    at.toggle(key="tr_formula_on").set_value(True).run()
    at.text_input(key="tr_g_formula").input(MINIMAX_G).run()
    at.multiselect(key="tr_link_lock").set_value(["formulas"]).run()
    assert not at.exception
    code = next(c.value for c in at.code if "g_loss=" in c.value)
    from urllib.parse import parse_qs, urlsplit

    query = {k: v[-1] for k, v in parse_qs(urlsplit(code).query).items()}
    link = ClassLink.from_query(query)
    assert link.g_loss == MINIMAX_G and {"d_loss", "g_loss"} <= link.locked
    # opened by a learner: the same formula in the box, locked
    learner = train_page(query)
    assert learner.text_input(key="tr_g_formula").value == MINIMAX_G
    assert learner.text_input(key="tr_g_formula").disabled


# ---------------------------------------------------------------- the toy lab's link


def test_the_toy_labs_link_round_trips_its_settings_and_formulas():
    config = LAB_PRESETS["healthy"].replace(loss="bce", g_loss=MINIMAX_G, r1=1.0, optimizer="rmsprop")
    query = lab_query("wgan", "healthy", config)
    assert query["lab_g_loss"] == MINIMAX_G and "lab_width" not in query      # only what differs
    link = lab_from_query(query, "wgan")
    assert link.config == config and not link.notes and not link.refused
    assert lab_from_query(query, "fails") is None            # another lab on another page
    bad = lab_from_query({**query, "lab_d_loss": "x" * 400, "lab_width": "7"}, "wgan", {"width": (16, 32, 64)})
    assert bad.config.d_loss == "" and [r for r, _ in bad.refused] == ["d"] and len(bad.notes) == 1


def test_the_toy_lab_opens_from_its_link_and_shows_what_gs_loss_asks():
    at = AppTest.from_file(WGAN, default_timeout=60)
    at.session_state["lang"] = "en"
    for key, value in lab_query("wgan", "healthy", LAB_PRESETS["healthy"].replace(loss="bce", g_loss=MINIMAX_G)).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    lab = at.session_state["toylab_wgan_lab"]
    assert lab.config.g_loss == MINIMAX_G and lab.config.loss == "bce"
    assert at.text_input(key="toylab_wgan_f_g").value == MINIMAX_G
    assert "almost flat where a fresh G lives" in texts(at.warning)        # the saturating loss, explained
    assert any("lab=wgan" in c.value and "lab_g_loss=" in c.value for c in at.code)    # its own share link


# ---------------------------------------------------------------- R1, by hand


def test_r1_adds_gamma_over_two_times_the_mean_squared_gradient_norm_to_ds_loss():
    gamma = 10.0
    trainer = Trainer(TrainConfig(dataset="ring8", noise_size=2, conv_dim=8, batch_size=16, iterations=5,
                                  sample_every=0, seed=0, r1=gamma))
    seen = []

    class Square(torch.nn.Module):      # D(x) = ||x||^2: the gradient is 2x, ||grad||^2 = 4 ||x||^2
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(()))

        def forward(self, x):
            seen.append(x.detach().clone())
            return self.w * (x ** 2).sum(dim=1, keepdim=True)

    trainer.D = Square()
    stats = trainer.d_step()
    real = seen[0]                       # D's first look in a D step is at the real batch
    by_hand = gamma / 2 * float((4 * (real ** 2).sum(dim=1)).mean())
    extra = float(stats["d_loss"] - stats["d_loss_real"] - stats["d_loss_fake"])
    assert extra == pytest.approx(by_hand, rel=1e-5)
