"""The latent playground's engine (gan_core.playground): links, truncation, views, PGGAN path."""

import io

import numpy as np
import pytest
import torch

from gan_core.models.dcgan import DCGenerator
from gan_core.models.pggan import PGGANGenerator, pixel_norm
from gan_core.playground import (
    DCGAN_SEFA_RANGE,
    DEFAULT_MODEL,
    MAX_SEED,
    PGGAN_SEFA_RANGE,
    LatentEngine,
    LatentState,
    curated_seeds,
    decode_query_params,
    default_seed,
    encode_query_params,
    grid_seeds,
    latent_npy_bytes,
    licence_note,
    seed_to_z,
)

KNOWN = ("faces64", "pggan-celebahq-1024")


@pytest.fixture(scope="module")
def dc():
    torch.manual_seed(0)
    return LatentEngine(DCGenerator(noise_size=16, conv_dim=4, image_size=16))


@pytest.fixture(scope="module")
def pg():
    torch.manual_seed(0)
    # The real architecture, shrunk: 4 -> 8 -> 16, 32 channels, 32-d z.
    return LatentEngine(PGGANGenerator(resolution=16, z_dim=32, fmaps_base=256, fmaps_max=32))


# -- links ---------------------------------------------------------------------


def test_default_state_makes_an_empty_link_and_an_empty_link_the_default_state():
    assert encode_query_params(LatentState(), default_k=5) == {}
    state, notes = decode_query_params({}, KNOWN)
    assert state == LatentState() and notes == []
    assert state.seed == default_seed(DEFAULT_MODEL)


def test_link_round_trip_restores_every_slider():
    state = LatentState(model="pggan-celebahq-1024", seed=123456, psi=0.7,
                        dims=((3, 1.5), (200, -0.2)), sefa=((0, 2.4), (4, -5.0)), k=7)
    params = encode_query_params(state, default_k=10)
    assert params == {"model": "pggan-celebahq-1024", "seed": "123456", "psi": "0.7",
                      "dims": "3:1.5,200:-0.2", "sefa": "0:2.4,4:-5", "k": "7"}
    back, notes = decode_query_params(params, KNOWN)
    assert notes == [] and back == state


def test_hub_model_references_survive_a_link():
    back, notes = decode_query_params({"model": "hf:someone/faces@v1.0"}, KNOWN)
    assert back.model == "hf:someone/faces@v1.0" and notes == []


def test_session_models_are_left_out_of_links():
    state = LatentState(model="my run 3", seed=7)
    assert encode_query_params(state, shareable_model=False) == {"seed": "7"}


@pytest.mark.parametrize("key, value", [
    ("seed", "abc"), ("seed", "-1"), ("seed", "1e3"), ("seed", "2.5"), ("seed", str(MAX_SEED + 1)),
    ("seed", "9" * 5000), ("seed", "nan"),
    ("psi", "nan"), ("psi", "inf"), ("psi", "-0.1"), ("psi", "99"), ("psi", "ψ"),
    ("model", "no-such-model"), ("model", "hf:../../etc/passwd"), ("model", "<script>"),
    ("dims", "a:b"), ("dims", "5"), ("dims", "3:nan"), ("dims", "3:7"), ("dims", "99999:1"),
    ("sefa", "0:99"), ("sefa", "x"), ("sefa", "50:1"),
    ("k", "0"), ("k", "1000"), ("k", "five"),
    ("utm_source", "mail"),
])
def test_tampered_link_values_are_ignored_with_a_note(key, value):
    state, notes = decode_query_params({key: value}, KNOWN)
    assert state == LatentState(), f"{key}={value!r} leaked into the state"
    assert len(notes) == 1
    assert key[:4] in notes[0] or "unknown" in notes[0]


def test_good_values_survive_next_to_bad_ones():
    state, notes = decode_query_params(
        {"seed": "42", "psi": "NaN", "dims": "1:0.5,oops,2:9", "sefa": "1:-2"}, KNOWN)
    assert state.seed == 42 and state.psi == 1.0
    assert state.dims == ((1, 0.5),) and state.sefa == ((1, -2.0),)
    assert len(notes) == 3  # psi, "oops", "2:9"


def test_repeated_parameters_take_the_last_value_and_streamlit_keys_pass_silently():
    state, notes = decode_query_params({"seed": ["1", "2"], "embed": "true"}, KNOWN)
    assert state.seed == 2 and notes == []


def test_fit_state_drops_what_the_model_cannot_show(dc):
    state = LatentState(dims=((3, 1.0), (16, 1.0), (300, -1.0)), sefa=((0, 2.0), (2, 5.8)), k=99)
    fitted, notes = dc.fit_state(state)
    assert fitted.dims == ((3, 1.0),)                       # z has 16 dims
    assert fitted.sefa == ((0, 2.0), (2, 5.8))              # 5.8 is inside faces64's +-6
    assert fitted.k == dc.max_k == 16
    assert len(notes) == 3


