"""The theory pages' Streamlit side (pages/4..8 lay them out).

* toylab.py: the 2-D toy lab as a Streamlit component (the Why-training-fails and WGAN pages).
* course.py: the course-DCGAN page's figures and tables.
* dynamics.py: the Dirac-GAN figures (explorer, R1 rule, eigenvalues, WGAN-GP) of Why training fails.
* quiz.py: the quiz every theory page ends with (options shuffled per visitor, numeric questions).
* modes.py: mode-seeking vs mode-covering (one Gaussian fitted under four objectives) of What a GAN is.
* derivations.py: the derivations a reader can unfold, one expander each.
* metrics.py: the course page's metrics measured live (SWD per-set vs shared, precision and recall vs psi).
"""
