"""The loss formula language (gan_core/training/formula.py): what it reads, what it refuses and how
fast, and the built-in losses written in it against their classes (values and gradients to 1e-6).
"""

import builtins
import json
import re
import time
from pathlib import Path

import pytest
import torch

from gan_core.training import formula as fm
from gan_core.training.formula import (BUILTIN_FORMULAS, COUNTS, ERRORS, FUNCTIONS, HINTS, REASONS, WHAT,
                                       FormulaError, FormulaLoss, check_text, g_profile)
from gan_core.training.losses import LOSSES

ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------- what it reads

ACCEPTED = [
    ("d_fake", "g"), ("-d_fake", "g"), ("+d_fake", "g"), ("2.5 * d_fake", "g"), ("1e-3 * d_fake", "g"),
    ("(d_fake - 1) ** 2", "g"), ("d_fake ** -1", "g"), ("d_fake / 2 + 1", "g"), ("((d_fake))", "g"),
    ("log(sigmoid(d_fake))", "g"), ("exp(-d_fake)", "g"), ("logsigmoid(d_fake)", "g"),
    ("softplus(-d_fake)", "g"), ("relu(1 - d_fake)", "g"), ("tanh(d_fake)", "g"), ("abs(d_fake)", "g"),
    ("square(d_fake)", "g"), ("sqrt(square(d_fake) + 1)", "g"), ("clamp(d_fake, -1, 1)", "g"),
    ("min(d_fake, 0)", "g"), ("max(0, d_fake)", "g"), ("mean(d_fake) ** 2", "g"),
    ("  d_fake\n + 1", "g"), ("d_real - d_fake", "d"), ("mean(d_fake) - mean(d_real)", "d"),
    ("square(mean(d_real) - mean(d_fake))", "d"), ("log(2) * d_fake", "g"), ("-(-(d_fake))", "g"),
]


@pytest.mark.parametrize("text,role", ACCEPTED)
def test_every_documented_construct_is_read_and_gives_one_number(text, role):
    formula = check_text(text, role)
    env = {"d_real": torch.randn(6), "d_fake": torch.randn(6)}
    assert formula(env).dim() == 0


def test_every_function_is_accepted_with_its_arity():
    for name, fn in FUNCTIONS.items():
        args = ", ".join(["d_fake"] + ["1"] * (fn.arity - 1))
        check_text(f"{name}({args})", "g")


# ---------------------------------------------------------------- what it refuses, with its sentence

HOSTILE = [
    ("__import__('os')", "unknown_name"),
    ("__import__", "unknown_name"),
    ("().__class__", "not_allowed"),
    ("d_fake.__class__", "not_allowed"),
    ("d_fake.real", "not_allowed"),
    ("os.system('ls')", "not_allowed"),
    ("open('/etc/passwd')", "unknown_name"),
    ("eval('1')", "unknown_name"),
    ("exec", "unknown_name"),
    ("lambda: d_fake", "not_allowed"),
    ("[x for x in d_fake]", "not_allowed"),
    ("(x for x in d_fake)", "not_allowed"),
    ("{1: d_fake}", "not_allowed"),
    ("'d_fake'", "not_allowed"),
    ("f'{d_fake}'", "not_allowed"),
    ("b'x'", "not_allowed"),
    ("d_fake[0]", "not_allowed"),
    ("d_fake if d_fake else 0", "not_allowed"),
    ("d_fake == 1", "not_allowed"),
    ("d_fake and 1", "not_allowed"),
    ("(y := d_fake)", "not_allowed"),
    ("d_fake // 2", "not_allowed"),
    ("d_fake @ d_fake", "not_allowed"),
    ("~d_fake", "not_allowed"),
    ("1j * d_fake", "not_allowed"),
    ("True * d_fake", "not_allowed"),
    ("None", "not_allowed"),
    ("exp(exp(exp(1000)))", "constant_too_large"),
    ("exp(1000) * d_fake", "constant_too_large"),
    ("1e400 * d_fake", "constant_too_large"),
    ("d_fake ** 1000", "exponent_too_large"),
    ("d_fake ** d_fake", "exponent_not_constant"),
    ("x" * 100_000, "too_long"),
    ("(" * 5000 + "d_fake" + ")" * 5000, "too_long"),
    ("log(" * 20 + "d_fake" + ")" * 20, "too_deep"),
    ("-" * 200 + "d_fake", "too_many_nodes"),
    ("(log(d_fake)", "syntax"),
    ("log(d_fake))", "syntax"),
    ("d_fake +", "syntax"),
    ("d_fake; import os", "syntax"),
    ("import os", "syntax"),
    ("lоg(d_fake)", "character"),        # Cyrillic o
    ("ｌｏｇ(d_fake)", "character"),       # fullwidth letters, which Python would fold into `log`
    ("d_fake\u200b", "character"),       # a zero-width space
    ("", "empty"),
    ("   ", "empty"),
    ("log", "not_called"),
    ("log()", "arity"),
    ("log(d_fake, 2)", "arity"),
    ("clamp(d_fake, 0)", "arity"),
    ("clamp(d_fake, lo=0, hi=1)", "keywords"),
    ("log(*d_fake)", "not_allowed"),
    ("d_fake(1)", "not_a_function"),
    ("d_real", "variable_not_here"),     # G's loss sees only D's output on fakes
    ("1 + 2", "no_variable"),
    ("log(-1) + d_fake", "constant_invalid"),
    ("1 / 0 + d_fake", "constant_invalid"),
    ("os", "unknown_name"),
]


