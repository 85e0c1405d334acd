"""gan_core: the UI-agnostic engine behind GAN Playground.

Models, losses, a streaming trainer, datasets, checkpoints and the Hub,
metrics and latent-space tools. Nothing here imports Streamlit: the app's
pages read widgets, call into this package and draw what comes back.
"""

__version__ = "0.1.0"
