"""Issue 26's corrections, read in both languages: each key states the corrected claim, and the old
claim survives only inside the sentence that says what changed ("Earlier versions ...")."""

import json
import re

from contentfiles import CONTENT, ROOT

from gan_core.training.presets import PRESETS

_HISTORY = re.compile(r"\*What changed:\*|\*چه چیزی تغییر کرد:\*|[Ee]arlier versions|نسخه‌های پیشین|نسخهٔ پیشین")


def without_history(text: str) -> str:
    """`text` minus the notes that quote an old claim: a parenthesis that starts with one of the
    markers is cut to its closing parenthesis; a marker outside parentheses cuts to the end."""
    while (m := _HISTORY.search(text)):
        start = m.start()
        if start > 0 and text[start - 1] == "(":
            depth, end = 1, start
            while depth and end < len(text):
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                end += 1
            text = text[:start - 1] + text[end:]
        else:
            text = text[:start]
    return text


def both(*path):
    out = []
    for lang in ("en", "fa"):
        node = CONTENT[lang]
        for p in path:
            node = node[p]
        out.append(node)
    return out


def question(page: str, needle: str) -> tuple[dict, dict]:
    """The quiz question of `page` whose English text or options contain `needle` (robust to reordering)."""
    hits = [i for i, q in enumerate(CONTENT["en"][page]["quiz"]) if needle in q["q"] + " ".join(q["options"])]
    assert len(hits) == 1, (page, needle, hits)
    return CONTENT["en"][page]["quiz"][hits[0]], CONTENT["fa"][page]["quiz"][hits[0]]


def test_without_history_keeps_the_claim_and_drops_the_note():
    text = "It is $a^{2n}$ (earlier versions said $(a)^n$, wrongly). Next. *What changed:* old claim."
    assert without_history(text) == "It is $a^{2n}$ . Next. "


# ---------------------------------------------------------------- 1. R1's threshold


def _threshold_alone(text: str) -> list[str]:
    """Sentences that state "gamma > h" as the threshold without f'(0)^2 and without the Wasserstein loss."""
    sentences = re.split(r"(?<=[.;؛])\s+", without_history(text))
    alone = re.compile(r"(\\gamma|γ) > h(?![·\\/a-z])")
    return [s for s in sentences if alone.search(s) and not re.search(r"Wasserstein|واسرشتاین", s)]


def test_1_r1_threshold_is_h_times_f_prime_squared_in_the_text():
    for text in both("fails", "a_after"):
        assert "\\gamma > h\\,f'(0)^2" in text
        assert "\\gamma > h/4" in text and "f'(0) = \\tfrac12" in text
        assert "\\sqrt{1 - h\\gamma + h^2 f'(0)^2}" in text
        assert "\\sqrt{1 - h\\gamma + h^2}$" not in without_history(text)
        assert _threshold_alone(text) == []
    en, fa = both("fails", "a_after")
    assert "**average** rate per step over a turn" in en and "not what every step does" in en
    assert "نرخ **میانگینِ** هر گام در یک دور" in fa and "نه کاری که تک‌تک گام‌ها می‌کنند" in fa


def test_1_r1_quiz_question_states_the_general_rule():
    q_en, q_fa = question("fails", "R1")
    for q in (q_en, q_fa):
        right = q["options"][q["answer"]]
        assert "h·f′(0)²" in right
        assert "\\gamma > h\\,f'(0)^2" in q["explain"] and "\\gamma > h/4" in q["explain"]
        assert _threshold_alone(q["explain"]) == [] and not re.search(r"γ > h(?!·)", right)
    assert "on average over a turn" in q_en["explain"]
    assert "به‌طور میانگین در یک دور" in q_fa["explain"]


# ---------------------------------------------------------------- 2. the continuous flow


def test_2_the_flow_note_names_the_exact_integrators_and_its_bound_holds():
    import numpy as np

    from gan_core import theory

    en, fa = both("theorylab", "dirac", "flow_fix")
    assert "matrix exponential" in en and "RK4" in en and "forward Euler" in en
    assert "نمایی ماتریسی" in fa and "RK4" in fa and "اویلر پیشرو" in fa
    for text in (en, fa):
        assert "$10^{-8}$" in text and "\\theta^2 + \\psi^2" in text
    # the bound the note states, for both losses, from the slider's smallest h (0.01) to twice its largest (0.5)
    for kind in theory.DIRAC_LOSSES:
        for h in (0.01, 1.0):
            path = theory.dirac_gan_trajectory(1.0, 1.0, lr=h, steps=1000, kind=kind, mode="continuous")
            assert np.abs((path ** 2).sum(axis=1) - 2.0).max() < 1e-8, (kind, h)


# ---------------------------------------------------------------- 3. the stable preset's EMA


def test_3_preset_blurbs_take_their_numbers_from_the_presets():
    for text in both("course", "open_stable_blurb"):
        assert "{ema}" in text and "{lr}" in text and "{batch}" in text
        assert not re.search(r"0\.99|2e-4|32|۳۲", text)
    for text in both("course", "open_course_blurb"):
        assert "{lr}" in text and "{batch}" in text and "5e-4" not in text
    assert PRESETS["stable"].ema == 0.99     # what the page now shows (tests/test_theory_pages.py reads it there)


