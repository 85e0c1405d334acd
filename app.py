"""GAN Playground: the home page. `streamlit run app.py`."""

import streamlit as st

from ui.common import page_setup

page_setup("Home", "🎛️")

st.title("GAN Playground")
st.markdown(
    "Learn **generative adversarial networks** end to end: read the theory with live figures, "
    "play with a pretrained face generator, and train a GAN in your browser — then watch it learn, "
    "or fail, and see why. Everything runs on one small PyTorch engine, `gan_core`, on a CPU."
)

PAGES = [
    ("pages/1_Playground.py", "Latent playground", "🎚️",
     "Move noise sliders, truncation and semantic (SeFa) directions on a face generator; interpolate; share a link."),
    ("pages/2_Train.py", "Train a GAN", "🏋️",
     "Launch a short DCGAN training on emoji faces or your own images and watch losses and samples live."),
    ("pages/3_Experiments.py", "Experiments", "🧪",
     "The course's hyper-parameter study (learning rate, spectral norm, D steps), reproduced with numbers."),
    ("pages/4_What_is_a_GAN.py", "What a GAN is", "📘",
     "Generator, discriminator, the minimax game and the optimal discriminator — with a live plot."),
    ("pages/5_Why_training_fails.py", "Why training fails", "⚠️",
     "Non-convergence, vanishing gradients and mode collapse, with a 2-D training lab."),
    ("pages/6_WGAN.py", "WGAN", "🚚", "Earth-mover distance, the critic, weight clipping vs gradient penalty."),
    ("pages/7_PGGAN.py", "Progressive growing (PGGAN)", "🪜",
     "Growing from 4x4 to 1024x1024, fade-in, and the real CelebA-HQ model's intermediate outputs."),
    ("pages/8_The_course_DCGAN.py", "The course's DCGAN", "🧱",
     "The 32x32 DCGAN layer by layer, the least-squares loss, spectral normalisation, d_train_iters."),
]

cols = st.columns(2)
for i, (path, label, icon, blurb) in enumerate(PAGES):
    with cols[i % 2].container(border=True):
        st.page_link(path, label=label, icon=icon)
        st.caption(blurb)

st.subheader("Where to start")
st.markdown(
    "- **New to GANs?** Read *What a GAN is*, then open the *Train a GAN* page with the preset "
    "*the course's settings* and watch the emoji faces appear.\n"
    "- **Curious what a trained GAN knows?** Open the *Latent playground* and move the SeFa sliders.\n"
    "- **Teaching?** The theory pages switch between English and فارسی, and every figure is interactive."
)

with st.expander("Credits, data and licences"):
    st.markdown(
        "- **Bundled face model** (`pretrained/faces64`): trained by us with `gan_core` on 20,548 "
        "images of **UTKFace** (Zhang, Song, Qi, *Age Progression/Regression by Conditional Adversarial "
        "Autoencoder*, CVPR 2017), non-commercial research terms; the model inherits them.\n"
        "- **PGGAN CelebA-HQ 1024** (optional, downloaded from the Hugging Face Hub repo "
        "`huggan/pggan-celebahq-1024`): Karras et al., *Progressive Growing of GANs*, ICLR 2018. The weights "
        "derive from NVIDIA's release under **CC BY-NC 4.0**, although the Hub card says Apache-2.0.\n"
        "- **Emoji faces** training set: rendered from Google's Noto Color Emoji (Apache-2.0 images, "
        "font under the SIL OFL 1.1).\n"
        "- Built with Streamlit, PyTorch, Plotly, huggingface_hub and safetensors."
    )
