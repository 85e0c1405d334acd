"""Issue 28 for issue 24's formula text (and the upload's name that travels with it): every spot that
shows it keeps it plain. The formula language refuses "#" (a comment was once accepted, so a formula the
trainer took could hold backticks and markdown); a config from elsewhere (a saved run, a hand-made file)
may still carry such text, so every display is checked with one; the upload's name may hold anything.

Spots, one test each: the formula's refusal, the shown CLI command, the model card (the in-app one and
the README.md of the downloaded zip), the prefill from another page, and the toy lab's caption.
"""

import re
import shlex

import pytest

from gan_core import textsafe
from gan_core.training import TrainConfig, check_text
from ui import i18n, plain

RLO = "\u202e"
FORMULA = "softplus(-d_fake) # ``` `x` [Log in](https://evil.example) **b**"
UPLOAD = f"my [x](https://evil.example); rm -rf ~ {RLO}piz.zip"


@pytest.fixture(params=["en", "fa"])
def lang(request, monkeypatch):
    monkeypatch.setattr(i18n, "current", lambda: request.param)
    return request.param


def hostile_config() -> TrainConfig:
    with pytest.raises(ValueError):
        check_text(FORMULA, "g")      # the language refuses it ("#" is not one of its characters) ...
    cfg = TrainConfig(dataset=UPLOAD, g_loss="softplus(-d_fake)")
    cfg.g_loss = FORMULA              # ... so it is put in by hand, as a file from elsewhere could
    return cfg


def outside_code(markdown: str) -> str:
    """The markdown with every code span and fenced block removed (CommonMark: a run of n backticks is
    closed only by a run of exactly n)."""
    out, i = [], 0
    while i < len(markdown):
        run = re.match(r"`+", markdown[i:])
        if not run:
            out.append(markdown[i])
            i += 1
            continue
        n = len(run.group())
        close = re.search(rf"(?<!`)`{{{n}}}(?!`)", markdown[i + n:])
        assert close, f"an unclosed code span at {i}: {markdown[i:i + 60]!r}"
        i += n + close.end()
    return "".join(out)


def test_the_refusal_repeats_the_formula_as_typed(lang):
    from ui.train.settings import formulas_from_values

    with pytest.raises(ValueError) as err:
        formulas_from_values({"tr_formula_on": True, "tr_d_formula": f"d_real{RLO} [a](https://evil.example)",
                              "tr_g_formula": "d_fake"})
    said = plain.message(err.value)
    assert isinstance(said, plain.Plain) and RLO not in said and "U+202E" in said
    assert "](" not in outside_code(said)


def test_the_shown_cli_command_names_the_upload_and_formula_as_one_word_each():
    cfg = hostile_config()
    command = cfg.cli_command("runs/my-run")
    words = shlex.split(command)
    assert words[words.index("--data") + 1] == UPLOAD           # quoted for the shell: no "; rm -rf ~"
    assert f"--g-loss={FORMULA}" in words
    shown = plain.label(command)                                # what the Train page's st.code shows
    assert RLO not in shown and "[U+202E]piz.zip" in shown
    source = open("ui/train/run.py").read()
    assert 'st.code(plain.label(cfg.cli_command("runs/my-run"))' in source


def test_the_in_app_model_card_holds_the_command_in_one_code_span():
    from gan_core.jobs.results import model_info_for
    from gan_core.models.dcgan import DCGenerator

    cfg = hostile_config()
    card = model_info_for(DCGenerator(noise_size=8, conv_dim=4, image_size=16), cfg, "run", 3).card
    assert outside_code(card) == "Trained on the Train page: "
    assert RLO not in card and textsafe.neutral(cfg.cli_command()) in card


def test_the_downloaded_model_card_holds_the_command_in_one_fenced_block(tmp_path):
    from gan_core.hub.files import save_generator
    from gan_core.models.dcgan import DCGenerator

    g = DCGenerator(noise_size=8, conv_dim=4, image_size=16)
    cfg = TrainConfig(dataset=UPLOAD, g_loss="softplus(-d_fake)")       # the upload's name is the stranger's text
    card = (save_generator(tmp_path / "m", g, train_config=cfg.to_dict()) / "README.md").read_text()
    lines = card.splitlines()
    start = lines.index("Reproduce:") + 2
    fence = lines[start]
    assert set(fence) == {"`"} and len(fence) >= 3
    assert lines[start + 2] == fence and lines[start + 1] == textsafe.neutral(cfg.cli_command("OUT"))
    assert "evil" not in outside_code(card) and RLO not in card
    # a formula the language refuses (a hand-made config) is not offered as a command to repeat at all
    card = (save_generator(tmp_path / "h", g, train_config=hostile_config().to_dict()) / "README.md").read_text()
    assert "Reproduce:" not in card and "evil" not in outside_code(card) and RLO not in card


def test_a_prefill_names_the_upload_plainly_and_puts_the_formula_in_the_field_as_typed(lang):
    from ui.train.settings import values_from_config

    with pytest.raises(ValueError):       # a hostile formula is refused, not put in the field
        values_from_config(hostile_config().to_dict())
    values, notes = values_from_config({**hostile_config().to_dict(), "g_loss": "softplus(-d_fake)"})
    assert values["tr_g_formula"] == "softplus(-d_fake)" and values["tr_formula_on"]
    note = next(n for n in notes if "evil" in n)
    assert isinstance(note, plain.Plain) and RLO not in note
    assert "[U+202E]piz.zip" in re.sub(r"\\(.)", r"\1", note)          # as a reader sees it
    bare = re.sub(r"\\.", "", note)
    assert "](" not in bare and "https://" not in bare           # the word joiner keeps it from autolinking


def test_a_failed_prefill_says_its_error_plainly(lang):
    from ui import handoff
    from ui.train import settings

    state = {}
    handoff.offer_train_config({"dataset": "emoji", "[x](https://evil.example)": 1}, "experiments", state)
    notes = settings.init_state(state)
    assert len(notes) == 1 and isinstance(notes[0], plain.Plain)
    assert "](" not in re.sub(r"\\.", "", notes[0])


def test_the_toy_labs_caption_shows_the_formula_in_its_code_span(lang):
    caption = plain.said("formula.toy_using", d=FORMULA, g="d_fake")
    assert "evil" in caption and "evil" not in outside_code(caption) and "\\" not in caption
    source = open("ui/theory/toylab.py").read()
    assert 'plain.said("formula.toy_using"' in source
