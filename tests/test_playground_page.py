"""The latent playground page, driven through Streamlit's AppTest: wiring, not numbers.

"The face changed" = the URL of the image's media file changed (it is a hash of the bytes).
"""

import re
import sys
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the page imports ui.* and gan_core.* from the repository root

from gan_core.hub import ModelInfo  # noqa: E402
from gan_core.models.dcgan import DCGenerator  # noqa: E402
from gan_core.models.pggan import PGGANGenerator  # noqa: E402
from ui.playground.picker import HUB_OPTION  # noqa: E402

PAGE = str(ROOT / "pages" / "1_Playground.py")


def run_page(query=None, session=None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in (session or {}).items():
        at.session_state[key] = value
    return at.run()


def face(at) -> str:
    return at.image[0].proto.imgs[0].url


def assert_clean(at):
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


@pytest.fixture(scope="module")
def default_face():
    at = run_page()
    assert_clean(at)
    return face(at)


def test_page_opens_on_the_bundled_face_with_its_licence(default_face):
    at = run_page()
    assert_clean(at)
    assert at.selectbox(key="pg_choice").value == "faces64"
    assert face(at) == default_face
    assert any("UTKFace" in c.value for c in at.caption)
    assert at.number_input(key="pg_seed").value == 8  # the first curated seed
    assert dict(at.query_params) == {}  # nothing to share yet: the defaults


def test_seed_changes_the_face(default_face):
    at = run_page()
    at.number_input(key="pg_seed").set_value(2).run()
    assert_clean(at)
    assert face(at) != default_face
    assert at.query_params["seed"] == ["2"] or at.query_params["seed"] == "2"


def test_sefa_slider_changes_the_face_and_the_link(default_face):
    at = run_page()
    assert "eigenvalue" in at.slider(key="pg_sefa_0").label
    at.slider(key="pg_sefa_0").set_value(3.0).run()
    assert_clean(at)
    assert face(at) != default_face
    assert "0:3" in str(at.query_params["sefa"])


def test_psi_changes_the_face(default_face):
    at = run_page()
    at.slider(key="pg_psi").set_value(0.5).run()
    assert_clean(at)
    assert face(at) != default_face


def test_raw_dimension_slider_moves_the_face_and_the_caption_measures_it(default_face):
    at = run_page()
    at.multiselect(key="pg_dims").set_value([17]).run()
    assert any("z[17] by 2" in c.value and "%" in c.value for c in at.sidebar.caption)
    at.slider(key="pg_dim_17").set_value(2.5).run()
    assert_clean(at)
    assert face(at) != default_face


def test_reset_sliders_brings_back_the_seeds_face(default_face):
    at = run_page()
    at.slider(key="pg_sefa_1").set_value(-2.0)
    at.slider(key="pg_psi").set_value(0.7).run()
    assert face(at) != default_face
    at.button(key="pg_reset").click().run()
    assert_clean(at)
    assert face(at) == default_face
    assert at.slider(key="pg_sefa_1").value == 0.0 and at.slider(key="pg_psi").value == 1.0


def test_a_link_restores_the_same_face():
    at = run_page()
    at.number_input(key="pg_seed").set_value(57)
    at.slider(key="pg_psi").set_value(0.8)
    at.slider(key="pg_sefa_2").set_value(-1.4).run()
    at.multiselect(key="pg_dims").set_value([3]).run()
    at.slider(key="pg_dim_3").set_value(1.2).run()
    link = {k: at.query_params[k] for k in at.query_params}
    assert set(link) == {"seed", "psi", "sefa", "dims"}

    opened = run_page(query={k: v[-1] if isinstance(v, list) else v for k, v in link.items()})
    assert_clean(opened)
    assert not opened.warning
    assert face(opened) == face(at)
    assert opened.slider(key="pg_sefa_2").value == pytest.approx(-1.4)
    assert opened.slider(key="pg_dim_3").value == pytest.approx(1.2)


def test_a_tampered_link_shows_notes_and_the_default_face(default_face):
    at = run_page(query={"seed": "abc", "psi": "nan", "model": "no-such-model", "dims": "1:x,9999:1",
                         "sefa": "0:1e9", "k": "-3", "evil": "<script>"})
    assert_clean(at)
    assert face(at) == default_face
    notes = at.warning[0].value.replace("\\", "")
    # Eight bad values, but the warning stays a few lines long: the first ones, then a count of the rest.
    named = [word for word in ("seed", "psi", "model", "dims", "sefa", "k=", "evil") if word in notes]
    assert len(named) >= 4, notes
    assert re.search(r"… and \d+ more values were ignored", notes), notes
    assert dict(at.query_params) == {}  # the address bar now holds a clean link
    at.button(key="pg_notes_ok").click().run()
    assert not at.warning


def test_a_huge_seed_in_a_link_is_ignored_but_the_rest_is_kept(default_face):
    at = run_page(query={"seed": str(2**64), "psi": "0.5"})
    assert_clean(at)
    assert "seed" in at.warning[0].value
    assert at.number_input(key="pg_seed").value == 8 and at.slider(key="pg_psi").value == 0.5


def test_pggan_offline_explains_and_keeps_the_faces_model(default_face):
    at = run_page()
    at.selectbox(key="pg_choice").set_value("pggan-celebahq-1024").run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "unreachable" in message and "bundled faces model is still available" in message
    assert at.selectbox(key="pg_choice").value == "faces64"
    assert face(at) == default_face
    at.slider(key="pg_sefa_0").set_value(1.0).run()  # the page still works
    assert face(at) != default_face


def test_a_link_to_pggan_offline_falls_back_with_the_links_seed():
    at = run_page(query={"model": "pggan-celebahq-1024", "seed": "7"})
    assert not at.exception
    assert "unreachable" in at.error[0].value
    assert at.selectbox(key="pg_choice").value == "faces64"
    assert at.number_input(key="pg_seed").value == 7


def test_hub_repo_field_rejects_bad_ids_and_reports_offline_repos():
    at = run_page()
    at.selectbox(key="pg_choice").set_value(HUB_OPTION).run()
    at.text_input(key="pg_hub_text").set_value("not a repo!!")
    at.button(key="pg_hub_load").click().run()
    assert not at.exception
    assert "not a valid Hugging Face repo id" in at.error[0].value
    at.text_input(key="pg_hub_text").set_value("someone/faces@v1")
    at.button(key="pg_hub_load").click().run()
    assert "unreachable" in at.error[0].value
    assert at.session_state["pg_active"] == "faces64"


def test_grid_button_makes_that_face_the_current_seed():
    at = run_page(session={"pg_view": "Grid"})
    assert_clean(at)
    assert len(at.image) == 8
    at.button(key="pg_use_0_24").click().run()  # the second curated seed, 24
    assert_clean(at)
    assert at.session_state["pg_view"] == "Face"
    assert at.number_input(key="pg_seed").value == 24


def test_interpolation_and_walk_views_render():
    at = run_page(session={"pg_view": "Interpolation"})
    assert_clean(at)
    urls = [img.proto.imgs[0].url for img in at.image]
    assert sum(u.endswith(".gif") for u in urls) == 2  # lerp and slerp, side by side
    assert {b.proto.label for b in at.get("download_button")} == {"⬇ lerp GIF", "⬇ slerp GIF"}
    before = urls
    at.slider(key="pg_frames").set_value(5).run()
    assert [img.proto.imgs[0].url for img in at.image] != before

    at.session_state["pg_view"] = "SeFa walk"
    at.run()
    assert_clean(at)
    assert len(at.image) == 1 and "+6.0" in at.image[0].proto.imgs[0].caption


def _tiny_pggan():
    torch.manual_seed(0)
    g = PGGANGenerator(resolution=32, z_dim=32, fmaps_base=512, fmaps_max=32).eval()
    return g, ModelInfo(name="tiny-pggan", source="session", architecture="pggan", noise_size=32, image_size=32)


def test_a_pggan_model_renders_with_pggan_ranges_and_stays_out_of_links():
    at = run_page(session={"session_models": {"tiny-pggan": _tiny_pggan()}})
    at.selectbox(key="pg_choice").set_value("session:tiny-pggan").run()
    assert_clean(at)
    assert at.session_state["pg_active"] == "session:tiny-pggan"
    assert at.slider(key="pg_sefa_0").max == 5.0 and at.number_input(key="pg_k").value == 10
    assert "32×32 px" in at.image[0].proto.imgs[0].caption
    assert any("sphere" in c.value for c in at.sidebar.caption)  # what psi means for PGGAN
    first = face(at)
    at.slider(key="pg_psi").set_value(0.5).run()
    assert face(at) != first
    assert "model" not in at.query_params and at.query_params["psi"] in ("0.5", ["0.5"])

    # Multi-face views wait for a button with PGGAN (a second per face on a CPU), then stay.
    at.session_state["pg_view"] = "Grid"
    at.run()
    assert_clean(at)
    assert len(at.image) == 0
    at.button(key="pg_grid_done_go").click().run()
    assert_clean(at)
    assert len(at.image) == 4
    at.run()
    assert len(at.image) == 4


def test_a_model_trained_in_this_session_can_be_picked():
    torch.manual_seed(0)
    g = DCGenerator(noise_size=16, conv_dim=4, image_size=16).eval()
    info = ModelInfo(name="my run", source="session", architecture="dcgan", noise_size=16, image_size=16)
    at = run_page(session={"session_models": {"my run": (g, info)}})
    at.selectbox(key="pg_choice").set_value("session:my run").run()
    assert_clean(at)
    assert "16×16 px" in at.image[0].proto.imgs[0].caption
    assert at.number_input(key="pg_k").value == 5


def test_sliders_survive_a_visit_to_another_page():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/1_Playground.py").run()
    at.number_input(key="pg_seed").set_value(57).run()
    at.slider(key="pg_sefa_1").set_value(1.0).run()
    edited = face(at)
    at.switch_page("pages/0_Home.py").run()
    at.switch_page("pages/1_Playground.py").run()
    assert_clean(at)
    assert at.number_input(key="pg_seed").value == 57 and face(at) == edited


def _loader_script():
    import streamlit as st

    from ui.playground.picker import ModelLoadError, load_with_progress

    for source in ("slow-model", "broken-model"):
        try:
            st.write(f"loaded {load_with_progress(source)[1]}")
        except ModelLoadError as exc:
            st.error(str(exc))


def test_load_with_progress_returns_the_model_and_turns_failures_into_messages(monkeypatch):
    import time

    import ui.playground.picker

    reports = []

    def fake_load_model(source, _progress=None):
        for done in range(0, 6):  # a "download" of 5 MB in 0.6 s, reported from the worker thread
            _progress(done * 10**6, 5 * 10**6)
            reports.append(done)
            time.sleep(0.1)
        if source == "broken-model":
            raise RuntimeError("disk full")
        return "generator", source

    monkeypatch.setattr(ui.playground.picker, "load_model", fake_load_model)
    at = AppTest.from_function(_loader_script, default_timeout=60).run()
    assert not at.exception
    assert at.markdown[0].value == "loaded slow-model"
    # an unexpected failure is one sentence; its type and text (which may hold server paths) go to the log
    assert "broken-model failed unexpectedly" in at.error[0].value and "RuntimeError" not in at.error[0].value
    assert len(reports) == 12


def test_named_sliders_come_first_and_move_the_face(default_face):
    at = run_page()
    assert_clean(at)
    labels = [s.label for s in at.slider]
    assert labels.index("Age") < labels.index(next(l for l in labels if l.startswith("Semantic 01")))
    assert "Gender (+ = more female)" in labels
    assert any("years on average" in c.value for c in at.caption)          # the measured effect
    at.slider(key="pg_named_age").set_value(3.0).run()
    assert_clean(at)
    assert face(at) != default_face
    assert at.query_params["named"] in ("age:3", ["age:3"])
    at.toggle(key="pg_keep").set_value(True).run()                          # keep gender: the conditional one
    assert_clean(at)
    assert at.query_params["named"] in ("age|gender:3", ["age|gender:3"])
    assert any("Bias audit" in e.label for e in at.expander)


def test_bias_audit_is_drawn_only_while_open_and_then_names_the_under_produced_ages():
    # Its chart is about half of a slider move's server time, so a closed audit draws nothing.
    at = run_page()
    assert not [m for m in at.markdown if "Under-produced ages" in m.value]
    at.session_state["pg_audit"] = True            # the visitor opens the expander
    at.run()
    assert_clean(at)
    reading = [m.value for m in at.markdown if "Under-produced ages" in m.value]
    assert reading and "70+" in reading[0]


def test_keep_the_other_one_shows_the_conditional_directions_measured_effect():
    at = run_page(session={"pg_keep": True})
    assert_clean(at)
    captions = [c.value for c in at.caption if "years on average" in c.value]
    from gan_core.playground import named_info

    e = named_info("faces64")["effects"]["age|gender"]           # the shipped measurement, not the plain age one
    assert captions and f"{e['age_mean'] / e['distance']:+.1f} years" in captions[0]
