"""Streamlit-side helpers shared by the pages (the engine, gan_core, never imports these)."""
