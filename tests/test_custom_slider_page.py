"""The Playground's "Make a slider" and "Paint with units" tabs, wired (AppTest)."""

from pathlib import Path

import pytest
from contentfiles import CONTENT
from streamlit.testing.v1 import AppTest

from gan_core import playground as pg
from gan_core.hub import load_generator
from gan_core.playground import custom

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "1_Playground.py")
EN = CONTENT["en"]
FA = CONTENT["fa"]

pytestmark = pytest.mark.usefixtures("one_torch_thread")   # conftest.py says why


def open_view(view: str, lang: str = "en") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["lang"] = lang
    at.session_state["pg_view"] = CONTENT[lang][view]["tab"]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def label_by_age(at: AppTest, pages: int = 1) -> None:
    """Mark the labelling faces the way a person would who thinks of "older": by the shipped age normal."""
    engine = pg.LatentEngine(load_generator("faces64")[0], named=pg.named_directions("faces64"))
    age = engine.named["age"]
    for page in range(pages):
        for i, seed in enumerate(custom.label_seeds(page)):
            at.session_state[f"pg_mine_m_{page}_{i}"] = "has" if float(engine.prior_code(seed)[0] @ age) > 0 else "hasnt"


def upload(at: AppTest, name: str, data: bytes) -> None:
    """Upload a file with the "Make a slider" uploader (the sidebar has the checkpoint uploader too)."""
    uploader = next(u for u in at.get("file_uploader") if u.key == "pg_mine_upload")
    uploader.set_value([(name, data, "application/json")]).run()


def face_url(at: AppTest) -> str:
    return at.image[0].proto.imgs[0].url


@pytest.mark.parametrize("lang, name", [("en", "older"), ("fa", "پیرتر")])
def test_label_faces_fit_and_the_new_slider_moves_the_face(lang, name):
    at = open_view("myslider", lang)
    marks = [b for b in at.get("button_group") if str(b.key).startswith("pg_mine_m_")]
    assert len(marks) == pg.state.MINE_PAGE_SIZE        # one has/hasn't control per face
    label_by_age(at)
    at.text_input(key="pg_mine_name").set_value(name)
    at.button(key="pg_mine_fit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key="pg_mine_alpha").label == name
    said = CONTENT[lang]["myslider"]["reliable"]
    assert any(s.value.startswith(said[:said.index("{")]) for s in at.success), [s.value for s in at.success]
    assert any("mine=" in c.value for c in at.code) or "mine" in at.query_params
    at.session_state["pg_view"] = CONTENT[lang]["playground"]["views"]["face"]
    at.run()
    before = face_url(at)
    at.slider(key="pg_mine_alpha").set_value(3.0).run()
    assert not at.exception
    assert face_url(at) != before
    mine = at.query_params["mine"]
    mine = mine[-1] if isinstance(mine, list) else mine
    assert mine.startswith("3~~") and mine.endswith("~" + name)


def test_too_few_labels_are_refused_with_a_sentence():
    at = open_view("myslider")
    for i in range(3):
        at.session_state[f"pg_mine_m_0_{i}"] = "has"
    at.button(key="pg_mine_fit").click().run()
    assert at.warning[0].value == EN["myslider"]["errors"]["few"].format(need=custom.MIN_LABELS, n=3)
    assert "pg_mine_alpha" not in [s.key for s in at.slider]


def test_a_link_with_a_slider_restores_it():
    spec = custom.make_spec("older", [2, 1] * 12)
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["mine"] = custom.slider_text(spec, 1.5)
    at.run()
    assert not at.exception
    assert at.slider(key="pg_mine_alpha").value == 1.5
    tampered = AppTest.from_file(PAGE, default_timeout=120)
    tampered.query_params["mine"] = "1.5~~____~older"
    tampered.run()
    assert "mine=" in tampered.warning[0].value and "labels" in tampered.warning[0].value


def test_paint_with_units_changes_the_face_inside_the_region():
    at = open_view("dissect")
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="pg_dis_layer").value == "upconv2"
    after = next(i for i in at.image if "after" in (i.proto.imgs[0].caption or ""))
    assert "change" in after.proto.imgs[0].caption
    at.radio(key="pg_dis_mode").set_value("up").run()
    assert not at.exception
    assert any("The face changed by" in c.value for c in at.caption)
    at.multiselect(key="pg_dis_units").set_value([]).run()
    assert at.info[-1].value == EN["dissect"]["no_units"]



def test_a_downloaded_slider_uploads_back_and_bad_files_are_refused_with_a_sentence():
    engine = pg.LatentEngine(load_generator("faces64")[0], named=pg.named_directions("faces64"))
    spec = custom.make_spec("older", [2, 1, 0] * 10 + [1, 2], ["gender"])
    good = custom.slider_json(engine.fit_custom(spec), pg.DEFAULT_MODEL).encode()
    at = open_view("myslider")
    upload(at, "slider_older.json", good)
    assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key="pg_mine_alpha").label == "older"
    assert at.session_state["pg_mine_spec"] == spec               # the labels came back, and the keep
    assert at.session_state["pg_mine_m_0_0"] == "has" and at.session_state["pg_mine_m_0_1"] == "hasnt"
    assert at.session_state["pg_mine_m_0_2"] is None and at.session_state["pg_mine_keep_gender"] is True
    errors = EN["myslider"]["errors"]
    other = custom.slider_json(engine.fit_custom(spec), "someone/else").encode()
    for name, data, said in (("junk.json", b"not json", errors["file"]),
                             ("big.json", b" " * (custom.MAX_JSON_BYTES + 10) + good, errors["file"]),
                             ("other.json", other, errors["other_model"].format(model="someone/else",
                                                                               current=pg.DEFAULT_MODEL))):
        at = open_view("myslider")
        upload(at, name, data)
        assert not at.exception, [e.value for e in at.exception]
        assert [w.value for w in at.warning] == [said]
        assert "pg_mine_alpha" not in [s.key for s in at.slider]