# ---------------------------------------------------------------- 4. the course's learning rate


def test_4_dcgan_names_the_course_default_and_the_study_value():
    en, fa = both("gan", "dcgan")
    for text in (en, fa):
        assert "3\\cdot10^{-4}" in text and "5\\cdot10^{-4}" in text
    assert "the course's code defaults to $3\\cdot10^{-4}$" in en and "our study" in en
    assert "پیش‌فرضِ کد درس $3\\cdot10^{-4}$" in fa and "مطالعهٔ ما" in fa
    assert "Its learning rate, $5\\cdot10^{-4}$" not in en


# ---------------------------------------------------------------- 5. power iteration's rate


def test_5_power_iteration_converges_like_the_square_and_the_fourth_power():
    for q in question("course", "power iteration"):
        text = without_history(q["explain"])
        assert "W W^\\top" in text
        assert "(\\sigma_2/\\sigma_1)^{2n}" in text and "(\\sigma_2/\\sigma_1)^{4n}" in text
        assert "(\\sigma_2/\\sigma_1)^n" not in text


# ---------------------------------------------------------------- 6. BigGAN's truncation vs the psi slider


def test_6_psi_slider_is_stylegan_truncation_and_biggan_resamples():
    en, fa = both("pggan", "next")
    for text in (en, fa):
        assert "\\bar z + \\psi(z - \\bar z)" in text and "StyleGAN" in text and "Brock" in text
    assert "resampling every component whose magnitude exceeds it" in en and "§3.1" in en and "appendix B" in en
    assert "دوباره نمونه‌برداری می‌شود" in fa and "پیوست B" in fa
    assert "truncation trick that the Playground's ψ slider also uses" not in en
    assert "متمایزگر افکنشی" in fa and "متمایزگر تصویری" not in fa and "D تصویری" not in fa


# ---------------------------------------------------------------- 7. hinge scores are not bounded


def test_7_hinge_does_not_bound_the_scores():
    en, fa = both("wgan", "knobs")
    assert "stay bounded" not in without_history(en) and "does **not** keep the scores bounded" in en
    assert "has no lower bound" in en
    assert "کران‌دار می‌مانند" not in without_history(fa) and "کران‌دار **نگه نمی‌دارد**" in fa
    assert "کران پایین ندارد" in fa


# ---------------------------------------------------------------- 8. who found the variational bound


def test_8_variational_bound_is_nguyen_wainwright_jordan():
    en, fa = both("gan", "fdiv")
    assert "Nguyen, Wainwright and Jordan 2010" in en and "built the **f-GAN** on that bound" in en
    assert "Nguyen، Wainwright و Jordan ‏۲۰۱۰" in fa and "**f-GAN** را بر پایهٔ همین کران ساختند" in fa
    assert "showed that every f-divergence has a variational lower bound" not in en
    for refs in both("gan", "refs"):
        assert any("0809.0853" in r["url"] and "Nguyen" in r["text"] for r in refs)


# ---------------------------------------------------------------- 9. what the diverged run looked like


def test_9_diverged_run_is_described_as_the_study_recorded_it():
    record = json.loads((ROOT / "results" / "course_study" / "records" / "lr_0.1.json").read_text())
    assert record["status"] == "diverged" and record["diverged_at"] == 1000
    assert [g["iteration"] for g in record["grids"]] == [500, 1000]
    assert "93%" in record["message"] and "tanh" in record["message"]
    en, fa = both("course", "lr_fix")
    assert "turned to noise" not in without_history(en) and "did not turn to noise" in en
    for word in ("step 500", "yellow and magenta", "step 1,000", "black", "93%", "tanh"):
        assert word in en, word
    for word in ("گام ۵۰۰", "زرد و سرخابی", "گام ۱٬۰۰۰", "سیاه", "۹۳٪", "tanh", "به نویز تبدیل نشدند"):
        assert word in fa, word


# ---------------------------------------------------------------- 10. batch norm in a GP critic


def test_10_batch_norm_breaks_the_per_input_penalty():
    q_en, q_fa = question("wgan", "batch norm")
    assert "not the critic used at test time" not in without_history(q_en["explain"])
    assert "no longer constrains the function it is meant to" in q_en["explain"]
    assert "§4" in q_en["explain"]
    assert "همان نقادی نیست که بعداً به کار می‌رود" not in without_history(q_fa["explain"])
    assert "دیگر همان تابعی را که باید مهار کند مهار نمی‌کند" in q_fa["explain"]


# ---------------------------------------------------------------- the Persian sentences that said the opposite


def test_persian_negations_and_the_missing_verb():
    knobs = CONTENT["fa"]["wgan"]["knobs"]
    _, bn = question("wgan", "batch norm")
    for text in (knobs, bn["explain"]):
        assert "از هیچ نرمال‌سازی‌ای استفاده نمی‌کنند (یا فقط نرمال‌سازی لایه‌ای" in text
        assert "هیچ نرمال‌سازی‌ای (یا نرمال‌سازی لایه‌ای) به کار می‌برند" not in text
        assert "هیچ نرمال‌سازی‌ای یا نرمال‌سازی لایه‌ای به کار می‌برند" not in text
    _, kl = question("gan", "KL(p_g ‖ p_data)")
    assert "تقریباً اصلاً جریمه نمی‌کند" in kl["explain"]
