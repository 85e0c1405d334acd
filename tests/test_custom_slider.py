"""A slider of the visitor's own (gan_core.playground.custom): fitting, guards, links, the file."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from gan_core.faces import AttributeNet
from gan_core.models.dcgan import DCGenerator
from gan_core.playground import (
    LatentEngine,
    LatentState,
    SliderError,
    decode_query_params,
    encode_query_params,
    label_seeds,
    make_spec,
    measure_slider,
    parse_slider_text,
    slider_json,
    slider_text,
    spec_from_json,
)
from gan_core.playground import custom
from gan_core.playground.state import MINE_PAGE_SIZE

D = 16


def unit(v):
    return v / v.norm()


@pytest.fixture(scope="module")
def planted():
    torch.manual_seed(1)
    return unit(torch.randn(D))


@pytest.fixture(scope="module")
def engine():
    torch.manual_seed(0)
    named = {"age": unit(torch.randn(D)), "gender": unit(torch.randn(D))}
    return LatentEngine(DCGenerator(noise_size=D, conv_dim=4, image_size=16), named=named)


def marks_from_rule(engine, rule, pages=4, skip_every=0):
    """Label the faces of `pages` labelling pages by a rule on their codes (2 = has it, 1 = hasn't)."""
    marks = []
    for page in range(pages):
        for i, seed in enumerate(label_seeds(page)):
            if skip_every and i % skip_every == 0:
                marks.append(0)
            else:
                marks.append(2 if rule(engine.prior_code(seed, 1.0)[0]) else 1)
    return marks


def test_the_fit_recovers_a_planted_direction_from_synthetic_labels(planted):
    z = torch.randn(400, D, generator=torch.Generator().manual_seed(2))
    labels = (z @ planted > 0.3).long()
    normal, bias = custom.fit_boundary(z, labels)
    assert float(normal @ planted) > 0.95
    assert abs(float(normal.norm()) - 1) < 1e-5
    assert custom.cross_validate(z, labels) > 0.9


def test_a_slider_from_labelled_faces_points_along_the_rule_and_is_reliable(engine, planted):
    spec = make_spec("  my <b>slider</b>!! ", marks_from_rule(engine, lambda z: float(z @ planted) > 0, skip_every=5),
                     keep=())
    fitted = engine.fit_custom(spec)
    assert spec.name == "my bsliderb"          # markup characters dropped, spaces squeezed
    assert fitted.n == 4 * MINE_PAGE_SIZE - 4 * 5
    assert float(fitted.direction @ planted) > 0.8
    assert fitted.reliable and fitted.accuracy > 0.8
    assert "Cross-validated accuracy" in fitted.verdict()
    assert fitted.seconds < 1.0
    assert set(fitted.cosines) == {"age", "gender"}


def test_keep_options_are_orthogonal_to_the_shipped_normals(engine, planted):
    marks = marks_from_rule(engine, lambda z: float(z @ planted) > 0)
    for keep in (("age",), ("gender",), ("age", "gender")):
        fitted = engine.fit_custom(make_spec("x", marks, keep))
        for name in keep:
            assert abs(float(fitted.direction @ engine.named[name])) < 1e-5
        assert abs(float(fitted.direction.norm()) - 1) < 1e-5
    plain = engine.fit_custom(make_spec("x", marks))
    assert abs(float(plain.direction @ engine.named["age"])) > 1e-3    # without the option it is not


def test_keeping_a_direction_the_model_does_not_have_says_so():
    bare = LatentEngine(DCGenerator(noise_size=D, conv_dim=4, image_size=16))
    spec = make_spec("x", [2, 1] * 10, keep=("age",))
    with pytest.raises(SliderError) as err:
        bare.fit_custom(spec)
    assert err.value.code == "no_keep" and "age" in str(err.value)


@pytest.mark.parametrize("marks, code", [([2, 1, 2], "few"), ([2] * 30, "one_class"), ([2] * 20 + [1] * 2, "one_class"),
                                         ([0] * 50, "few")])
def test_too_few_labels_or_one_answer_only_are_refused_with_a_sentence(engine, marks, code):
    with pytest.raises(SliderError) as err:
        engine.fit_custom(make_spec("x", marks))
    assert err.value.code == code
    assert str(err.value).endswith(").") and "slider" in str(err.value)


def test_random_labels_are_called_too_inconsistent(engine):
    gen = torch.Generator().manual_seed(5)
    marks = (torch.rand(2 * MINE_PAGE_SIZE, generator=gen) < 0.5).long() + 1
    fitted = engine.fit_custom(make_spec("coin", marks.tolist()))
    assert not fitted.reliable
    assert "too few or too inconsistent" in fitted.verdict()


def test_the_slider_moves_the_code_along_its_direction(engine, planted):
    spec = make_spec("x", marks_from_rule(engine, lambda z: float(z @ planted) > 0))
    base = engine.code(LatentState(seed=3, mine=spec))
    moved = engine.code(LatentState(seed=3, mine=spec, mine_alpha=2.0))
    assert torch.allclose(moved - base, 2.0 * engine.fit_custom(spec).direction, atol=1e-5)
    assert (engine.face(LatentState(seed=3, mine=spec, mine_alpha=3.0))
            != engine.face(LatentState(seed=3, mine=spec))).any()


def test_marks_round_trip_five_to_a_byte():
    gen = torch.Generator().manual_seed(0)
    for n in (1, 5, 7, 48, custom.MAX_MARKS):
        marks = torch.randint(0, 3, (n,), generator=gen).tolist()
        marks[-1] = 2
        text = custom.encode_marks(marks)
        assert len(text) <= 52 and custom.decode_marks(text) == tuple(marks)


def test_the_link_round_trips_the_slider_and_stays_short(engine, planted):
    spec = make_spec("لبخند smile", marks_from_rule(engine, lambda z: float(z @ planted) > 0, pages=2),
                     keep=("gender",))
    state = LatentState(seed=5, mine=spec, mine_alpha=1.5)
    params = encode_query_params(state, default_k=5)
    assert len(params["mine"]) < 60
    back, notes = decode_query_params(params)
    assert notes == [] and back == state
    assert torch.equal(engine.code(back), engine.code(state))
    at_zero = encode_query_params(LatentState(mine=spec), default_k=5)
    assert decode_query_params(at_zero)[0].mine == spec


@pytest.mark.parametrize("text, code", [
    ("1.5~~!!!~x", "labels"),        # not base64url
    ("1.5~~____~x", "labels"),       # bytes no 5 marks can make
    ("9~~kAE~x", "value"),           # past the slider's range
    ("nan~~kAE~x", "value"),
    ("1.5~z~kAE~x", "form"),         # an unknown keep option
    ("1.5-kAE-x", "form"),
    ("1.5~~kAE~x", "few"),           # a valid string with 3 labels
])
def test_a_tampered_link_slider_is_refused_with_a_sentence(text, code):
    with pytest.raises(SliderError) as err:
        parse_slider_text(text)
    assert err.value.code == code
    state, notes = decode_query_params({"mine": text, "seed": "7"})
    assert state.mine is None and state.seed == 7
    assert len(notes) == 1 and notes[0].startswith("Ignored mine=") and notes[0].endswith(".")


def test_an_overlong_link_slider_is_refused_before_parsing():
    state, notes = decode_query_params({"mine": "1~~" + "A" * 500 + "~x"})
    assert state.mine is None and "characters long" in notes[0]


def test_the_download_is_small_json_and_reads_back_only_its_labels(engine, planted):
    spec = make_spec("x", marks_from_rule(engine, lambda z: float(z @ planted) > 0, pages=2), keep=("age",))
    fitted = engine.fit_custom(spec)
    text = slider_json(fitted, "tiny")
    doc = json.loads(text)
    assert len(text) < 8000 and doc["n"] == fitted.n and len(doc["direction"]) == D
    assert spec_from_json(text) == (spec, "tiny")
    assert spec_from_json(text.encode()) == (spec, "tiny")
    doc["marks"] = "%%%"
    for bad in (json.dumps(doc), "not json", "[1, 2]", "x" * (custom.MAX_JSON_BYTES + 1)):
        with pytest.raises(SliderError) as err:
            spec_from_json(bad)
        assert err.value.code == "file"


def test_slider_text_is_what_the_link_carries(engine, planted):
    spec = make_spec("a b", [2, 1] * 6)
    assert slider_text(spec, 0) == f"0~~{custom.encode_marks(spec.marks)}~a b"
    assert parse_slider_text(slider_text(spec, -2.5)) == (spec, -2.5)


def test_label_pages_are_reproducible_and_distinct():
    assert label_seeds(0) == label_seeds(0) and len(label_seeds(1)) == MINE_PAGE_SIZE
    assert not set(label_seeds(0)) & set(label_seeds(1))
    with pytest.raises(ValueError):
        label_seeds(custom.MINE_MAX_PAGES)


def test_names_keep_any_script_and_are_capped():
    assert custom.clean_name("عینک\u200cدار") == "عینک\u200cدار"
    assert custom.clean_name("<script>alert(1)</script>") == "scriptalert1script"
    assert len(custom.clean_name("a" * 100)) == 40


def test_measure_slider_reports_the_attribute_change_over_faces(engine, planted):
    torch.manual_seed(0)
    attributes = AttributeNet(width=4).eval()
    effect = measure_slider(engine, planted, attributes, n=12)
    assert effect["n"] == 12 and effect["distance"] == 3.0
    assert set(effect) >= {"age_mean", "age_std", "female_mean", "female_std"}
    assert len(engine._cache) == 0 or all(len(k[0]) < 12 * D * 4 for k in engine._cache)   # not cached


def test_the_fit_is_the_penalised_optimum_and_needs_no_torch_optim():
    torch.manual_seed(3)
    for n, d in ((40, 16), (12, 64)):                 # more labels than dimensions, and fewer
        x = torch.randn(n, d)
        y = ((x[:, 0] + 0.5 * torch.randn(n)) > 0.3).long()
        normal, bias = custom.fit_boundary(x, y)
        v = torch.zeros(d + 1, dtype=torch.float64, requires_grad=True)      # a reference optimiser
        opt = torch.optim.LBFGS([v], max_iter=500, tolerance_grad=1e-12, tolerance_change=1e-15,
                                line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(x.double() @ v[:-1] + v[-1], y.double())
                    + custom.L2 * (v[:-1] ** 2).sum())
            loss.backward()
            return loss

        opt.step(closure)
        ref = v.detach()[:-1]
        assert float(normal.double() @ ref / ref.norm()) > 0.99999
        assert bias == pytest.approx(float(v.detach()[-1] / ref.norm()), abs=1e-4)
    # torch.optim imports torch._dynamo on first use (1.4 s): a visitor's first fit must not wait for it
    code = ("import sys, torch; from gan_core.playground import custom; "
            "custom.fit_boundary(torch.randn(30, 8), [0, 1] * 15); print('torch._dynamo' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "False", out.stderr[-2000:]