@pytest.fixture
def no_code_runs(monkeypatch):
    """eval/exec are never called, and compile only ever builds a syntax tree (ast.parse's use)."""
    import ast

    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise AssertionError("eval/exec called")

    real_compile = builtins.compile

    def compile_ast_only(source, filename, mode, flags=0, *args, **kwargs):
        if not flags & ast.PyCF_ONLY_AST:
            calls.append(source)
            raise AssertionError("compile called for code")
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    monkeypatch.setattr(builtins, "compile", compile_ast_only)
    yield calls
    assert not calls


@pytest.mark.parametrize("text,key", HOSTILE, ids=[f"{i:02d}" for i in range(len(HOSTILE))])
def test_hostile_or_broken_input_is_refused_fast_with_one_sentence(text, key, no_code_runs):
    assert len(HOSTILE) >= 30
    start = time.perf_counter()
    with pytest.raises(FormulaError) as refused:
        check_text(text, "g")
    elapsed = time.perf_counter() - start
    assert refused.value.key == key, str(refused.value)
    sentence = str(refused.value)
    assert sentence.endswith(".") and "\n" not in sentence and len(sentence) < 400
    assert elapsed < 0.05, f"{elapsed * 1000:.1f} ms"


def test_sentences_point_at_the_place():
    with pytest.raises(FormulaError, match=r"^Unknown name `os` at column 1; the names you can use are d_real"):
        check_text("os", "d")
    with pytest.raises(FormulaError, match=r"^`log` at column 1 needs one argument"):
        check_text("log()", "g")
    with pytest.raises(FormulaError) as e:
        check_text("softplus(d_fake) + foo", "g")
    assert e.value.column == 20 and "`foo`" in str(e.value)
    with pytest.raises(FormulaError) as e:
        check_text("   d_fake // 2", "g")
    assert e.value.column == 11 and "`//`" in str(e.value)
    with pytest.raises(FormulaError) as e:
        check_text("log(d_fake))", "g")
    assert e.value.column == 12 and "parentheses" in str(e.value)


def test_every_refusal_names_the_words_a_page_translates():
    for text, _ in HOSTILE:
        try:
            check_text(text, "g")
        except FormulaError as exc:
            for param, key in exc.translate.items():
                group, name = key.split(".")
                assert param in exc.params and name in {"roles": {"d": 1, "g": 1}, "what": WHAT, "reasons": REASONS,
                                                        "counts": COUNTS}[group], (text, key)


def test_every_sentence_and_hint_is_in_both_languages_with_the_same_placeholders():
    for lang in ("en", "fa"):
        content = json.loads((ROOT / "content" / f"{lang}.json").read_text(encoding="utf-8"))["formula"]
        for group, english in (("errors", ERRORS), ("hints", HINTS), ("what", WHAT), ("reasons", REASONS),
                               ("counts", COUNTS)):
            assert set(content[group]) == set(english), (lang, group)
            for key, text in english.items():
                want = set(re.findall(r"{(\w+)}", text))
                assert set(re.findall(r"{(\w+)}", content[group][key])) == want, (lang, group, key)


# ---------------------------------------------------------------- the built-in losses as formulas


def _logits(seed, n=32):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(n, generator=g) * 3).requires_grad_(True), (torch.randn(n, generator=g) * 3).requires_grad_(True)


@pytest.mark.parametrize("name", list(LOSSES))
def test_each_builtin_formula_gives_the_classes_values_and_gradients(name):
    start = BUILTIN_FORMULAS[name]
    assert start.like == name
    builtin, formula = LOSSES[name](), FormulaLoss(start.d, start.g, like=name)
    for seed in range(3):
        r1, f1 = _logits(seed)
        r2, f2 = _logits(seed)
        for a, b in zip(builtin.d_loss_terms(r1, f1), formula.d_loss_terms(r2, f2)):
            assert abs(a.item() - b.item()) < 1e-6
        ga = torch.autograd.grad(builtin.d_loss(r1, f1), (r1, f1))
        gb = torch.autograd.grad(formula.d_loss(r2, f2), (r2, f2))
        for a, b in zip(ga, gb):
            assert torch.allclose(a, b, atol=1e-6, rtol=0)
        la, lb = builtin.g_loss(f1), formula.g_loss(f2)
        assert abs(la.item() - lb.item()) < 1e-6
        assert torch.allclose(torch.autograd.grad(la, f1)[0], torch.autograd.grad(lb, f2)[0], atol=1e-6, rtol=0)


