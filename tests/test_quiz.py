"""The theory pages' quizzes: options that cannot be guessed by length, an order shuffled per visitor
(stable within a session), and numeric questions checked within a tolerance, in Latin or Persian digits."""

import math

import numpy as np
import pytest
import torch
from contentfiles import CONTENT
from streamlit.testing.v1 import AppTest
from test_theory_pages import APP, PAGES

from gan_core.theory import quiz as q
from gan_core.theory.progressive import fade_in

pytestmark = pytest.mark.usefixtures("one_torch_thread")   # conftest.py says why


# ---------------------------------------------------------------- the options' lengths


def _shortest(question):
    options, answer = question["options"], question["answer"]
    return len(options[answer]) <= min(len(o) for i, o in enumerate(options) if i != answer)


@pytest.mark.parametrize("lang", ["en", "fa"])
@pytest.mark.parametrize("page", list(PAGES))
def test_the_right_option_is_the_longest_in_at_most_a_third_of_a_pages_questions(page, lang):
    questions = CONTENT[lang][page]["quiz"]
    longest = [i for i, question in enumerate(questions) if q.correct_is_longest(question)]
    assert len(longest) <= len(questions) / 3, (page, lang, longest)
    # and the opposite tell: balancing must not make the right option the shortest instead
    shortest = [i for i, question in enumerate(questions) if _shortest(question)]
    assert len(shortest) <= len(questions) / 3, (page, lang, shortest)


def test_correct_is_longest_counts_a_tie_as_longest():
    assert q.correct_is_longest({"options": ["aa", "bb", "c"], "answer": 0})
    assert not q.correct_is_longest({"options": ["a", "bb", "c"], "answer": 0})


# ---------------------------------------------------------------- the order per visitor


def test_option_order_is_a_permutation_fixed_by_seed_page_and_question():
    order = q.option_order(123, "gan", 2, 4)
    assert sorted(order) == [0, 1, 2, 3]
    assert q.option_order(123, "gan", 2, 4) == order
    orders = {tuple(q.option_order(seed, "gan", 2, 4)) for seed in range(50)}
    assert len(orders) > 10                      # different visitors see different orders


def test_the_right_answer_lands_in_every_position_about_equally_often():
    positions = np.zeros(4)
    for seed in range(2000):
        for page in PAGES:
            for i, question in enumerate(CONTENT["en"][page]["quiz"]):
                positions[q.option_order(seed, page, i, 4).index(question["answer"])] += 1
    share = positions / positions.sum()
    assert np.all(np.abs(share - 0.25) < 0.02), share


def _shown_orders(at, page):
    return [at.radio(key=f"quiz_{page}_{i}").options for i in range(len(CONTENT["en"][page]["quiz"]))]


def test_shuffle_is_stable_within_a_session_and_differs_between_visitors():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(PAGES["wgan"]).run()
    first = _shown_orders(at, "wgan")
    seed = at.session_state["quiz_seed"]
    at.run()                                       # a rerun (any widget change) keeps the order
    assert _shown_orders(at, "wgan") == first
    at.switch_page(PAGES["pggan"]).run()
    at.switch_page(PAGES["wgan"]).run()            # and so does leaving the page and coming back
    assert _shown_orders(at, "wgan") == first and at.session_state["quiz_seed"] == seed

    other = AppTest.from_file(APP, default_timeout=120)
    other.session_state["quiz_seed"] = seed + 1    # another visitor
    other.run()
    other.switch_page(PAGES["wgan"]).run()
    assert _shown_orders(other, "wgan") != first
    # the shown order is option_order's, and every option is still there
    texts = CONTENT["en"]["wgan"]["quiz"][0]["options"]
    assert _shown_orders(other, "wgan")[0] == [texts[j] for j in q.option_order(seed + 1, "wgan", 0, 4)]


# ---------------------------------------------------------------- numbers as visitors type them


@pytest.mark.parametrize("text, value", [
    ("0.75", 0.75), (" 0.75 ", 0.75), ("۰٫۷۵", 0.75), ("٠٫٧٥", 0.75), ("۰.۷۵", 0.75), ("0,75", 0.75),
    ("3/4", 0.75), ("۳/۴", 0.75), ("75%", 0.75), ("۷۵٪", 0.75), ("−0.5", -0.5), ("-.5", -0.5),
    ("1e-3", 0.001), ("۲۰۶٬۸۴۸", 206848), ("206,848", 206848), ("22.6", 22.6), ("0", 0.0),
])
def test_parse_number_reads_latin_and_persian(text, value):
    assert q.parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "  ", "abc", "__import__('os')", "1/0", "nan", "inf", "1..2",
                                  "0.7.5", "1/2/3", "2+2", "1" * 50, None])
def test_parse_number_refuses_what_is_not_a_number(text):
    assert q.parse_number(text) is None


def test_check_number_uses_the_tolerance():
    assert q.check_number("۰٫۷۱", 5 / 7, 0.005) is True
    assert q.check_number("0.70", 5 / 7, 0.005) is False
    assert q.check_number("five sevenths", 5 / 7, 0.005) is None


# ---------------------------------------------------------------- the numeric questions


