"""The metrics measured live on the course page, and the memorisation check on the Train page,
in both languages (no English prose in Persian mode)."""

import pytest
from test_bilingual import english_prose, open_in, page_texts

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_course_page_measures_swd_and_precision_recall_live(lang):
    at = open_in(lang, "pages/8_The_course_DCGAN.py")
    at.button(key="metrics_measure").click().run()
    assert not at.exception, [e.value for e in at.exception]
    tables = [m.value for m in at.markdown if m.value.startswith("|") and "ψ = 0.4" in m.value]
    assert len(tables) == 1
    rows = tables[0].splitlines()[2:]
    assert len(rows) == 4                                    # the floor and three values of psi
    recalls = [float(r.split("|")[3]) for r in rows[1:]]
    assert recalls[0] > recalls[-1]                          # truncation costs variety
    if lang == "fa":
        offenders = [(text[:80], run) for text in page_texts(at) for run in english_prose(text)]
        assert offenders == []


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_train_page_shows_each_sample_beside_its_nearest_training_image(lang):
    at = open_in(lang, "pages/2_Train.py")
    tiny = {"tr_conv_dim": 8, "tr_batch_size": 8, "tr_noise_size": 16, "tr_iterations": 20, "tr_sample_every": 10}
    at.session_state["sync_training"] = True
    for key, value in tiny.items():
        at.session_state[key] = value
    at.run()
    at.button(key="start").click().run()
    at.button(key="memo_check").click().run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [c.value for c in at.caption]
    assert sum(1 for c in captions if c.replace(".", "", 1).isdigit()) == 8
    assert any(("{" not in c) and ("1" in c or "۱" in c) for c in captions)
    if lang == "fa":
        offenders = [(text[:80], run) for text in page_texts(at) for run in english_prose(text)]
        assert offenders == []