def test_fit_state_applies_pggan_ranges(pg):
    fitted, notes = pg.fit_state(LatentState(sefa=((0, 5.8), (12, 1.0))))
    assert fitted.sefa == ((12, 1.0),) and fitted.k == 13  # the moved slider stays visible
    assert len(notes) == 1 and "range" in notes[0]
    assert pg.sefa_range == PGGAN_SEFA_RANGE and pg.default_k == 10


# -- codes and truncation -----------------------------------------------------------


def test_psi_scales_the_dcgan_code_toward_zero(dc):
    full = dc.code(LatentState(seed=5))
    half = dc.code(LatentState(seed=5, psi=0.5))
    assert torch.allclose(half, 0.5 * full)
    # psi = 0: every seed is the same (average) face
    assert np.array_equal(dc.face(LatentState(seed=1, psi=0.0)), dc.face(LatentState(seed=2, psi=0.0)))
    assert not np.array_equal(dc.face(LatentState(seed=1)), dc.face(LatentState(seed=2)))


def test_sliders_add_offsets_and_directions_to_the_code(dc):
    base = dc.code(LatentState(seed=5))
    moved = dc.code(LatentState(seed=5, dims=((3, 1.5),)))
    assert torch.allclose(moved - base, 1.5 * torch.nn.functional.one_hot(torch.tensor([3]), 16).float())
    dirs, eigvals = dc.directions(3)
    edited = dc.code(LatentState(seed=5, sefa=((2, -2.0),)))
    assert torch.allclose(edited - base, -2.0 * dirs[2:3], atol=1e-6)
    assert bool((eigvals[:-1] >= eigvals[1:]).all())
    assert not np.array_equal(dc.face(LatentState(seed=5)), dc.face(LatentState(seed=5, sefa=((0, 4.0),))))


def test_pggan_edits_act_on_the_pixel_normalised_code(pg):
    code = pg.code(LatentState(seed=9, psi=0.3))
    assert torch.allclose(code, pixel_norm(seed_to_z(9, 32)))   # psi does not touch a PGGAN code
    assert code.norm().item() == pytest.approx(32 ** 0.5, rel=1e-4)  # on the sphere, as the network sees it
    dirs, _ = pg.directions(2)
    edited = pg.code(LatentState(seed=9, sefa=((1, 5.0),)))
    assert torch.allclose(edited - code, 5.0 * dirs[1:2], atol=1e-5)  # added after the normalisation


def test_pggan_truncation_at_psi_near_one_matches_the_models_own_forward(pg):
    code = pg.code(LatentState(seed=3))
    reference = pg.generator.native_image(code, 0)
    spliced = pg.adapter.forward(code, 1.0 - 1e-7, 16)  # takes the truncation path
    assert torch.allclose(spliced, reference, atol=1e-4)


def test_pggan_psi_zero_gives_one_face_for_every_seed(pg):
    a, b = pg.face(LatentState(seed=1, psi=0.0)), pg.face(LatentState(seed=2, psi=0.0))
    assert a.shape == (16, 16, 3) and a.dtype == np.uint8
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 1
    assert not np.array_equal(pg.face(LatentState(seed=1)), pg.face(LatentState(seed=2)))


def test_pggan_previews_come_from_the_lower_resolution_heads():
    torch.manual_seed(1)
    g = PGGANGenerator(resolution=128, z_dim=16, fmaps_base=1024, fmaps_max=8)
    engine = LatentEngine(g)
    state = LatentState(seed=4)
    assert engine.size_for("full") == 128 and engine.size_for("preview") == 128
    assert engine.size_for("tiny") == 64
    tiny = engine.face(state, "tiny")
    assert tiny.shape == (64, 64, 3)
    from gan_core.data import to_image_array
    expected = to_image_array(g.native_image(engine.code(state), 1))[0]
    assert np.abs(tiny.astype(int) - expected.astype(int)).max() <= 1


# -- views ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["lerp", "slerp"])
def test_interpolation_has_the_frames_asked_for_and_ends_on_both_faces(dc, method):
    a, b = dc.code(LatentState(seed=1)), dc.code(LatentState(seed=2))
    frames, norms = dc.interpolation(a, b, 7, method)
    assert frames.shape == (7, 16, 16, 3) and norms.shape == (7,)
    face_a, face_b = dc.render(a)[0], dc.render(b)[0]
    assert np.abs(frames[0].astype(int) - face_a).max() <= 1
    assert np.abs(frames[-1].astype(int) - face_b).max() <= 1
    assert not np.array_equal(frames[3], frames[0])


