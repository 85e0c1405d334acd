"""The attribute model, the named directions (faces64 and PGGAN) and the bias-audit reading."""

from pathlib import Path

import numpy as np
import pytest
import torch

from gan_core.faces import attributes as A
from gan_core.hub import load_generator
from gan_core.models.pggan import PGGANGenerator, pixel_norm
from gan_core.playground import (
    LatentEngine,
    LatentState,
    decode_query_params,
    encode_query_params,
    named_directions,
    named_info,
    seed_to_z,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def model():
    return A.load_attribute_model("faces64-attributes")


# -- the attribute model -----------------------------------------------------------


def test_predict_gives_years_and_probabilities_for_each_face(model):
    images = torch.randint(0, 256, (5, 3, 64, 64), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    out = model.predict(images)
    assert set(out) == {"age", "female"}
    assert out["age"].shape == (5,) and out["female"].shape == (5,)
    assert ((out["age"] >= 0) & (out["age"] <= 116)).all()
    assert ((out["female"] >= 0) & (out["female"] <= 1)).all()
    big = model.predict(torch.nn.functional.interpolate(images.float(), scale_factor=2).round().to(torch.uint8))
    assert big["age"].shape == (5,)   # other sizes are resized to 64x64


def test_predict_refuses_float_images(model):
    with pytest.raises(ValueError, match="uint8"):
        model.predict(torch.rand(2, 3, 64, 64))


def test_the_shipped_attribute_model_is_small_and_reports_held_out_scores():
    folder = ROOT / "pretrained" / "faces64-attributes"
    assert (folder / "model.safetensors").stat().st_size <= 3 * 2**20
    import json

    held = json.loads((folder / "config.json").read_text())["held_out"]
    assert held["n"] == 2000 and 0 < held["age_mae"] < 20 and 0.5 < held["gender_accuracy"] <= 1


# -- named directions on faces64 ------------------------------------------------------


def test_named_directions_are_unit_vectors_with_conditional_variants():
    dirs = named_directions("faces64")
    assert {"age", "gender", "age|gender", "gender|age"} <= set(dirs)
    for v in dirs.values():
        assert v.shape == (128,) and v.norm().item() == pytest.approx(1.0, abs=1e-5)
    # "age, keeping gender" is orthogonal to the gender normal it conditions on
    assert abs(float(dirs["age|gender"] @ dirs["gender"])) < 1e-5
    assert abs(float(dirs["gender|age"] @ dirs["age"])) < 1e-5


def test_named_directions_move_predictions_the_right_way(model):
    generator, _ = load_generator("faces64")
    dirs = named_directions("faces64")
    codes = torch.cat([seed_to_z(s, 128) for s in range(300, 340)])
    older = A.measure_direction(generator, model, codes, dirs["age"], 3.0)
    female = A.measure_direction(generator, model, codes, dirs["gender"], 3.0)
    assert older["age_mean"] > 2.0          # + = older, by years
    assert female["female_mean"] > 0.05     # + = more female


def test_a_model_without_named_directions_has_none():
    assert named_directions("no-such-model") == {}
    assert named_info("session:mine") == {} and named_info("../etc") == {}


# -- fitting maths on planted data ----------------------------------------------------


def test_fitting_recovers_a_planted_direction_and_projection_is_orthogonal():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(3000, 16, generator=g)
    true_age, true_gender = torch.zeros(16), torch.zeros(16)
    true_age[0], true_gender[:2] = 1.0, torch.tensor([0.6, 0.8])
    ages = 30 + 10 * (z @ true_age) + torch.randn(3000, generator=g)
    female = torch.sigmoid(3 * (z @ true_gender))
    age = A.fit_linear_direction(z, ages, "regression")
    gender = A.fit_linear_direction(z, female, "logistic")
    assert float(age @ true_age) > 0.99 and float(gender @ true_gender) > 0.99
    cond = A.project_out(age, gender)
    assert abs(float(cond @ gender)) < 1e-6 and cond.norm().item() == pytest.approx(1.0)


def test_audit_reading_names_the_under_and_over_produced_ages():
    photos = [0.1, 0.1, 0.3, 0.2, 0.1, 0.1, 0.05, 0.05]
    generated = [0.02, 0.1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01]
    under, over = A.audit_reading(generated, photos)
    assert [b for b, _ in under] == ["0-9", "50-59", "60-69", "70+"]
    assert [b for b, _ in over] == ["20-29"]
    assert sum(A.age_histogram(torch.tensor([1.0, 15.0, 25.0, 99.0]))) == pytest.approx(1.0)


# -- PGGAN: InterFaceGAN's boundaries, maths on the random-weight model -------------------


@pytest.fixture(scope="module")
def pggan():
    torch.manual_seed(0)
    # The real 512-d latent (the boundaries are 512-d), tiny everything else.
    return LatentEngine(PGGANGenerator(resolution=8, z_dim=512, fmaps_base=64, fmaps_max=16),
                        named=named_directions("pggan-celebahq-1024"))


def test_pggan_boundaries_ship_with_their_licence_and_are_unit_vectors():
    folder = ROOT / "pretrained" / "interfacegan-pggan-celebahq"
    assert "MIT" in (folder / "LICENSE").read_text() or "Permission is hereby granted" in (folder / "LICENSE").read_text()
    dirs = named_directions("pggan-celebahq-1024")
    assert {"age", "gender", "smile", "eyeglasses", "pose", "age|gender", "gender|age"} == set(dirs)
    raw = np.load(folder / "pggan_celebahq_gender_boundary.npy")
    assert torch.allclose(dirs["gender"], -torch.from_numpy(raw.reshape(-1)).float(), atol=1e-6)  # + = more female
    assert abs(float(dirs["age|gender"] @ dirs["gender"])) < 1e-4


def test_pggan_named_slider_adds_alpha_n_to_the_sphere_code(pggan):
    base = pggan.code(LatentState(model="pggan-celebahq-1024", seed=4))
    assert base.norm().item() == pytest.approx(512 ** 0.5, rel=1e-4)      # InterFaceGAN's z / |z| * sqrt(512)
    n = named_directions("pggan-celebahq-1024")
    edited = pggan.code(LatentState(model="pggan-celebahq-1024", seed=4, named=(("smile", 2.0), ("age|gender", -1.0))))
    assert torch.allclose(edited - base, 2.0 * n["smile"] - n["age|gender"], atol=1e-5)
    assert torch.allclose(base, pixel_norm(seed_to_z(4, 512)))
    a = pggan.face(LatentState(model="pggan-celebahq-1024", seed=4, named=(("age", 3.0),)), "full")
    b = pggan.face(LatentState(model="pggan-celebahq-1024", seed=4), "full")
    assert not np.array_equal(a, b)


def test_named_sliders_survive_a_link_and_unknown_names_are_dropped(pggan):
    state = LatentState(model="faces64", seed=3, named=(("age|gender", 1.5), ("gender", -0.5)))
    params = encode_query_params(state)
    assert params["named"] == "age|gender:1.5,gender:-0.5"
    back, notes = decode_query_params(params)
    assert back.named == state.named and not notes
    _, notes = decode_query_params({"named": "age:99,<script>:1"})
    assert len(notes) == 2
    fitted, notes = pggan.fit_state(LatentState(named=(("age", 1.0), ("hair", 2.0))))
    assert fitted.named == (("age", 1.0),) and "hair" in notes[0]
