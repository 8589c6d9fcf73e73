"""Entry point of the deep-learning studio: `streamlit run app.py` (or `make run`)."""

from ui.navigation import run_app

run_app()
