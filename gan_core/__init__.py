"""gan_core: the UI-agnostic engine behind GAN Playground.

Nothing here imports Streamlit: the app's pages read widgets, call into this
package and draw what comes back. A subpackage per job, each __init__ saying
what lives in it:

    models/      the networks (the course's DCGAN, the PGGAN port, MLPs for the toys)
    data/        pixels, built-in sets, the dataset registry, untrusted uploads
    training/    TrainConfig, the loop, losses, presets
    hub/         model folders, checkpoint zips, the Hugging Face Hub
    jobs/        trainings run for the app, away from its pages
    playground/  the latent playground's engine (directions, state, links)
    faces/       the attribute model, photos, the encoder, inversion
    study/       the course's hyperparameter study
    theory/      the theory pages' computations and the 2-D lab
    metrics/     SWD and the cheaper sample statistics

and the modules everyone uses: checkpoint.py (a generator family's checks),
device.py, viz.py, textsafe.py (a stranger's text made safe to show), and cli.py
behind `python -m gan_core`.
"""

__version__ = "0.1.0"