def test_every_page_has_two_numeric_questions_with_the_same_answer_in_both_languages():
    for page in PAGES:
        en, fa = CONTENT["en"][page]["numeric"], CONTENT["fa"][page]["numeric"]
        assert len(en) == len(fa) == 2, page
        for a, b in zip(en, fa):
            assert (a["answer"], a["tolerance"]) == (b["answer"], b["tolerance"])
            assert 0 < a["tolerance"] <= 0.05 * max(abs(a["answer"]), 0.2)
            assert set(a) == set(b) == {"q", "answer", "tolerance", "explain"}


def _numeric(page):
    return [item["answer"] for item in CONTENT["en"][page]["numeric"]]


def _dirac_step_radius(h, gamma, fprime0):
    """Spectral radius of one simultaneous step of the linearised Dirac-GAN with R1."""
    jacobian = np.array([[0.0, -fprime0], [fprime0, -gamma]])
    return max(abs(np.linalg.eigvals(np.eye(2) + h * jacobian)))


def test_numeric_answers_match_a_direct_computation():
    d_star, v_disjoint = _numeric("gan")
    assert d_star == pytest.approx(0.5 / (0.5 + 0.2))
    assert v_disjoint == pytest.approx(math.log(1) + math.log(1))

    threshold, factor = _numeric("fails")
    gammas = np.linspace(0.0, 0.2, 2001)
    converging = [g for g in gammas if _dirac_step_radius(0.2, g, 0.5) < 1]
    assert converging[0] == pytest.approx(threshold, abs=2e-4)
    assert _dirac_step_radius(0.1, 0.2, 1.0) == pytest.approx(factor, abs=1e-9)

    w, penalty = _numeric("wgan")
    assert w == pytest.approx(abs(-1.5)) and penalty == pytest.approx(10 * (1.5 - 1) ** 2)

    pixel, length = _numeric("pggan")
    assert fade_in(np.array([0.8]), np.array([0.2]), 0.3)[0] == pytest.approx(pixel)
    from gan_core.models.pggan import pixel_norm
    x = torch.randn(1, 512, 1, 1) * 7
    assert pixel_norm(x).flatten().norm().item() == pytest.approx(length, rel=1e-4)

    fid, shrink = _numeric("course")
    mu_r, mu_g, cov_r, cov_g = np.zeros(2), np.array([1.0, 0.0]), np.eye(2), 4 * np.eye(2)
    root = np.diag(np.sqrt(np.diag(cov_r @ cov_g)))          # both diagonal: the square root is exact
    assert np.sum((mu_r - mu_g) ** 2) + np.trace(cov_r + cov_g - 2 * root) == pytest.approx(fid)
    # power iteration on diag(1, 0.5): the error of u^T W v falls by (0.5)^4 per iteration
    w_mat = np.diag([1.0, 0.5])
    u, errors = np.array([0.6, 0.8]), []
    for _ in range(6):
        v = w_mat.T @ u
        v /= np.linalg.norm(v)
        u = w_mat @ v
        u /= np.linalg.norm(u)
        errors.append(1.0 - u @ w_mat @ v)
    assert errors[-1] / errors[-2] == pytest.approx(shrink, rel=0.01)


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_numeric_question_is_checked_on_the_page(lang):
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page(PAGES["gan"]).run()
    common = CONTENT[lang]["common"]
    question = CONTENT[lang]["gan"]["numeric"][0]
    box = at.text_input(key="quiz_gan_n0")
    assert box.label == question["q"] and box.placeholder == common["number_hint"]   # what test_bilingual reads
    box.input("۰٫۷۱" if lang == "fa" else "0.71")
    at.button(key="quiz_gan_n0_check").click().run()
    assert not at.exception
    assert any(s.value == common["correct"] for s in at.success)
    assert any(m.value == question["explain"] for m in at.markdown)
    at.text_input(key="quiz_gan_n0").input("0.5").run()
    shown = "۰٫۷۱۴۳" if lang == "fa" else "0.7143"
    assert any(e.value == common["wrong"].format(answer=shown) for e in at.error)
    at.text_input(key="quiz_gan_n0").input("rm -rf").run()
    assert any(w.value == common["not_a_number"] for w in at.warning)


def _blocks(node):
    """Every container (a Block) under `node`, depth first."""
    from streamlit.testing.v1.element_tree import Block

    for child in getattr(node, "children", {}).values():
        if isinstance(child, Block):
            yield child
            yield from _blocks(child)


def test_numeric_answers_sit_in_right_to_left_boxes_and_the_css_names_them():
    """Persian reads a typed answer right to left: each numeric question's box is in a container keyed
    i18n.rtl_box_key(...), the one class RTL_CSS turns right to left (the browser test checks the style)."""
    from ui import i18n

    assert f'[class*="st-key-{i18n.RTL_BOX}"] input' in i18n.RTL_CSS
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "fa"
    at.run()
    at.switch_page(PAGES["gan"]).run()
    ids = [(getattr(b.proto, "id", ""), b) for b in _blocks(at.main)]   # a tab or column block has no id
    boxes = {i.rsplit("-", 1)[-1]: b for i, b in ids if "-" + i18n.RTL_BOX in i}
    wanted = {i18n.rtl_box_key(f"quiz_gan_n{i}") for i in range(len(CONTENT["fa"]["gan"]["numeric"]))}
    assert set(boxes) == wanted
    for name, box in boxes.items():
        assert [w.key for w in box.text_input] == [name.removeprefix(i18n.RTL_BOX)]