def test_minimax_is_the_saturating_log_one_minus_d():
    fake = (torch.linspace(-6, 6, 49, dtype=torch.float64)).requires_grad_(True)
    loss = FormulaLoss(g_text=BUILTIN_FORMULAS["minimax"].g, like="bce").g_loss(fake)
    hand = torch.log(1 - torch.sigmoid(fake)).mean()
    assert abs(loss.item() - hand.item()) < 1e-6
    a, = torch.autograd.grad(loss, fake)
    fake2 = fake.detach().requires_grad_(True)
    b, = torch.autograd.grad(torch.log(1 - torch.sigmoid(fake2)).mean(), fake2)
    assert torch.allclose(a, b, atol=1e-6)


def test_a_formula_keeps_its_builtin_reading_of_d():
    loss = FormulaLoss(like="bce")
    assert loss.output_range == (0.0, 1.0) and not loss.is_critic
    assert torch.allclose(loss.d_output(torch.zeros(2)), torch.full((2,), 0.5))
    gp = FormulaLoss(like="wgan-gp")
    assert gp.gradient_penalty_weight == 10.0 and gp.is_critic and gp.estimates_wasserstein


def test_terms_split_into_real_and_fake_for_the_curves():
    loss = FormulaLoss("relu(1 - d_real) + relu(1 + d_fake)", "-d_fake", like="hinge")
    real, fake = torch.tensor([0.0, 2.0]), torch.tensor([0.0, -3.0])
    r, f = loss.d_loss_terms(real, fake)
    assert float(r) == pytest.approx(0.5) and float(f) == pytest.approx(0.5)


# ---------------------------------------------------------------- before Start: what it asks of G


def test_the_profile_warns_where_gs_gradient_vanishes_or_ds_loss_has_no_minimum():
    assert "g_vanishes" in g_profile(BUILTIN_FORMULAS["minimax"].g).warnings
    assert g_profile(BUILTIN_FORMULAS["bce"].g).warnings == []
    assert "g_wrong_way" in g_profile("softplus(d_fake)").warnings
    assert "g_nonfinite" in g_profile("log(d_fake)").warnings
    assert "d_no_minimum" in g_profile("-d_fake", "mean(d_fake) - mean(d_real)").warnings
    assert "d_no_minimum" not in g_profile("-d_fake", BUILTIN_FORMULAS["hinge"].d).warnings
    p = g_profile(BUILTIN_FORMULAS["lsgan"].g)
    assert len(p.logits) == len(p.loss) == len(p.grad) == len(p.reference_grad)
    i = min(range(len(p.logits)), key=lambda j: abs(p.logits[j]))
    assert p.grad[i] == pytest.approx(-1.0) and p.reference_grad[i] == pytest.approx(-0.5)


def test_a_nan_is_explained_by_its_term_and_part():
    loss = FormulaLoss("softplus(-d_real) + softplus(d_fake)", "softplus(-d_fake) + 0.1 * sqrt(d_fake)", like="bce")
    value = loss.g_loss(torch.tensor([1.0, -2.0]))
    assert torch.isnan(value)
    facts = loss.explain_nonfinite("g", 12)
    assert facts["term"] == "0.1 * sqrt(d_fake)" and facts["part"] == "sqrt(d_fake)" and facts["hint"] == "sqrt"
    assert "step 12" in facts["message"] and facts["message"].startswith("G's loss became NaN")


def test_limits_are_what_the_docs_say():
    assert fm.MAX_LENGTH == 300 and fm.MAX_EXPONENT == 8


def test_a_comment_is_refused_as_the_sentence_says():
    # The refusal lists the characters a formula may use, and "#" is not one of them: a comment would
    # be text shown in the box (or a share link) that never trains.
    for text, column in (("softplus(-d_fake) # G's loss", 19), ("#", 1), ("d_fake\n# x\n+ d_fake", 8)):
        with pytest.raises(FormulaError) as err:
            check_text(text, "g")
        assert err.value.key == "character" and err.value.params["column"] == column
        assert str(err.value).startswith("The character `#` at column")
        assert "plain ASCII letters, digits, spaces and + - * / ( ) , ." in str(err.value)
