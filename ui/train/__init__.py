"""The Train page's Streamlit side (pages/2_Train.py lays it out).

* settings.py: presets, the settings widgets and the TrainConfig they describe.
* data.py: the dataset menu and uploads.
* formula.py: "write your own loss": the formula editor and what G's loss asks of G.
* run.py: start/stop, the live panel, keeping and comparing runs.
* queue.py: the server's shared job service, a run's place in line, the class link, the backend line.
* charts.py / messages.py: its figures / its messages in the page's language.
"""
