"""The Playground page's Streamlit side (pages/1_Playground.py lays it out).

* picker.py: the model picker, loading, the engine for the chosen model.
* controls.py: seed, named sliders, SeFa and raw sliders, the bias audit.
* share.py: the share link and its notes, the licence line, view labels, the error boundary.
* views.py: the face, grid, interpolation and SeFa-walk views (one fragment with the sliders).
* photo.py: the "Your photo" view.
"""