def test_lerp_shortens_the_code_in_the_middle_and_slerp_does_not(dc):
    a, b = dc.code(LatentState(seed=1)), dc.code(LatentState(seed=2))
    _, lerp_norms = dc.interpolation(a, b, 9, "lerp")
    _, slerp_norms = dc.interpolation(a, b, 9, "slerp")
    assert lerp_norms[4] < 0.85 * min(lerp_norms[0], lerp_norms[-1])
    assert slerp_norms[4] > 0.95 * min(slerp_norms[0], slerp_norms[-1])
    with pytest.raises(ValueError):
        dc.interpolation(a, b, 1)


def test_sefa_walk_is_centred_on_the_current_face(dc):
    state = LatentState(seed=8)
    frames, alphas = dc.sefa_walk(dc.code(state), index=1, steps=5)
    assert frames.shape == (5, 16, 16, 3)
    assert list(alphas) == pytest.approx([-6, -3, 0, 3, 6])
    assert np.abs(frames[2].astype(int) - dc.face(state)).max() <= 1
    assert len({f.tobytes() for f in frames}) == 5


def test_grid_seeds_are_reproducible_in_range_and_change_per_batch(dc):
    assert grid_seeds(0, 8) == grid_seeds(0, 8)
    assert grid_seeds(0, 8) != grid_seeds(1, 8)
    assert all(0 <= s <= MAX_SEED for s in grid_seeds(3, 100))
    assert dc.grid(grid_seeds(0, 6)).shape == (6, 16, 16, 3)
    # the first page opens with the curated faces, then random ones
    assert grid_seeds(0, 4, curated=(7, 8))[:2] == [7, 8] and len(grid_seeds(0, 4, curated=(7, 8))) == 4
    assert grid_seeds(1, 4, curated=(7, 8)) == grid_seeds(1, 4)


def test_one_raw_dimension_moves_the_face_less_than_the_top_semantic_direction(dc):
    code = dc.code(LatentState(seed=3))
    dim_change, sefa_change = dc.dim_vs_sefa_change(code, dim=0, distance=2.0)
    assert 0 <= dim_change < sefa_change


# -- cache, exports, model notes -------------------------------------------------------


def test_renders_are_cached_by_latent_and_the_cache_is_bounded():
    torch.manual_seed(0)
    engine = LatentEngine(DCGenerator(noise_size=16, conv_dim=4, image_size=16), cache_mb=0.005)  # ~5 KB
    code = engine.code(LatentState(seed=1))
    first = engine.render(code)
    assert engine.render(code.clone()) is first       # the same array: no second forward
    assert not first.flags.writeable
    for s in range(20):
        engine.face(LatentState(seed=s))
    assert engine._cache_bytes <= 0.005 * 2**20


def test_latent_npy_round_trip(dc):
    code = dc.code(LatentState(seed=11, dims=((2, 1.0),)))
    back = np.load(io.BytesIO(latent_npy_bytes(code)))
    assert back.shape == (1, 16) and back.dtype == np.float32
    assert np.array_equal(back, code.numpy())


def test_licence_notes_and_curated_seeds():
    assert "CC BY-NC 4.0" in licence_note("pggan-celebahq-1024", "pggan")
    assert "UTKFace" in licence_note("faces64") and "non-commercial" in licence_note("faces64")
    assert licence_note("my run", "dcgan") == ""
    seeds = curated_seeds("faces64")
    assert len(seeds) >= 8 and len(set(seeds)) == len(seeds) and all(0 <= s <= MAX_SEED for s in seeds)
    assert curated_seeds("pggan-celebahq-1024") == () and default_seed("pggan-celebahq-1024") == 0


def test_bundled_faces64_engine_renders_64px_faces():
    from gan_core.hub import load_generator

    engine = LatentEngine(load_generator("faces64")[0])
    face = engine.face(LatentState())
    assert face.shape == (64, 64, 3)
    assert engine.default_k == 5 and engine.sefa_range == DCGAN_SEFA_RANGE
    assert not np.array_equal(face, engine.face(LatentState(psi=0.5)))
    # it draws with sub-pixel convs (models/dcgan.py): the generator's own pixels, within a rounding step
    from gan_core.data import to_uint8

    with torch.no_grad():
        own = to_uint8(engine.generator(engine.code(LatentState()).reshape(1, -1)))[0].permute(1, 2, 0).numpy()
    diff = np.abs(own.astype(int) - face.astype(int))
    assert diff.max() <= 1 and (diff == 0).mean() > 0.99


def test_time_estimates_follow_measurements():
    torch.manual_seed(1)
    engine = LatentEngine(PGGANGenerator(resolution=128, z_dim=16, fmaps_base=1024, fmaps_max=8))
    guess_full, guess_tiny = engine.estimate_seconds(1, "full"), engine.estimate_seconds(1, "tiny")
    assert 0 < guess_tiny < guess_full
    engine.face(LatentState(seed=1), "full")
    measured = engine.estimate_seconds(1, "full")
    assert engine.estimate_seconds(4, "full") == pytest.approx(4 * measured)
    assert 0 < engine.estimate_seconds(1, "tiny") < measured  # scaled from the measured size
